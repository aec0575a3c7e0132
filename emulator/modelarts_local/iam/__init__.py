"""IAM (``/v3``): password tokens and project lookups, as the official SDKs use them.

``routes.py`` (the route table) -> ``handlers.py`` (HTTP to domain calls) -> ``service.py`` (the domain),
``errors.py`` (keystone-shaped errors). Accounts, principals and stored tokens are shared with the other
services: ``identity.py``; checking credentials on a request: ``auth.py``.
"""
