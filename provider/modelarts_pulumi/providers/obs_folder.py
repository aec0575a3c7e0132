"""The dynamic provider behind :class:`~modelarts_pulumi.ObsFolder`: a thin translation to
:mod:`modelarts_pulumi.obs.folders` and :mod:`modelarts_pulumi.content`.

- ``check`` validates the inputs and lists the source again (missing, a file, empty, unreadable, over the code
  limits: each a failure naming ``source``). It never calls OBS: a preview needs no credentials.
- ``diff``: only the content hash, the bucket and the prefix replace the folder. The replacement is created
  first (it is another folder, named after the new content) and the old one goes after the resources that use
  it moved.
- ``create`` hashes the source again (it must still be what the program hashed) and publishes it.
- ``read`` finds the marker and every file in place, or drops the folder from the state (the next ``up`` puts
  it back).
- ``delete`` lets go; the files go with the last holder.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import ValidationError

from .. import content
from ..content import ContentError, SourceEntry
from ..inputs import ObsFolderInputs
from ..outputs import ObsFolderOutputs
from . import context, diffs
from .progress import progress
from .readable import readable_errors
from .validation import user_props, validate

if TYPE_CHECKING:
    from ..obs import ObsClient
    from ..obs.folders import FolderPlace

WHAT = "OBS folder"


def _place(props: dict[str, Any]) -> FolderPlace:
    # The OBS client (and the HTTP stack) is imported by the operations that call OBS: never by a preview.
    from ..obs.folders import FolderPlace

    return FolderPlace(str(props["bucket"]), str(props.get("prefix") or ""), content.folder_name(props["content_hash"]))


def _holder(props: dict[str, Any], place: FolderPlace) -> str:
    return str(props.get("holder") or place.path)


def content_failures(props: dict[str, Any]) -> list[CheckFailure]:
    """What is wrong with the source the props name, as failures naming the input to change."""
    try:
        entries = [SourceEntry.model_validate(entry) for entry in props.get("entries") or []]
    except ValidationError:
        return [CheckFailure("source", "source: the resource class recorded no readable source")]
    exclude = props.get("exclude")
    try:
        listing = content.scan(entries, content.DEFAULT_EXCLUDES if exclude is None else exclude)
        if props.get("code_limits") is not False:
            problem = content.code_limit_problem(listing)
            if problem:
                return [CheckFailure("source", f"source: {problem} (set code_limits=False for data)")]
        if not props.get("content_hash"):
            content.content_hash(listing)  # the program could not hash it: say why
            return [CheckFailure("source", "source: changed while the program read it; run again")]
    except ContentError as exc:
        return [CheckFailure(exc.field, str(exc))]
    return []


class ObsFolderProvider(context.StatelessProvider):
    """Puts content-addressed folders into OBS and lets them go. Holds no state (see ``context``)."""

    @readable_errors(WHAT)
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = user_props(news)
        parsed, failures, unknown = validate(ObsFolderInputs, props)
        failures += content_failures({k: v for k, v in props.items() if k not in unknown})
        if parsed is None:
            return CheckResult(props, failures)
        return CheckResult(parsed.model_dump(mode="json", exclude_none=True), failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = diffs.diff(ObsFolderInputs, olds, news)
        # Content-addressed: the new folder never collides with the old one, so it can always come first.
        return DiffResult(changes=result.changes, replaces=result.replaces, delete_before_replace=False)

    @readable_errors(WHAT)
    def create(self, props: dict[str, Any]) -> CreateResult:
        from ..obs.folders import HOLDERS_FOLDER, FolderError, holder_id, publish

        inputs = ObsFolderInputs.model_validate(user_props(props))
        listing = content.scan(inputs.entries, inputs.exclude)
        digests = content.file_digests(listing)  # read once: to check the content, and for the upload
        digest = content.hash_of(listing, digests)
        if digest != inputs.content_hash:
            raise FolderError(
                f"source: {listing.shown} changed since the program read it (content {str(inputs.content_hash)[:16]} "
                f"then, {digest[:16]} now); run `pulumi up` again"
            )
        normalized = inputs.model_dump(mode="json", exclude_none=True)
        place = _place(normalized)
        instance = f"{place.path}#{uuid.uuid4().hex[:12]}"
        holder = _holder(normalized, place)
        client = context.obs_client_for({})
        # The marker's key below the prefix, not place.marker_key(): a source inside the bucket's folder may start
        # below the bucket, anywhere down to the prefix, and shows only the part of the key past where it starts.
        marker = f"{HOLDERS_FOLDER}/{place.name}/{holder_id(holder)}.json"

        def inside_source() -> bool:
            return any(item.key.endswith(marker) for item in content.scan(inputs.entries, inputs.exclude).files)

        with content.on_disk(listing) as files:
            report = publish(
                client, place, files, holder=holder, instance=instance, sha256=digests, inside_source=inside_source
            )
        sent = len(report.transferred)
        progress(
            f"{place.path}: uploaded {sent} file{'' if sent == 1 else 's'} ({report.bytes_transferred:,} bytes), "
            f"{len(report.skipped)} already there"
        )
        outputs = ObsFolderOutputs(
            folder=place.path,
            file_count=len(listing.files),
            total_bytes=listing.total_bytes,
            files=[item.key for item in listing.files],
            region=client.transport.settings.region,
            endpoint=str(client.endpoint),
        )
        return CreateResult(instance, {**normalized, **outputs.model_dump(mode="json")})

    @readable_errors(WHAT)
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from ..obs.folders import missing

        place = _place(props)
        client: ObsClient = context.obs_client_for(props)
        gone = missing(client, place, props.get("files") or [], holder=_holder(props, place), instance=id_)
        if gone:
            progress(
                f"{place.path}: {len(gone)} of its objects are gone from OBS (e.g. {gone[0]}); the next `pulumi up` "
                "puts the folder back"
            )
            return ReadResult(None, {})
        inputs = {key: value for key, value in props.items() if key in ObsFolderInputs.model_fields}
        return ReadResult(id_, props, inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only inputs that change nothing in OBS get here (the content is the same): record them.
        return UpdateResult({**olds, **user_props(news)})

    @readable_errors(WHAT)
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from ..obs.folders import release

        place = _place(props)
        client = context.obs_client_for(props)
        release(client, place, props.get("files") or [], holder=_holder(props, place), instance=id_)
