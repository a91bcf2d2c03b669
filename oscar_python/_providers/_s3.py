"""Amazon S3 (and, through :class:`~oscar_python._providers._minio.Minio`, MinIO) via boto3.

Paths are ``bucket/key-or-prefix``. Uploads treat the remote path as a folder (upstream):
``upload_file("in/img.png", "bkt/inputs")`` writes ``bkt/inputs/img.png``. Downloads go
into ``local_path`` when it is a directory (upstream), or to ``local_path`` itself, through a
temporary file renamed only when complete. Listings walk every page (no 1,000-key limit).
Transfers stream with bounded memory (multipart chunks of ``CHUNK`` bytes, ``CONCURRENCY``
threads) and report progress.
"""
from __future__ import annotations

import functools
import logging
import os
from typing import Any, Dict, Iterator, Optional, Tuple

from archfx_cloud.api.progress import Progress
from archfx_cloud.api.transfer import atomic_open

from ..exceptions import StorageError, StorageTransferError
from ._providers_base import StorageProvider, local_target, progress_name, split_remote

log = logging.getLogger("oscar_python")

CHUNK = 8 * 1024 * 1024
CONCURRENCY = 4


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - boto3 is in the 's3' extra
        raise StorageError("S3 and MinIO storage need boto3: pip install 'remote-service-clients[s3]'") from exc
    return boto3


def _boto_errors() -> tuple:
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError
    return (ClientError, BotoCoreError, Boto3Error)


@functools.lru_cache(maxsize=None)
def _as_client_error(cls: type) -> type:
    """``cls`` that is also botocore's ``ClientError`` (one class per error class)."""
    from botocore.exceptions import ClientError

    def __init__(self: Any, message: str, error_response: Dict[str, Any], operation_name: str) -> None:
        Exception.__init__(self, message)
        self.response, self.operation_name = error_response, operation_name

    def __reduce__(self: Any) -> Any:  # pickled as its parts (multiprocessing, copy): rebuilt on load
        return _client_error, (cls, str(self), self.response, self.operation_name)

    return type(cls.__name__, (cls, ClientError), {"__init__": __init__, "__module__": cls.__module__,
                                                   "__qualname__": cls.__qualname__, "__str__": Exception.__str__,
                                                   "__reduce__": __reduce__})


def _client_error(cls: type, message: str, response: Dict[str, Any], operation_name: str) -> BaseException:
    """Rebuild a pickled storage error that is also a ``ClientError``."""
    return _as_client_error(cls)(message, response, operation_name)


class S3(StorageProvider):
    """``s3.<name>``: credentials ``access_key``, ``secret_key``, ``region``."""

    TYPE = "s3"

    def __init__(self, credentials: Optional[dict] = None, name: str = "default") -> None:
        super().__init__(credentials, name)
        self.client = self._make_client()

    def _client_kwargs(self) -> Dict[str, Any]:
        creds = self.credentials
        kwargs: Dict[str, Any] = {"region_name": creds.get("region") or None,
                                  "aws_access_key_id": creds.get("access_key") or None,
                                  "aws_secret_access_key": creds.get("secret_key") or None}
        return kwargs

    def _make_client(self) -> Any:
        boto3 = _boto3()
        from botocore.config import Config
        config = Config(retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=CONCURRENCY * 2)
        return boto3.client("s3", config=config, **self._client_kwargs())

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig
        return TransferConfig(multipart_threshold=CHUNK, multipart_chunksize=CHUNK, max_concurrency=CONCURRENCY,
                              io_chunksize=256 * 1024, max_io_queue=16)

    def _fail(self, what: str, exc: BaseException, cls: type = StorageError) -> StorageError:
        """Our error naming the operation; when boto answered with a ``ClientError`` it is one
        too (same ``.response``, ``.operation_name``), so ``except ClientError`` keeps working as
        it did with upstream, which let boto's errors through."""
        message = f"{self.provider_id}: {what} failed: {exc}"
        from botocore.exceptions import ClientError
        if isinstance(exc, ClientError):
            return _as_client_error(cls)(message, exc.response, exc.operation_name)
        return cls(message)

    # ------------------------------------------------------------------ listing
    def iter_files(self, path: str = "") -> Iterator[Dict[str, Any]]:
        """Every object under ``bucket/prefix`` (``list_objects`` entries, ``Owner`` included), page by page."""
        for page in self._pages(path):
            yield from page.get("Contents") or []

    def _pages(self, path: str) -> Iterator[Dict[str, Any]]:
        bucket, prefix = split_remote(path)
        try:  # list_objects (v1), as upstream: its answer's shape is what callers know
            yield from self.client.get_paginator("list_objects").paginate(Bucket=bucket, Prefix=prefix)
        except _boto_errors() as exc:
            raise self._fail(f"listing {path!r}", exc) from exc

    def list_files_from_path(self, path: str = "") -> Dict[str, Any]:
        """A ``list_objects``-shaped dict whose ``Contents`` holds *every* key under the path.

        An empty path lists the buckets instead (``{"Buckets": [...], "Contents": []}``).
        """
        if not path.strip("/"):
            try:
                buckets = self.client.list_buckets().get("Buckets") or []
            except _boto_errors() as exc:
                raise self._fail("listing the buckets", exc) from exc
            return {"Name": "", "Prefix": "", "Buckets": buckets, "Contents": [], "KeyCount": 0, "IsTruncated": False}
        bucket, prefix = split_remote(path)
        first: Dict[str, Any] = {}
        contents: list = []
        for page in self._pages(path):
            first = first or dict(page)
            contents.extend(page.get("Contents") or [])
        # upstream's answer was boto's first page (ResponseMetadata, MaxKeys, Marker, ...): kept,
        # with every page's keys in Contents (upstream stopped at 1000), so nothing is truncated
        listing = {k: v for k, v in first.items() if k not in ("NextMarker",)}
        listing.update({"Name": first.get("Name", bucket), "Prefix": first.get("Prefix", prefix),
                        "Contents": contents, "KeyCount": len(contents), "IsTruncated": False})
        return listing

    # ------------------------------------------------------------------ transfers
    @staticmethod
    def upload_key(local_path: str, remote_path: str) -> Tuple[str, str]:
        bucket, folder = split_remote(remote_path)
        name = os.path.basename(os.fspath(local_path))
        return bucket, f"{folder.strip('/')}/{name}" if folder.strip("/") else name

    def upload_file(self, local_path: str, remote_path: str, progress: Any = None) -> None:
        bucket, key = self.upload_key(local_path, remote_path)
        size = os.path.getsize(local_path)
        with Progress(progress, size, description=progress_name(local_path)) as meter:
            try:
                self.client.upload_file(os.fspath(local_path), bucket, key, Config=self._transfer_config(),
                                        Callback=meter.update)
            except _boto_errors() as exc:
                raise self._fail(f"upload of {local_path!r} to {bucket}/{key}", exc, StorageTransferError) from exc
        log.debug("%s: uploaded %s to %s/%s", self.provider_id, local_path, bucket, key)

    def upload_fileobj(self, fileobj: Any, remote_key: str, progress: Any = None, size: Optional[int] = None) -> None:
        """Stream a binary file object to the full key ``bucket/key``."""
        bucket, key = split_remote(remote_key)
        with Progress(progress, size, description=progress_name(key)) as meter:
            try:
                self.client.upload_fileobj(fileobj, bucket, key, Config=self._transfer_config(),
                                           Callback=meter.update)
            except _boto_errors() as exc:
                raise self._fail(f"upload to {bucket}/{key}", exc, StorageTransferError) from exc

    def download_file(self, local_path: str, remote_path: str, progress: Any = None) -> str:
        bucket, key = split_remote(remote_path)
        target = local_target(local_path, remote_path)
        try:
            size = self.client.head_object(Bucket=bucket, Key=key).get("ContentLength")
        except _boto_errors() as exc:
            raise self._fail(f"download of {bucket}/{key}", exc, StorageTransferError) from exc
        try:
            with atomic_open(target) as out, Progress(progress, size, description=progress_name(key)) as meter:
                self.client.download_fileobj(bucket, key, out, Config=self._transfer_config(), Callback=meter.update)
        except _boto_errors() as exc:
            raise self._fail(f"download of {bucket}/{key}", exc, StorageTransferError) from exc
        log.debug("%s: downloaded %s/%s to %s", self.provider_id, bucket, key, target)
        return target

    def delete_file(self, remote_path: str) -> None:
        bucket, key = split_remote(remote_path)
        try:
            self.client.delete_object(Bucket=bucket, Key=key)
        except _boto_errors() as exc:
            raise self._fail(f"deleting {bucket}/{key}", exc) from exc

    def upload_url(self, url: str, remote_path: str, progress: Any = None) -> None:
        """Copy what ``url`` serves to the full key ``bucket/key``, streamed (upstream helper)."""
        from urllib.parse import urlsplit

        from archfx_cloud.api.client import RestClient
        parts = urlsplit(url)
        with RestClient(f"{parts.scheme}://{parts.netloc}", timeout=(5, 60)) as http:
            response = http.send("GET", url, stream=True, auth=None)
            try:
                size = response.headers.get("Content-Length")
                bucket, key = split_remote(remote_path)
                extra = {"ContentType": response.headers["Content-Type"]} if "Content-Type" in response.headers else {}
                with Progress(progress, int(size) if size else None, description=progress_name(key)) as meter:
                    self.client.upload_fileobj(response.raw, bucket, key, ExtraArgs=extra,
                                               Config=self._transfer_config(), Callback=meter.update)
            except _boto_errors() as exc:
                raise self._fail(f"copy of {url} to {remote_path}", exc, StorageTransferError) from exc
            finally:
                response.close()
