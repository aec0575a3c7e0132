"""This package's log on stderr, when ``MODELARTS_PULUMI_LOG`` asks for it.

In the dynamic-provider process stderr is what ``pulumi up`` shows, so ``MODELARTS_PULUMI_LOG=debug pulumi up``
shows every call with its attempts (never a header or a key).
"""

from __future__ import annotations

import logging
import os
import sys

LOG_ENV = "MODELARTS_PULUMI_LOG"


def log_to_stderr_if_asked() -> None:
    """``MODELARTS_PULUMI_LOG=debug|info|warning``: this package's log on stderr (once per process)."""
    level = os.environ.get(LOG_ENV, "").strip().upper()
    if not level:
        return
    package = logging.getLogger("modelarts_pulumi")
    if any(getattr(h, "_modelarts_stderr", False) for h in package.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("modelarts %(levelname)s %(name)s: %(message)s"))
    handler._modelarts_stderr = True  # type: ignore[attr-defined]
    package.addHandler(handler)
    named = logging.getLevelName(level)  # the number for a known name (getLevelNamesMapping is 3.11+)
    package.setLevel(named if isinstance(named, int) else logging.DEBUG)
