"""The dynamic-provider process, in-process: configured as ``configure`` leaves it, and reset afterwards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from modelarts_pulumi.providers import context, remote_checks


@contextmanager
def configured_provider(stack_config: Mapping[str, str]) -> Iterator[None]:
    """The providers see ``stack_config`` (a server's ``stack_config()``) and fetch every catalog afresh;
    afterwards they see no config and keep nothing they fetched."""
    context.set_stack_config(stack_config)
    remote_checks.clear_cache()
    try:
        yield
    finally:
        context.set_stack_config({})
        remote_checks.clear_cache()
