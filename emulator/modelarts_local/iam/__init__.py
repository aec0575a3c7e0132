"""IAM (``/v3``): password tokens and project lookups, as the official SDKs use them.

``routes.py`` (the route table) -> ``handlers.py`` (HTTP to domain calls) -> ``service.py`` (the domain),
``errors.py`` (keystone-shaped errors). Accounts, principals and stored tokens are shared with the other
services: ``identity.py``; checking credentials on a request: ``auth.py``.
"""

#: Where IAM's paths start, on the main port (fault injection leaves them alone unless told otherwise).
PREFIXES = ("/v3/", "/v3.0/")
