"""What a resource class takes from its declarations (``inputs.py``, ``outputs.py``): the props it registers,
the outputs it exposes before they are known, which of them are secrets, and its docstring; and the base class
that registers a resource that way."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import Resource, ResourceProvider
from pydantic import BaseModel

from ..declare import InputDeclaration, inputs_of, outputs_of, program_inputs, secret_names
from ..program_settings import check_settings_before_deploy

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is Python 3.11+

RESOURCE_NAME_DOC = "The Pulumi resource name (unique in the stack)."
OPTS_DOC = "Pulumi resource options (``pulumi.ResourceOptions``)."


@dataclass(frozen=True)
class Declared:
    """A resource's inputs and outputs models."""

    inputs: type[BaseModel]
    outputs: type[BaseModel]

    def props(self, resource_name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """The props to register: every program input, taken from ``args`` (the class's keyword arguments);
        what an autoname derives from, when no name is given; and every computed output as None, so that it
        becomes an attribute of the resource object."""
        props = {name: args[name] for name in program_inputs(self.inputs)}
        if "name" in self.inputs.model_fields and props.get("name") is None:
            props["name_prefix"] = resource_name
            props["name_seed"] = f"{pulumi.get_project()}/{pulumi.get_stack()}"
        props.update({name: None for name in outputs_of(self.outputs) if name not in props})
        return props

    def options(self, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
        """``opts`` with the declared secrets added to ``additional_secret_outputs``."""
        secrets = secret_names(self.inputs, self.outputs)
        if not secrets:
            return opts
        return pulumi.ResourceOptions.merge(pulumi.ResourceOptions(additional_secret_outputs=secrets), opts)

    def inputs_in_signature_order(self, cls: type) -> list[tuple[str, InputDeclaration]]:
        """The program inputs, in the order of ``cls.__init__``'s keyword arguments."""
        inputs = inputs_of(self.inputs)
        return [(name, inputs[name]) for name in inspect.signature(cls.__init__).parameters if name in inputs]  # type: ignore[misc]

    def docstring(self, cls: type) -> str:
        """The class docstring (its introduction) followed by ``Args`` (in the order of the signature) and
        ``Outputs``, from the declarations."""
        what = object_kind(cls)
        sections = [inspect.cleandoc(cls.__doc__ or ""), "", "Args:", _entry("resource_name", RESOURCE_NAME_DOC)]
        for name, declared in self.inputs_in_signature_order(cls):
            default = f" Default: ``{declared.default}``." if declared.default else ""
            sections.append(_entry(name, f"{declared.doc}{default} {declared.change.effect(what)}"))
        sections += [_entry("opts", OPTS_DOC), "", OUTPUTS_HEADING + ":"]
        for name, output in outputs_of(self.outputs).items():
            secret = " Stored as a secret." if output.secret else ""
            sections.append(_entry(f"{name} ({output.type})", output.doc + secret))
        return "\n".join(sections) + "\n"


OUTPUTS_HEADING = "Outputs (and every input, as the provider normalized it)"


def object_kind(cls: type) -> str:
    """``the training job`` for ``TrainingJob``: how the documentation names the object."""
    return "the " + " ".join(word.lower() for word in re.findall("[A-Z][a-z]*", cls.__name__))


def introduction(cls: type) -> str:
    """The hand-written part of a resource class's docstring (before the generated sections)."""
    return inspect.cleandoc(cls.__doc__ or "").split("\n\nArgs:")[0]


def _entry(name: str, text: str) -> str:
    return textwrap.fill(f"{name}: {text}", width=116, initial_indent="    ", subsequent_indent="        ")


class DeclaredResource(Resource):
    """A dynamic resource registered from its declarations (``DECLARED``) and served by ``PROVIDER``.

    A subclass names every input as a keyword argument of its ``__init__`` (so that editors show each one with
    its type) and hands them all over with ``super().__init__(resource_name, locals())``, plus the inputs it
    derives from them (``derived``: those declared ``Change.DERIVED`` or ``Change.INTERNAL``).
    """

    DECLARED: ClassVar[Declared]
    PROVIDER: ClassVar[type[ResourceProvider]]

    def __init__(self, resource_name: str, args: Mapping[str, Any], derived: Mapping[str, Any] | None = None) -> None:
        props = {**self.DECLARED.props(resource_name, args), **(derived or {})}
        check_settings_before_deploy(args.get("region"), args.get("project_id"), args.get("endpoint"))
        super().__init__(self.PROVIDER(), resource_name, props, self.DECLARED.options(args.get("opts")))

    @classmethod
    def get(
        cls,
        resource_name: str,
        id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """Read an existing object by ID without managing it: its outputs, refreshed on every ``up``; never
        changed or deleted by this stack (``destroy`` only forgets it). An ID that does not exist fails the
        operation. Like every read, it needs credentials, in a preview too."""
        read = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        # Every input of a subclass is a keyword argument; an object read by ID needs only where it lives.
        return cls(resource_name, region=region, project_id=project_id, endpoint=endpoint, opts=read)  # type: ignore[call-arg]
