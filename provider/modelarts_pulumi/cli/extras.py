"""The command-line tool's optional dependencies: the ``cli`` extra (click, rich, plotext) and the ``plot``
extra (matplotlib). A missing one gets a message that names the extra to install."""

from __future__ import annotations

import importlib


class MissingExtra(Exception):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(extra: str, *modules: str) -> None:
    """Import ``modules``, or raise :class:`MissingExtra` naming ``extra``."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingExtra(
                f"this needs the `{extra}` extra ({name} is not installed): pip install 'modelarts-pulumi[{extra}]'"
            ) from None
