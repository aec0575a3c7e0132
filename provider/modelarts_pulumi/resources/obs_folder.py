"""The ``ObsFolder`` resource: a local folder (or a Pulumi archive) put into OBS, named after its content."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pulumi
from pulumi.output import UNKNOWN

from ..content import (
    DEFAULT_EXCLUDES,
    ContentError,
    Listing,
    SourceEntry,
    code_limit_problem,
    content_hash,
    folder_name,
    scan,
)
from ..inputs import ObsFolderInputs
from ..outputs import ObsFolderOutputs
from ..providers.obs_folder import ObsFolderProvider
from ..rules import normal_prefix
from .declared import Declared, DeclaredResource

T = TypeVar("T")
Source = str | os.PathLike[str] | pulumi.Archive


class ObsFolder(DeclaredResource, module="modelarts", name="ObsFolder"):
    """A local folder (or a ``pulumi.FileArchive``/``AssetArchive``) put into OBS, in a folder named after its
    content: ``/<bucket>/<prefix><hash>/``. Give ``folder`` to ``Algorithm(code_dir=...)`` (and ``file("train.py")``
    to ``boot_file``), to ``TrainingJob(code_dir=...)``, or to a job's input channel.

    The content is read and hashed when the program runs, so a preview shows a change when, and only when, the
    content changed, and ``folder`` is known at preview (once the bucket is): an algorithm using it shows an
    in-place update to the new folder, and a job that runs it is replaced (``code changed: <old> -> <new>``).
    Resources that use ``folder`` still wait for the upload at ``up``. Nothing is uploaded at preview.

    A new hash replaces the resource: the new folder is uploaded first (in parallel, skipping files already
    there, each request retried), and the old one is removed after the resources that used it moved. A delete
    removes the folder's files, unless another stack (or resource) holds the same content in the same place:
    each holder has a marker in ``<prefix>.holders/<hash>/``, and the last one to go removes the files. A failed
    upload removes what it put; one that was killed is completed by the next ``up``.
    """

    DECLARED = Declared(ObsFolderInputs, ObsFolderOutputs)
    PROVIDER = ObsFolderProvider

    # Outputs (documented in outputs.ObsFolderOutputs), then inputs, as the provider normalized them.
    folder: pulumi.Output[str]
    file_count: pulumi.Output[int]
    total_bytes: pulumi.Output[int]
    files: pulumi.Output[list[str]]
    region: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    content_hash: pulumi.Output[str | None]
    bucket: pulumi.Output[str]
    prefix: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        source: Source,
        bucket: pulumi.Input[str],
        prefix: pulumi.Input[str] | None = None,
        exclude: Sequence[str] | None = None,
        code_limits: bool | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Every keyword argument is an input of ObsFolderInputs (tests/provider/test_declarations.py checks it).
        entries, shown = source_entries(source)
        if isinstance(exclude, (str, pulumi.Output)) or isinstance(code_limits, pulumi.Output):
            raise TypeError(f"ObsFolder {resource_name!r}: exclude is a list of patterns and code_limits a bool")
        excludes = list(DEFAULT_EXCLUDES if exclude is None else exclude)
        self._content = _read(entries, excludes, code_limits is not False)
        derived = {
            "entries": [entry.model_dump(exclude_none=True) for entry in entries],
            "holder": f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}",
            "content_hash": self._content.hash if self._content else None,
        }
        args = {**locals(), "source": shown, "exclude": excludes}
        super().__init__(resource_name, args, derived)
        # Known when the program runs (a dynamic resource being replaced has no known outputs at preview), and
        # carrying this resource as a dependency, so that what uses them waits for the upload.
        name = folder_name(self._content.hash) if self._content else None
        self.folder = self._after_upload(lambda b, p: f"/{b}/{p}{name}/", bucket, prefix)
        if self._content is not None:
            listing, digest = self._content.listing, self._content.hash
            self.file_count = self._after_upload(lambda _b, _p: len(listing.files), bucket, prefix)
            self.total_bytes = self._after_upload(lambda _b, _p: listing.total_bytes, bucket, prefix)
            self.content_hash = self._after_upload(lambda _b, _p: digest, bucket, prefix)

    def file(self, path: str) -> pulumi.Output[str]:
        """The OBS path of one of the folder's files, e.g. ``code.file("train.py")`` for ``boot_file``."""
        relative = path.strip("/")
        if self._content is not None and relative not in {item.key for item in self._content.listing.files}:
            known = ", ".join(item.key for item in self._content.listing.files[:10])
            raise pulumi.RunError(
                f"ObsFolder {self._name!r}.file({path!r}): {self._content.listing.shown} has no such file "
                f"(it has {known}{', ...' if len(self._content.listing.files) > 10 else ''})"
            )
        return self.folder.apply(lambda folder: f"{folder}{relative}")

    def _after_upload(
        self, value: Callable[[str, str], T], bucket: pulumi.Input[str], prefix: pulumi.Input[str] | None
    ) -> pulumi.Output[T]:
        if self._content is None:  # the provider's check reports why; nothing will be uploaded
            return self.urn.apply(lambda _: UNKNOWN)  # type: ignore[arg-type,return-value]
        both = pulumi.Output.all(bucket, "" if prefix is None else prefix, self.urn)
        return both.apply(lambda parts: value(str(parts[0]), normal_prefix(str(parts[1]))))

    @classmethod
    def get(  # type: ignore[override]
        cls, resource_name: str, id: pulumi.Input[str], *, opts: pulumi.ResourceOptions | None = None
    ) -> ObsFolder:
        """Not supported: an ``ObsFolder`` is its local content; declare it with its ``source``."""
        raise TypeError(f"ObsFolder.get({resource_name!r}): declare the folder with its source instead")


ObsFolder.__doc__ = ObsFolder.DECLARED.docstring(ObsFolder)


@dataclass(frozen=True)
class _Content:
    listing: Listing
    hash: str


def _read(entries: list[SourceEntry], exclude: list[str], code_limits: bool) -> _Content | None:
    """The listing and hash of the content; None when it cannot be uploaded (the provider's check says why,
    naming the input, so that the error looks like every other one)."""
    try:
        listing = scan(entries, exclude)
        if code_limits and code_limit_problem(listing):
            return None  # over the limits: not worth reading gigabytes to hash them
        return _Content(listing, content_hash(listing))
    except ContentError:
        return None


def source_entries(source: Any) -> tuple[list[SourceEntry], str]:
    """A path or Pulumi archive as :class:`SourceEntry` values (absolute paths), and as text for the state."""
    if isinstance(source, (str, os.PathLike)):
        return [SourceEntry(kind="folder", local=_absolute(source))], os.fspath(source)
    if isinstance(source, pulumi.FileArchive):
        return [SourceEntry(kind="archive", local=_absolute(source.path))], f"FileArchive({source.path})"
    if isinstance(source, pulumi.AssetArchive):
        return _asset_entries(source, ""), f"AssetArchive({', '.join(sorted(source.assets))})"
    raise TypeError(
        "ObsFolder source must be a local folder (a path), a pulumi.FileArchive or a pulumi.AssetArchive, "
        f"given as a plain value (it is hashed when the program runs); got {type(source).__name__}"
    )


def _asset_entries(archive: pulumi.AssetArchive, under: str) -> list[SourceEntry]:
    entries: list[SourceEntry] = []
    for name, asset in sorted(archive.assets.items()):
        path = f"{under}{name.strip('/')}"
        if isinstance(asset, pulumi.FileAsset):
            entries.append(SourceEntry(kind="file", path=path, local=_absolute(asset.path)))
        elif isinstance(asset, pulumi.StringAsset):
            entries.append(SourceEntry(kind="text", path=path, text=asset.text))
        elif isinstance(asset, pulumi.FileArchive):
            entries.append(SourceEntry(kind="archive", path=path, local=_absolute(asset.path)))
        elif isinstance(asset, pulumi.AssetArchive):
            entries += _asset_entries(asset, f"{path}/")
        else:
            raise TypeError(f"ObsFolder source: {name!r} is a {type(asset).__name__}; remote assets are not read")
    return entries


def _absolute(path: str | os.PathLike[str]) -> str:
    # The dynamic provider runs in another process: give it the path the program meant.
    return str(Path(os.fspath(path)).expanduser().absolute())
