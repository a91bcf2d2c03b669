"""Real storage servers on loopback for tests and the tour: S3 (moto in server mode) and
WebDAV (wsgidav on the core's local server). Both are test-time dependencies
(``pip install 'moto[server]' wsgidav``)."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from archfx_cloud.testing.server import LocalServer

__all__ = ["S3Server", "WebDavServer"]


class S3Server:
    """moto's S3-compatible HTTP server on ``127.0.0.1`` at a free port.

    ``credentials()`` is a ``minio`` provider entry for it; pass ``url`` to
    ``OscarEmulator(s3_endpoint=...)`` so the cluster's ``minio.default`` points here.
    """

    access_key = "minio-access"
    secret_key = "minio-secret-key"
    region = "us-east-1"

    def __init__(self) -> None:
        self._server: Any = None
        self.url = ""

    def start(self) -> "S3Server":
        import logging

        from moto.server import ThreadedMotoServer
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto serves through werkzeug's logger
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def credentials(self) -> Dict[str, Any]:
        return {"endpoint": self.url, "verify": False, "access_key": self.access_key,
                "secret_key": self.secret_key, "region": self.region}

    def boto3_client(self) -> Any:
        import boto3
        return boto3.client("s3", endpoint_url=self.url, region_name=self.region,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)

    def __enter__(self) -> "S3Server":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class WebDavServer:
    """wsgidav serving ``root`` (a directory) with basic auth, on the core's local server."""

    def __init__(self, root: str, login: str = "dav-user", password: str = "dav-password") -> None:
        self.root = root
        self.login = login
        self.password = password
        self._server: Optional[LocalServer] = None

    def _app(self) -> Any:
        from wsgidav.wsgidav_app import WsgiDAVApp
        os.makedirs(self.root, exist_ok=True)
        config = {
            "provider_mapping": {"/": self.root},
            "simple_dc": {"user_mapping": {"*": {self.login: {"password": self.password}}}},
            "http_authenticator": {"accept_basic": True, "accept_digest": False, "default_to_digest": False},
            "verbose": 0,
            "logging": {"enable": False, "enable_loggers": []},
            "property_manager": True,
            "lock_storage": True,
        }
        return WsgiDAVApp(config)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server is not running")
        return self._server.url

    def credentials(self) -> Dict[str, str]:
        """A ``storage_providers.webdav.<name>`` entry pointing here."""
        return {"hostname": self.url, "login": self.login, "password": self.password}

    def start(self) -> "WebDavServer":
        self._server = LocalServer(self._app()).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "WebDavServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
