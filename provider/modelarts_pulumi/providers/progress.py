"""Lines shown in the ``pulumi up`` output while a provider works."""

from __future__ import annotations

import sys


def progress(message: str) -> None:
    """A line shown in `pulumi up` output: the engine relays the dynamic provider's stderr as diagnostics."""
    print(f"modelarts: {message}", file=sys.stderr, flush=True)
