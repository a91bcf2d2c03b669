"""Upstream's module: ``ImplicitMount``, ``IOHandler``, ``RemotePathIterator``, ``RemoteType``
and the helpers, importable from one place as in pyremotedata 0.1.13."""
from __future__ import annotations

from .errors import (AuthenticationError, ConfigError, HostKeyError, LftpError, LftpProcessError, LftpTimeoutError,
                     MountError, NotMountedError, RemoteConnectionError, RemoteDataError, RemoteFileNotFoundError,
                     RemotePermissionError, UnsupportedPathError)
from .io_handler import INDEX_NAME, IOHandler
from .iterator import RemotePathIterator
from .localfs import IMMUTABLE_DIRECTORIES, delete_file_or_dir, make_new_path, validate_directory
from .mount import BENIGN_ERR, ImplicitMount, RemoteType

__all__ = [
    "ImplicitMount", "IOHandler", "RemotePathIterator", "RemoteType", "BENIGN_ERR", "IMMUTABLE_DIRECTORIES",
    "INDEX_NAME", "delete_file_or_dir", "make_new_path", "validate_directory",
    "RemoteDataError", "ConfigError", "UnsupportedPathError", "NotMountedError", "MountError",
    "AuthenticationError", "HostKeyError", "LftpError", "RemoteFileNotFoundError", "RemotePermissionError",
    "RemoteConnectionError", "LftpTimeoutError", "LftpProcessError",
]
