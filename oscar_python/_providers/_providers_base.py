"""What every storage provider offers (upstream: ``StorageProvider``)."""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any, Optional, Tuple


class StorageProvider(ABC):
    """One configured provider (``type.name``); ``self.client`` is the underlying client."""

    TYPE = ""
    client: Any = None

    def __init__(self, credentials: Optional[dict] = None, name: str = "default") -> None:
        """``Minio(credentials)`` as upstream; ``name`` is the provider's name in the service
        (``minio.<name>``). The older ``(name, credentials)`` order is accepted too."""
        if isinstance(credentials, str) and (isinstance(name, dict) or name is None):
            credentials, name = name, credentials  # (name, credentials)
        self.name = str(name)
        self.credentials = dict(credentials or {})

    @property
    def provider_id(self) -> str:
        return f"{self.TYPE}.{self.name}"

    @abstractmethod
    def list_files_from_path(self, path: str = "") -> Any:
        """Implemented by each provider."""

    @abstractmethod
    def upload_file(self, local_path: str, remote_path: str, progress: Any = None) -> None:
        """Implemented by each provider."""

    @abstractmethod
    def download_file(self, local_path: str, remote_path: str, progress: Any = None) -> str:
        """Implemented by each provider."""

    @abstractmethod
    def delete_file(self, remote_path: str) -> None:
        """Implemented by each provider."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.provider_id}>"


def local_target(local_path: str, remote_path: str) -> str:
    """Where a download goes: into ``local_path`` when it is a directory (upstream), else to it."""
    local = os.fspath(local_path)
    if local.endswith(("/", os.sep)):
        os.makedirs(local, exist_ok=True)  # "out/" names a directory: make it
    if os.path.isdir(local):
        name = os.path.basename(remote_path.rstrip("/"))
        if not name:
            raise ValueError(f"remote path {remote_path!r} names no file")
        return os.path.join(local, name)
    return local


def split_remote(remote_path: str) -> Tuple[str, str]:
    """``"bucket/a/b"`` -> ``("bucket", "a/b")``; the bucket is required."""
    text = remote_path.strip().lstrip("/")
    bucket, _, rest = text.partition("/")
    if not bucket:
        raise ValueError(f"remote path {remote_path!r} has no bucket (expected 'bucket/path')")
    return bucket, rest


def progress_name(path: Optional[str]) -> str:
    return os.path.basename(str(path or "").rstrip("/"))
