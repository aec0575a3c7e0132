"""How an input or output of a resource declares what it means, once, on the field itself.

An input says what changing it does (:class:`Change`), whether it is a secret, its documentation for users and,
where that is simple, the API field it becomes::

    class TrainingJobInputs(CommonInputs):
        flavor_id: str | None = prop(None, change=Change.REPLACE, doc="Public-pool flavor ...",
                                     wire="spec.resource.flavor_id")

Everything else is derived from these declarations: the providers' replace and update keys and the inputs that
make up an autoname (``providers/diffs.py``, ``providers/autoname.py``), which outputs are stored as secrets,
the outputs a resource object exposes before they are known, the props a resource class sends
(``resources/declared.py``), and the documentation: the resource classes' docstrings and ``docs/reference.md``
(:mod:`~modelarts_pulumi.reference`). ``tests/provider/test_declarations.py`` fails when a field declares
nothing, or when a resource class's signature or annotations disagree with its declarations.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticUndefined


class Change(str, Enum):
    """What changing an input does."""

    REPLACE = "replace"
    """It is fixed when the object is created: a change replaces the object."""
    REPLACE_IF_GIVEN = "replace if given"
    """Like REPLACE, but leaving it out keeps the current value (the name, where the object lives)."""
    UPDATE = "update in place"
    """The object is changed in place through the API."""
    PROVIDER = "provider only"
    """It steers what the provider does (waiting, deleting); nothing in ModelArts changes."""
    INTERNAL = "internal"
    """Set by the resource class, never by a program (what the autoname derives from)."""
    DERIVED = "derived"
    """Set by the resource class from what the program gives (a content hash, the code a job runs). A change from
    one value to another replaces the object; a value that appears or disappears (a state written before it
    existed, a program that opted out) replaces nothing."""
    CONTENT = "through the content"
    """It selects content that the resource class hashes: only a change of the content replaces the object."""

    def effect(self, what: str) -> str:
        """What a change does to ``what`` (``the training job``), in words, for the documentation."""
        return _EFFECTS[self].format(what=what)


_EFFECTS = {
    Change.REPLACE: "Changing it replaces {what}.",
    Change.REPLACE_IF_GIVEN: "Changing it replaces {what}; leaving it out keeps the current value.",
    Change.UPDATE: "Changing it updates {what} in place.",
    Change.PROVIDER: "Changing it changes nothing in ModelArts.",
    Change.INTERNAL: "Set by the resource class.",
    Change.DERIVED: "Set by the resource class; a change from one value to another replaces {what}.",
    Change.CONTENT: "Changing it replaces {what} only when the content it selects changes.",
}


REPLACING = frozenset({Change.REPLACE, Change.REPLACE_IF_GIVEN, Change.DERIVED})
UPDATING = frozenset({Change.UPDATE, Change.PROVIDER})
SET_BY_CLASS = frozenset({Change.INTERNAL, Change.DERIVED})
"""What the resource class sets, never a program."""

_KEY = "x-modelarts"


@dataclass(frozen=True)
class InputDeclaration:
    change: Change
    doc: str
    type: str
    default: str | None  # as documentation shows it; None when there is none worth showing
    secret: bool = False
    wire: str | None = None


@dataclass(frozen=True)
class OutputDeclaration:
    doc: str
    type: str
    secret: bool = False


class UndeclaredField(TypeError):
    """A field of an inputs or outputs model declares nothing: use :func:`prop` or :func:`output`."""


def prop(
    default: Any = PydanticUndefined,
    *,
    change: Change,
    doc: str,
    secret: bool = False,
    wire: str | None = None,
    **rules: Any,
) -> Any:
    """A pydantic field of an inputs model, with its declaration. ``rules`` are pydantic's (``ge=1``,
    ``default_factory=list``, ...); ``wire`` is the API field it becomes, dotted (``spec.resource.flavor_id``)."""
    extra: JsonDict = {_KEY: {"change": change.value, "secret": secret, "wire": wire}}
    return Field(default, description=doc, json_schema_extra=extra, **rules)


def output(*, doc: str, secret: bool = False) -> Any:
    """A pydantic field of an outputs model, with its declaration. Outputs are required: a provider that leaves
    one out fails when it builds the model."""
    extra: JsonDict = {_KEY: {"secret": secret}}
    return Field(description=doc, json_schema_extra=extra)


def _declared(model: type[BaseModel], name: str, field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    found = extra.get(_KEY) if isinstance(extra, dict) else None
    if not isinstance(found, dict):
        raise UndeclaredField(f"{model.__name__}.{name} declares nothing: declare it with prop() or output()")
    return found


def inputs_of(model: type[BaseModel]) -> dict[str, InputDeclaration]:
    """Every input of ``model`` with its declaration, in the model's order."""
    return dict(_inputs_of(model))


@functools.cache
def _inputs_of(model: type[BaseModel]) -> tuple[tuple[str, InputDeclaration], ...]:
    # Read once per model: every check and diff asks, and a preview makes one of each per resource.
    out = []
    for name, field in model.model_fields.items():
        found = _declared(model, name, field)
        declaration = InputDeclaration(
            change=Change(found["change"]),
            doc=field.description or "",
            type=type_text(field.annotation),
            default=default_text(field),
            secret=found["secret"],
            wire=found["wire"],
        )
        out.append((name, declaration))
    return tuple(out)


def outputs_of(model: type[BaseModel]) -> dict[str, OutputDeclaration]:
    """Every output of ``model`` with its declaration: those the model defines, then those it inherits."""
    return dict(_outputs_of(model))


@functools.cache
def _outputs_of(model: type[BaseModel]) -> tuple[tuple[str, OutputDeclaration], ...]:
    # Read once per model: every resource a program declares asks.
    own = [name for name in model.model_fields if name in vars(model).get("__annotations__", {})]
    order = own + [name for name in model.model_fields if name not in own]
    return tuple(
        (
            name,
            OutputDeclaration(
                doc=model.model_fields[name].description or "",
                type=type_text(model.model_fields[name].annotation),
                secret=_declared(model, name, model.model_fields[name])["secret"],
            ),
        )
        for name in order
    )


def default_text(field: FieldInfo) -> str | None:
    """A field's default as documentation shows it (``repr``); None when it has none worth showing, or a factory."""
    default = field.default
    if default is PydanticUndefined or default in (None, ""):
        return None
    return repr(default)


def keys(model: type[BaseModel], changes: frozenset[Change] | Change) -> tuple[str, ...]:
    """The inputs of ``model`` whose change is one of ``changes``."""
    wanted = changes if isinstance(changes, frozenset) else frozenset({changes})
    return tuple(name for name, declared in inputs_of(model).items() if declared.change in wanted)


def wire_inputs(model: type[BaseModel]) -> tuple[str, ...]:
    """The inputs the service holds (declared with the API field they become): what makes two objects alike."""
    return tuple(name for name, declared in inputs_of(model).items() if declared.wire)


def program_only_inputs(model: type[BaseModel]) -> tuple[str, ...]:
    """The inputs the service never sees (no API field): a read keeps them as the program gave them."""
    return tuple(name for name, declared in inputs_of(model).items() if not declared.wire)


def program_inputs(model: type[BaseModel]) -> tuple[str, ...]:
    """The inputs a program gives (every one but those the class sets): a resource class's keyword arguments."""
    return tuple(name for name, declared in inputs_of(model).items() if declared.change not in SET_BY_CLASS)


def autoname_identity(model: type[BaseModel]) -> tuple[str, ...]:
    """The inputs an autoname derives from, besides the resource and stack names: those whose change replaces
    the object, so that a replacement gets another name and can be created before the old one goes. Not the
    name itself, nor those the model lists in ``autoname_ignores``."""
    ignored = {"name", *getattr(model, "autoname_ignores", ())}
    return tuple(name for name in keys(model, REPLACING) if name not in ignored)


def secret_names(inputs: type[BaseModel], outputs: type[BaseModel]) -> list[str]:
    """What the engine must store as secrets: secret outputs, and secret inputs (echoed among the outputs)."""
    secret_inputs = [name for name, declared in inputs_of(inputs).items() if declared.secret]
    return secret_inputs + [name for name, declared in outputs_of(outputs).items() if declared.secret]


def type_text(annotation: Any) -> str:
    """A field's type as documentation shows it: ``str | None``, ``list[ParameterInput]``, ``'a' | 'b'``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if annotation is Any:
        return "Any"
    if annotation is type(None):
        return "None"
    if origin is Annotated:
        return type_text(args[0])
    if origin is Literal:
        return " | ".join(repr(arg) for arg in args)
    if origin in (Union, types.UnionType):
        return " | ".join(type_text(arg) for arg in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(type_text(arg) for arg in args)}]"
    return getattr(annotation, "__name__", str(annotation))
