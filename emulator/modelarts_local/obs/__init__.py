"""OBS: buckets as local folders, pre-signed object URLs, and the OBS endpoint on a port of its own.

``routes.py`` (route tables of both ports) -> ``handlers.py`` (HTTP to domain calls) -> the domain
(``paths.py``: OBS paths and the bucket-to-folder mapping; ``signing.py``: pre-signed URLs), and
``errors.py`` (OBS's XML errors).
"""
