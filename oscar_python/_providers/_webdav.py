"""WebDAV (``webdav.<name>``: ``hostname``, ``login``, ``password``) over the core pipeline.

``list_files_from_path`` is a ``PROPFIND`` (depth 1) returning the child names (folders end
with ``/``), like webdavclient3's ``list``. Uploads create every missing folder of the remote
path (``MKCOL``) and stream the file with ``PUT``; downloads are atomic and resumable (core).
"""
from __future__ import annotations

import os
import posixpath
import xml.etree.ElementTree as ET
from typing import Any, List, Optional
from urllib.parse import unquote, urlsplit

from archfx_cloud.api.auth import BasicAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpClientError
from archfx_cloud.api.retry import IDEMPOTENT_METHODS, RetryPolicy

from ._http import base_url, guarded
from ._providers_base import StorageProvider, local_target

_PROPFIND = (b'<?xml version="1.0" encoding="utf-8"?>'
             b'<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>')
_DAV_RETRY = RetryPolicy(methods=frozenset(IDEMPOTENT_METHODS | {"PROPFIND", "MKCOL"}))


class WebDav(StorageProvider):
    TYPE = "webdav"

    def __init__(self, credentials: Optional[dict] = None, name: str = "default") -> None:
        super().__init__(credentials, name)
        creds = self.credentials
        auth = BasicAuth(str(creds.get("login") or ""), str(creds.get("password") or "")) if creds.get("login") else None
        verify = creds.get("verify", True)
        self.client = RestClient(base_url(str(creds.get("hostname") or "")), auth=auth, verify=verify,
                                 retries=_DAV_RETRY, logger=None)
        self._root_path = urlsplit(self.client.base_url).path.rstrip("/")

    def _url(self, path: str, folder: bool = False) -> str:
        url = self.client(path.strip("/")).url() if path.strip("/") else self.client.base_url
        return url + "/" if folder else url

    def list_files_from_path(self, path: str = "") -> List[str]:
        """Names in the folder ``path`` (folders with a trailing ``/``)."""
        url = self._url(path, folder=True)
        response = guarded(self.provider_id, f"listing {path!r}", lambda: self.client.request(
            "PROPFIND", url, body=_PROPFIND, raw=True,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"}))
        own = urlsplit(url).path.rstrip("/")
        names: List[str] = []
        for entry in ET.fromstring(response.content).iter("{DAV:}response"):
            href = entry.findtext("{DAV:}href") or ""
            href_path = unquote(urlsplit(href).path)
            if href_path.rstrip("/") == unquote(own):
                continue
            is_dir = entry.find(".//{DAV:}resourcetype/{DAV:}collection") is not None
            name = posixpath.basename(href_path.rstrip("/"))
            names.append(name + "/" if is_dir else name)
        return names

    def mkdirs(self, path: str) -> None:
        """Create every missing folder of ``path`` (MKCOL; existing ones answer 405)."""
        parts = [p for p in path.strip("/").split("/") if p]
        for depth in range(1, len(parts) + 1):
            url = self._url("/".join(parts[:depth]), folder=True)
            try:
                self.client.request("MKCOL", url, raw=True)
            except HttpClientError as exc:
                if exc.status_code not in (301, 405):
                    raise

    def upload_file(self, local_path: str, remote_path: str, progress: Any = None) -> None:
        """Upload into the folder ``remote_path`` (created if missing)."""
        name = os.path.basename(os.fspath(local_path))
        folder = remote_path.strip("/")
        guarded(self.provider_id, f"creating {folder!r}", lambda: self.mkdirs(folder))
        target = self._url(f"{folder}/{name}" if folder else name)
        guarded(self.provider_id, f"upload of {local_path!r} to {folder}/{name}", lambda: self.client.upload(
            target, os.fspath(local_path), method="PUT", multipart=False, progress=progress, raw=True),
            transfer=True)

    def download_file(self, local_path: str, remote_path: str, progress: Any = None) -> str:
        target = local_target(local_path, remote_path)
        url = self._url(remote_path)
        return guarded(self.provider_id, f"download of {remote_path!r}",
                       lambda: self.client.download(url, target, progress=progress), transfer=True)

    def delete_file(self, remote_path: str) -> None:
        url = self._url(remote_path)
        guarded(self.provider_id, f"deleting {remote_path!r}", lambda: self.client.request("DELETE", url, raw=True))
