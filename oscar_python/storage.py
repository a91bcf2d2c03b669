"""``Storage``: the storage providers of a service (and the cluster's MinIO), by ``type.name``.

    storage = client.create_storage_client("my-service")
    storage.upload_file("minio.default", "photo.jpg", "my-bucket/input")
    storage.download_file("minio.default", "/tmp/", "my-bucket/output/photo.jpg")

``minio.default`` always comes from ``GET /system/config`` (the cluster's MinIO, with the
caller's own keys under OIDC). Other ids come from the service definition's
``storage_providers``. Every operation raises on failure (``StorageError`` and subclasses);
nothing is printed.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Type

from ._providers._minio import Minio
from ._providers._onedata import Onedata
from ._providers._providers_base import StorageProvider
from ._providers._s3 import S3
from ._providers._webdav import WebDav
from .exceptions import ProviderNotFoundError

__all__ = ["Storage", "PROVIDERS"]

PROVIDERS: Dict[str, Type[StorageProvider]] = {"minio": Minio, "s3": S3, "webdav": WebDav, "onedata": Onedata}


class Storage:
    """Providers of ``svc_name`` (if given) plus ``minio.default``; clients are made once and reused."""

    def __init__(self, client_obj: Any, svc_name: Optional[str] = None) -> None:
        self.client = client_obj
        self.client_obj = client_obj  # upstream's attribute name
        self.svc_name = svc_name
        providers: Dict[str, Any] = {}
        if svc_name:
            service = client_obj.get_service(svc_name).json()
            providers = copy.deepcopy(service.get("storage_providers") or {})
        config = client_obj.get_cluster_config().json()
        providers.setdefault("minio", {})["default"] = config.get("minio_provider") or {}
        self.storage_providers: Dict[str, Dict[str, Any]] = providers
        self._clients: Dict[str, StorageProvider] = {}

    def _get_client(self, storage_provider: str) -> StorageProvider:
        """The provider client for ``"type.name"``."""
        if storage_provider in self._clients:
            return self._clients[storage_provider]
        kind, dot, name = str(storage_provider).partition(".")
        where = f"service {self.svc_name!r}" if self.svc_name else "the cluster"
        if not dot or not name:
            raise ProviderNotFoundError(f"storage provider {storage_provider!r} must look like 'type.name' "
                                        f"(e.g. 'minio.default')")
        cls = PROVIDERS.get(kind.lower())
        if cls is None:
            raise ProviderNotFoundError(f"storage provider {storage_provider!r}: unknown type {kind!r} "
                                        f"(supported: {', '.join(sorted(PROVIDERS))})")
        entries = self.storage_providers.get(kind.lower()) or {}
        if name not in entries:
            known = [f"{k}.{n}" for k, v in self.storage_providers.items() for n in (v or {})]
            raise ProviderNotFoundError(f"storage provider {storage_provider!r} is not defined in {where} "
                                        f"(defined: {', '.join(sorted(known)) or 'none'})")
        provider = cls(entries[name], name=name)
        self._clients[storage_provider] = provider
        return provider

    def list_files_from_path(self, storage_provider: str, path: str = "") -> Any:
        """S3/MinIO: a ``list_objects``-shaped dict with every key; WebDAV: child names;
        OneData: the CDMI container ``Response`` (as upstream)."""
        return self._get_client(storage_provider).list_files_from_path(path)

    def upload_file(self, storage_provider: str, local_path: str, remote_path: str, progress: Any = None) -> None:
        """Upload ``local_path`` into the remote folder ``remote_path``."""
        self._get_client(storage_provider).upload_file(local_path, remote_path, progress=progress)

    def download_file(self, storage_provider: str, local_path: str, remote_path: str, progress: Any = None) -> None:
        """Download ``remote_path`` into the directory (or to the file) ``local_path``, atomically."""
        self._get_client(storage_provider).download_file(local_path, remote_path, progress=progress)

    def delete_file(self, storage_provider: str, remote_path: str) -> None:
        """Delete one remote file."""
        self._get_client(storage_provider).delete_file(remote_path)
