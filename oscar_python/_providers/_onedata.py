"""OneData (``onedata.<name>``: ``oneprovider_host``, ``token``, ``space``) through CDMI.

Requests go to ``https://<oneprovider_host>/cdmi/<space>/<path>`` with the access token in
``X-Auth-Token`` (masked in logs). Listing returns the CDMI container ``Response`` (as
upstream; ``.json()["children"]`` holds the names). Uploads create the missing folders as CDMI
containers and stream the file; downloads are atomic and raise on any error status.
"""
from __future__ import annotations

import os
from typing import Any, Iterator, Optional

from archfx_cloud.api.auth import TokenAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpClientError
from archfx_cloud.api.exceptions import RequestsResponse as Response

from ._http import base_url, guarded
from ._providers_base import StorageProvider, local_target

CDMI_VERSION = {"X-CDMI-Specification-Version": "1.1.1"}
CONTAINER = "application/cdmi-container"


class Onedata(StorageProvider):
    TYPE = "onedata"

    def __init__(self, credentials: Optional[dict] = None, name: str = "default") -> None:
        super().__init__(credentials, name)
        creds = self.credentials
        self.space = str(creds.get("space") or "").strip("/")
        if not self.space:
            raise ValueError(f"onedata.{name}: 'space' is required")
        self.client = RestClient(base_url(str(creds.get("oneprovider_host") or ""), "/cdmi"),
                                 auth=TokenAuth(str(creds.get("token") or ""), prefix=None, header="X-Auth-Token"),
                                 verify=creds.get("verify", True))

    def _url(self, path: str, folder: bool = False) -> str:
        clean = "/".join(p for p in f"{self.space}/{path}".split("/") if p)
        url = self.client(clean).url()
        return url + "/" if folder else url

    def list_files_from_path(self, path: str = "") -> Response:
        """``GET`` of the CDMI container (the Response, as upstream)."""
        url = self._url(path, folder=True)
        return guarded(self.provider_id, f"listing {path!r}", lambda: self.client.request(
            "GET", url, raw=True, headers={**CDMI_VERSION, "Accept": CONTAINER}))

    def iter_files(self, path: str = "") -> Iterator[str]:
        """The child names of the folder ``path``."""
        yield from (self.list_files_from_path(path).json() or {}).get("children") or []

    def mkdirs(self, path: str) -> None:
        parts = [p for p in path.strip("/").split("/") if p]
        for depth in range(1, len(parts) + 1):
            url = self._url("/".join(parts[:depth]), folder=True)
            try:
                self.client.request("PUT", url, raw=True, body=b"{}",
                                    headers={**CDMI_VERSION, "Content-Type": CONTAINER, "Accept": CONTAINER})
            except HttpClientError as exc:
                if exc.status_code != 409:
                    raise

    def upload_file(self, local_path: str, remote_path: str, progress: Any = None) -> None:
        """Upload into the folder ``remote_path`` (created if missing)."""
        name = os.path.basename(os.fspath(local_path))
        folder = remote_path.strip("/")
        guarded(self.provider_id, f"creating {folder!r}", lambda: self.mkdirs(folder))
        url = self._url(f"{folder}/{name}")
        guarded(self.provider_id, f"upload of {local_path!r} to {folder}/{name}", lambda: self.client.upload(
            url, os.fspath(local_path), method="PUT", multipart=False, content_type="application/octet-stream",
            progress=progress, raw=True), transfer=True)

    def download_file(self, local_path: str, remote_path: str, progress: Any = None) -> str:
        target = local_target(local_path, remote_path)
        url = self._url(remote_path)
        return guarded(self.provider_id, f"download of {remote_path!r}",
                       lambda: self.client.download(url, target, progress=progress), transfer=True)

    def delete_file(self, remote_path: str) -> None:
        url = self._url(remote_path)
        guarded(self.provider_id, f"deleting {remote_path!r}", lambda: self.client.request("DELETE", url, raw=True))


