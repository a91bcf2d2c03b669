"""pytest fixtures for the oscar_python emulator (registered through the pytest11 entry point).

    def test_my_pipeline(oscar_client):                # basic-auth Client on a fresh emulator
        oscar_client.create_service("my-fdl.yaml")

    def test_with_storage(oscar_s3_emulator):          # emulator whose MinIO is a local S3 server
        client = Client(oscar_s3_emulator.options())
        client.create_storage_client().upload_file("minio.default", "f.txt", "bucket/in")

Fixtures: ``oscar_emulator`` (fresh, function scope), ``oscar_client``, ``oscar_s3_server``
(moto S3 on loopback, session scope), ``oscar_s3_emulator``, ``onedata_emulator``,
``webdav_server``. S3 and WebDAV need ``moto[server]`` and ``wsgidav``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # werkzeug, moto and wsgidav are optional extras: imported by the fixtures
    from .emulator import OscarEmulator
    from .onedata import OnedataEmulator
    from .servers import S3Server, WebDavServer


@pytest.fixture
def oscar_emulator() -> Iterator["OscarEmulator"]:
    """A fresh OSCAR emulator on 127.0.0.1 (basic-auth admin in ``.options()``)."""
    from .emulator import OscarEmulator
    with OscarEmulator(record=True) as emu:
        yield emu


@pytest.fixture
def oscar_client(oscar_emulator: "OscarEmulator") -> Iterator[Any]:
    """A basic-auth ``oscar_python.client.Client`` for ``oscar_emulator``."""
    from oscar_python.client import Client
    client = Client(oscar_emulator.options())
    yield client
    client.close()


@pytest.fixture(scope="session")
def oscar_s3_server() -> Iterator["S3Server"]:
    """An S3-compatible server (moto) on 127.0.0.1, shared by the session."""
    from .servers import S3Server
    with S3Server() as server:
        yield server


@pytest.fixture
def oscar_s3_emulator(oscar_s3_server: "S3Server") -> Iterator["OscarEmulator"]:
    """An OSCAR emulator whose ``minio.default`` is ``oscar_s3_server``."""
    from .emulator import OscarEmulator
    with OscarEmulator(record=True, s3_endpoint=oscar_s3_server.url, s3_access_key=oscar_s3_server.access_key,
                       s3_secret_key=oscar_s3_server.secret_key) as emu:
        yield emu


@pytest.fixture
def onedata_emulator() -> Iterator["OnedataEmulator"]:
    """A OneData CDMI endpoint on 127.0.0.1 with one space."""
    from .onedata import OnedataEmulator
    with OnedataEmulator() as emu:
        yield emu


@pytest.fixture
def webdav_server(tmp_path: Any) -> Iterator["WebDavServer"]:
    """A wsgidav WebDAV server on 127.0.0.1 serving a temporary directory."""
    from .servers import WebDavServer
    with WebDavServer(str(tmp_path / "webdav-root")) as server:
        yield server
