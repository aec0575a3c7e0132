"""Lookups for programs: training flavors and AI engines, existing algorithms and jobs by ID, searches of
jobs and algorithms, and the events of a job.

They run in the program process with the same settings as the resources (the ``modelarts:`` stack config,
then the environment). ``get_*`` return plain lists; ``lookup_*`` return Outputs that stay unknown in a
preview without credentials (a CI preview), so such a preview still works, and fail with a message listing
what exists when the asked-for item is not there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import pulumi
from pulumi.runtime import is_dry_run

from .errors import ModelArtsApiError, ModelArtsConfigError, ModelArtsError
from .program_settings import program_config, program_settings
from .settings import Settings, checkable_settings
from .wire import (
    EVENTS_PAGE_SIZE,
    PAGE_SIZE,
    Algorithm,
    Engine,
    Flavor,
    JobEvent,
    JobSearchFilter,
    TagFilter,
    TrainingJob,
    WireModel,
)

if TYPE_CHECKING:
    from .client import ModelArtsClient

_said_unknown: list[bool] = []


class CatalogLookupError(ModelArtsError, pulumi.RunError):
    """The flavor or engine asked for does not exist; the message lists those that do.

    A ``pulumi.RunError`` too, so that a program stopped by it shows the message, not a traceback.
    """


class ExistingObjectLookupError(ModelArtsError, pulumi.RunError):
    """An algorithm or training job looked up by ID could not be read; the message says which, and why."""


class ProgramSettingsError(ModelArtsConfigError, pulumi.RunError):
    """A lookup could not run: the settings are missing or wrong (the message names the setting)."""


def _client(settings: Settings | None) -> ModelArtsClient:
    from .client import ModelArtsClient  # on first use: declaring resources needs no HTTP stack

    return ModelArtsClient(settings or program_settings())


def get_flavors(flavor_type: str | None = None, *, settings: Settings | None = None) -> list[Flavor]:
    """Public training flavors, optionally of one type (``CPU``, ``GPU``, ``Ascend``)."""
    return _client(settings).list_flavors(flavor_type)


def get_engines(*, settings: Settings | None = None) -> list[Engine]:
    """Preset AI engines."""
    return _client(settings).list_engines()


def pick_flavor(flavors: list[Flavor], flavor_id: str | None = None, *, min_nodes: int = 1) -> Flavor:
    """The flavor with this id, or the first that allows ``min_nodes`` nodes."""
    for flavor in flavors:
        if (flavor_id is None or flavor.flavor_id == flavor_id) and flavor.max_nodes >= min_nodes:
            return flavor
    known = ", ".join(f"{f.flavor_id} (max_num {f.max_nodes})" for f in flavors) or "none"
    wanted = f"flavor {flavor_id!r}" if flavor_id else "a flavor"
    raise CatalogLookupError(f"no {wanted} allowing {min_nodes} node(s); available: {known}")


def pick_engine(
    engines: list[Engine],
    *,
    engine_id: str | None = None,
    name: str | None = None,
    version: str | None = None,
) -> Engine:
    """The engine with this id, or this name (and version; the newest-sorting version when not given)."""
    matches = [
        e
        for e in engines
        if (engine_id is None or e.engine_id == engine_id)
        and (name is None or e.engine_name == name)
        and (version is None or e.engine_version == version)
    ]
    if matches:
        return sorted(matches, key=lambda e: e.engine_version)[-1]
    known = ", ".join(f"{e.engine_name} {e.engine_version}" for e in engines) or "none"
    raise CatalogLookupError(
        f"no engine matching id={engine_id!r} name={name!r} version={version!r}; available: {known}"
    )


def get_log_url(
    job_id: str, task: str = "worker-0", *, download: bool = False, settings: Settings | None = None
) -> str:
    """A fresh temporary URL of a task's log (a TrainingJob's ``log_url`` output is fetched once per phase)."""
    return _client(settings).get_log_url(job_id, task, download=download)


def find_training_jobs(
    *,
    name: str | None = None,
    phases: Sequence[str] = (),
    algorithm_name: str | None = None,
    kinds: Sequence[str] = (),
    created_between: tuple[int, int] | None = None,
    tags: Mapping[str, str | Sequence[str] | None] | None = None,
    sort_by: Literal["create_time", "name", "phase", "duration"] = "create_time",
    order: Literal["asc", "desc"] = "desc",
    offset: int = 0,
    limit: int | None = None,
    workspace_id: str | None = None,
    settings: Settings | None = None,
) -> list[TrainingJob]:
    """Training jobs of the project, through the search API: its filters (``name`` and ``algorithm_name``
    match a part of the name; ``phases`` and ``kinds`` any of the values; ``created_between`` two epoch
    milliseconds; ``tags`` ``{key: value, or a list of values, or None for any}``), sorted by ``sort_by``
    (newest first by default), skipping ``offset`` matches and returning at most ``limit`` (all by default),
    page by page."""
    filters: list[JobSearchFilter] = []
    for key, value in (("name", name), ("algorithm_name", algorithm_name)):
        if value:
            filters.append(JobSearchFilter(key=key, operator="like", value=[value]))
    for key, values in (("phase", phases), ("kind", kinds)):
        if values:
            filters.append(JobSearchFilter(key=key, operator="in", value=list(values)))
    if created_between:
        filters.append(JobSearchFilter(key="create_time", operator="between", value=[str(t) for t in created_between]))
    tag_filters = [TagFilter(key=key, values=_tag_values(value)) for key, value in (tags or {}).items()]
    client = _client(settings)

    def page(number: int) -> list[TrainingJob]:
        result = client.search_training_jobs_page(
            filters=filters, tags=tag_filters, sort_by=sort_by, order=order, page=number, workspace_id=workspace_id
        )
        return result.items

    return _paged(page, offset, limit)


def find_algorithms(
    *,
    name: str | None = None,
    sort_by: Literal["create_time", "name"] = "create_time",
    order: Literal["asc", "desc"] = "desc",
    offset: int = 0,
    limit: int | None = None,
    workspace_id: str | None = None,
    settings: Settings | None = None,
) -> list[Algorithm]:
    """Algorithms of the project whose name contains ``name`` (all without it), sorted by ``sort_by`` (newest
    first by default), skipping ``offset`` and returning at most ``limit`` (all by default), page by page."""
    client = _client(settings)

    def page(number: int) -> list[Algorithm]:
        return client.list_algorithms_page(
            name=name, sort_by=sort_by, order=order, page=number, workspace_id=workspace_id
        ).items

    return _paged(page, offset, limit)


def get_training_job_events(
    job_id: str,
    *,
    level: Literal["Info", "Warning", "Error"] | None = None,
    pattern: str | None = None,
    settings: Settings | None = None,
) -> list[JobEvent]:
    """Every event of a training job, oldest first; ``level`` and ``pattern`` (a part of the message) filter
    them."""
    client = _client(settings)
    return _paged(
        lambda number: (
            client.list_events(
                job_id, limit=EVENTS_PAGE_SIZE, page=number, order="asc", level=level, pattern=pattern
            ).events
        ),
        0,
        None,
        page_size=EVENTS_PAGE_SIZE,
    )


Item = TypeVar("Item")


def _paged(
    page: Callable[[int], list[Item]], offset: int, limit: int | None, *, page_size: int = PAGE_SIZE
) -> list[Item]:
    """``limit`` items (all: None) from ``offset`` on, asking page after page (pages of ``page_size``)."""
    found: list[Item] = []
    number, skip = divmod(offset, page_size)
    while limit is None or len(found) < limit:
        items = page(number)
        found.extend(items[skip:])
        skip = 0
        if len(items) < page_size:
            break
        number += 1
    return found if limit is None else found[:limit]


def _tag_values(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def lookup_flavor(
    flavor_type: str | None = None, flavor_id: str | None = None, *, min_nodes: int = 1
) -> pulumi.Output[dict[str, Any]]:
    """An Output of the chosen flavor (as a dict). Unknown in a preview without credentials."""
    return _lookup(
        lambda settings: pick_flavor(
            get_flavors(flavor_type, settings=settings), flavor_id, min_nodes=min_nodes
        ).model_dump()
    )


def lookup_engine(
    *, engine_id: str | None = None, name: str | None = None, version: str | None = None
) -> pulumi.Output[dict[str, Any]]:
    """An Output of the chosen engine (as a dict). Unknown in a preview without credentials."""
    return _lookup(
        lambda settings: pick_engine(
            get_engines(settings=settings), engine_id=engine_id, name=name, version=version
        ).model_dump()
    )


def lookup_algorithm(algorithm_id: pulumi.Input[str]) -> pulumi.Output[dict[str, Any]]:
    """An Output of an existing algorithm, as the API returns it (``metadata``, ``job_config``, ...), read by
    ID and not managed. Unknown in a preview without credentials; ``Algorithm.get`` is the resource form."""
    return _lookup_by_id("algorithm", algorithm_id, lambda client, id_: client.get_algorithm(id_))


def lookup_training_job(job_id: pulumi.Input[str]) -> pulumi.Output[dict[str, Any]]:
    """An Output of an existing training job, as the API returns it (``metadata``, ``status`` with its
    ``phase``, ``spec``, ...), read by ID and not managed. Unknown in a preview without credentials;
    ``TrainingJob.get`` is the resource form."""
    return _lookup_by_id("training job", job_id, lambda client, id_: client.get_training_job(id_))


def _lookup_by_id(
    what: str, id_: pulumi.Input[str], fetch: Callable[[ModelArtsClient, str], WireModel]
) -> pulumi.Output[dict[str, Any]]:
    def read(settings: Settings, known_id: str) -> dict[str, Any]:
        client = _client(settings)
        try:
            return fetch(client, known_id).model_dump(mode="json")
        except ModelArtsApiError as exc:
            if exc.is_not_found:
                raise ExistingObjectLookupError(
                    f"lookup_{what.replace(' ', '_')}: no {what} with ID {known_id!r} in project {client.project_id}"
                ) from exc
            raise ExistingObjectLookupError(f"lookup_{what.replace(' ', '_')}({known_id!r}): {exc}") from exc

    # The ID may be another resource's output: read once it is known (at preview it may never be).
    return _lookup(lambda settings: pulumi.Output.from_input(id_).apply(lambda known: read(settings, known)))


def _lookup(fetch: Callable[[Settings], pulumi.Input[dict[str, Any]]]) -> pulumi.Output[dict[str, Any]]:
    """Run ``fetch`` with the program's settings; without any credentials, at preview, leave it unknown.

    Settings that are given but wrong fail, at preview too: there is nothing to wait for.
    """
    config = program_config()
    try:
        settings = checkable_settings(config)
        if settings is None and not is_dry_run():
            settings = Settings.from_config(config)  # raises, saying which credentials to set
    except ModelArtsConfigError as exc:
        raise ProgramSettingsError(f"modelarts lookup: {exc}") from exc
    if settings is None:
        if not _said_unknown:
            _said_unknown.append(True)
            pulumi.log.info("modelarts: no credentials configured: lookups stay unknown in this preview")
        return _unknown_output()
    return pulumi.Output.from_input(fetch(settings))


def _unknown_output() -> pulumi.Output[Any]:
    # An Output whose value is unknown, exactly like an output of a resource not yet created.
    loop = asyncio.get_event_loop()
    value: asyncio.Future[Any] = loop.create_future()
    value.set_result(None)
    known: asyncio.Future[bool] = loop.create_future()
    known.set_result(False)
    secret: asyncio.Future[bool] = loop.create_future()
    secret.set_result(False)
    return pulumi.Output(set(), value, known, secret)
