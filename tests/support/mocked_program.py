"""Run a Pulumi program in this process under Pulumi's mocks (no engine), as ``pulumi up`` or ``pulumi preview``
would run it, and settle the Outputs it gives back.

For programs whose resources need no real engine to show what they pass on (what a resource is given, whether an
Output is known at preview, which resources it depends on); the real-CLI tests (``tests/engine``) run the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi


class Recorder(pulumi.runtime.Mocks):
    """Records each resource's type and inputs; answers with the inputs as its state, plus ``outputs`` by type (what
    the real provider would add, e.g. an address it assigns)."""

    def __init__(self, outputs: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.outputs = dict(outputs or {})
        self.types: dict[str, str] = {}
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.types[args.name] = args.typ
        self.inputs[args.name] = args.inputs
        return f"{args.name}-id", {**args.inputs, **self.outputs.get(args.typ, {})}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass(frozen=True)
class Settled:
    """An Output once the program finished: whether it is known, its value (``pulumi.output.Unknown`` where it is
    not) and the names of the resources it depends on."""

    known: bool
    value: Any
    resources: frozenset[str] = field(default_factory=frozenset)


def run_program(
    program: Callable[[], Mapping[str, pulumi.Output[Any]]],
    *,
    preview: bool,
    mocks: pulumi.runtime.Mocks | None = None,
    config: Mapping[str, str] | None = None,
    project: str | None = None,
    stack: str | None = None,
) -> dict[str, Settled]:
    """Run ``program`` with the stack config ``config``; each Output it returns, settled. An exception the program
    raises (or a ``pulumi.RunError`` of a failed Output) is raised here."""
    loop = asyncio.new_event_loop()  # a program's own loop, as pulumi-language-python-exec gives it
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(mocks or Recorder(), project=project, stack=stack, preview=preview)
    pulumi.runtime.set_all_config(dict(config or {}))
    settled: dict[str, Settled] = {}

    @pulumi.runtime.test
    def run() -> Any:
        outputs = program()

        async def settle() -> None:
            for name, output in outputs.items():
                resources = frozenset(resource._name for resource in await output.resources())
                settled[name] = Settled(await output.is_known(), await output.future(with_unknowns=True), resources)

        return asyncio.ensure_future(settle())

    try:
        run()
    finally:
        pulumi.runtime.set_all_config({})
        asyncio.set_event_loop(None)
        loop.close()
    return settled
