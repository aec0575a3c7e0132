"""The package's pydantic models are built when something validates, not at import.

A program only declares resources: it reads the models' fields and never validates, so building every
validator at import was part of every program's start, and of every preview's. (Pydantic still builds the
generic ``wire.Page`` at import, when ``wire`` parametrizes it.) The models are therefore declared with
:func:`deferred`, and whatever validates builds the models it uses first, with :func:`build`: the dynamic
providers build the inputs and outputs when they are configured (under Pulumi's provider lock, before any
operation runs on the worker threads), the client builds the wire models when it is made (so a preview that
calls nothing never builds them). Built one by one on first use instead, two threads could build the same model
at once, which pydantic before 2.14 does not guard against.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import TypeGuard

from pydantic import BaseModel, ConfigDict
from pydantic.config import ExtraValues

_lock = threading.Lock()
_built: set[str] = set()


def deferred(*, extra: ExtraValues, populate_by_name: bool = False) -> ConfigDict:
    """A model configuration whose validator is built by :func:`build` (or on first use), not at import."""
    return ConfigDict(extra=extra, populate_by_name=populate_by_name, defer_build=True)


def build(*modules: ModuleType) -> None:
    """Build every model defined in ``modules`` that is not built yet: once per process, one thread at a time."""
    if all(module.__name__ in _built for module in modules):
        return
    with _lock:
        for module in modules:
            if module.__name__ in _built:
                continue
            for value in vars(module).values():
                if _defined_model(value, module) and not value.__pydantic_complete__:
                    value.model_rebuild()
            _built.add(module.__name__)


def _defined_model(value: object, module: ModuleType) -> TypeGuard[type[BaseModel]]:
    return isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
