"""Identifiers: random version-4 UUIDs, for request ids and resource ids.

``uuid.uuid4()`` reads the kernel's randomness with a system call each time, a noticeable cost per create
under load; ids need uniqueness, not unpredictability, and ``random`` (seeded from the kernel once) gives it.
"""

from __future__ import annotations

import random
import uuid


def new_id() -> str:
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def new_obs_request_id() -> str:
    """32 upper-case hex characters, as OBS's ``x-obs-request-id``."""
    return f"{random.getrandbits(128):032X}"
