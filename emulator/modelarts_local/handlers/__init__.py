"""HTTP handlers: parse the request, call the domain, render the answer. No domain logic lives here."""
