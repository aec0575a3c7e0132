"""The local OBS as one object for the handlers: buckets, objects, multipart uploads, signatures, answer
documents; and the operations that take more than one of them (copy, multi-object delete, bucket delete)."""

from __future__ import annotations

from collections.abc import Mapping

from ..auth import AccessKeyLockout
from ..config import ServerConfig
from ..identity import AccessKeys
from ..store import Store
from . import errors
from .bodies import Documents
from .buckets import Buckets
from .multipart import MultipartUploads
from .object_records import ObjectRecords
from .objects import ObjectInfo, ObjectStore
from .paths import ObsMapper
from .signature import ObsAuthenticator
from .staging import StagingArea


class ObsService:
    """Everything the OBS port serves, over the server's store, access keys and bucket folders."""

    def __init__(self, config: ServerConfig, store: Store, keys: AccessKeys, mapper: ObsMapper) -> None:
        self.domain = config.obs.domain
        self.region = config.region
        self.max_put_bytes = config.obs.max_put_bytes
        self.buckets = Buckets(mapper)
        staging = StagingArea(config.obs_work_dir)
        staging.clean(list(mapper.mapped.values()))
        self._records = ObjectRecords(store)
        self.objects = ObjectStore(self.buckets, self._records, staging)
        self.uploads = MultipartUploads(store, config.obs_work_dir, self.objects, config.obs.min_part_bytes)
        # OBS has its own wrong-signature guard (TooManyWrongSignature): the same thresholds, its own count.
        lockout = AccessKeyLockout(config.aksk_lock_failures, config.aksk_lock_seconds)
        self.authenticator = ObsAuthenticator(keys.find, config.signature_skew_seconds, lockout)
        self.documents = Documents(config.region)

    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        replace: tuple[str | None, Mapping[str, str]] | None,
    ) -> ObjectInfo:
        """Copy an object; it keeps the source's ETag, and its content type and metadata unless ``replace``
        gives new ones (``metadata-directive: REPLACE``)."""
        self.objects.file_for_write(bucket, key)
        source = self.objects.open(source_bucket, source_key)
        staged = None
        try:
            if source.info.size > self.max_put_bytes:
                raise errors.EntityTooLarge(
                    extra={"ProposedSize": str(source.info.size), "MaxSizeAllowed": str(self.max_put_bytes)}
                )
            staged = self.objects.new_staged(bucket)
            staged.write_from(source.fd, 0, source.info.size)
            content_type, metadata = replace or (source.info.content_type, source.info.metadata)
            return self.objects.commit(
                bucket, key, staged, etag=source.info.etag, content_type=content_type, metadata=metadata
            )
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
        finally:
            source.close()

    def delete_objects(self, bucket: str, keys: list[str]) -> tuple[list[str], list[tuple[str, errors.ObsError]]]:
        """Delete each key (a missing one counts as deleted): the keys deleted, and those that failed, why."""
        deleted: list[str] = []
        failed: list[tuple[str, errors.ObsError]] = []
        for key in keys:
            try:
                self.objects.delete(bucket, key)
            except errors.ObsError as exc:
                failed.append((key, exc))
            except OSError as exc:
                failed.append((key, errors.AccessDenied(f"The object could not be deleted: {exc.strerror}")))
            else:
                deleted.append(key)
        return deleted, failed

    def delete_bucket(self, name: str) -> None:
        self.buckets.delete(name)
        self.uploads.forget_bucket(name)
        self._records.delete_bucket(name)
