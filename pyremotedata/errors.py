"""The exceptions pyremotedata raises.

Every failure is a subclass of :class:`RemoteDataError` (itself an ``Exception``, so code
written for upstream's bare ``Exception`` keeps working), and also of the closest builtin
so ``except FileNotFoundError`` / ``except TimeoutError`` do what they say::

    RemoteDataError(Exception)
    ├── ConfigError(RuntimeError)                 bad, missing or corrupt configuration
    ├── UnsupportedPathError(ValueError)          a name lftp's command language cannot carry
    ├── NotMountedError(RuntimeError)             no live lftp process for this mount
    ├── MountError(RuntimeError, ConnectionError) could not open the session
    │   ├── AuthenticationError(PermissionError)  login refused (key or password)
    │   └── HostKeyError                          host key unknown or changed
    └── LftpError                                 a command failed; carries .command and .stderr
        ├── RemoteFileNotFoundError(FileNotFoundError)
        ├── RemotePermissionError(PermissionError)
        ├── RemoteConnectionError(ConnectionError)   the connection broke during a command
        ├── LftpTimeoutError(TimeoutError)           no answer within the command's timeout
        └── LftpProcessError                         the lftp process died or could not start

Messages carry the command (with any password masked) and what lftp or ssh said, never a
secret.
"""
from __future__ import annotations

from typing import Optional, Sequence


class RemoteDataError(Exception):
    """Base class of every pyremotedata error."""


class ConfigError(RemoteDataError, RuntimeError):
    """The configuration is missing, corrupt, or cannot be asked for (no terminal)."""


class UnsupportedPathError(RemoteDataError, ValueError):
    """A path that cannot be passed to lftp safely (for example a newline in a directory name)."""


class RootSyncError(RemoteDataError, RuntimeError, ValueError):
    """``sync`` asked to work on a root directory without ``allow_root=True`` (a ``RuntimeError``
    as upstream's, and a ``ValueError``: it is the caller's argument that is refused)."""


class NotMountedError(RemoteDataError, RuntimeError):
    """An operation needs a mounted session; call ``mount()`` (or use the context manager)."""


class MountError(RemoteDataError, RuntimeError, ConnectionError):
    """Opening the SFTP session failed (upstream raised ``RuntimeError("Failed to connect...")``)."""


class AuthenticationError(MountError, PermissionError):
    """The server refused the login (wrong key, password or user)."""


class HostKeyError(MountError):
    """ssh refused the server's host key (unknown with strict checking, or changed)."""


class LftpError(RemoteDataError):
    """An lftp command failed.

    ``command`` is the command as sent (passwords masked), ``stderr`` what lftp printed on
    its error stream, ``output`` what it printed on standard output before failing.
    """

    def __init__(self, message: str, command: str = "", stderr: str = "",
                 output: Optional[Sequence[str]] = None) -> None:
        self.command = command
        self.stderr = stderr
        self.output = list(output or [])
        super().__init__(message)

    @classmethod
    def from_failure(cls, command: str, stderr: str, output: Optional[Sequence[str]] = None) -> "LftpError":
        """The right subclass for what lftp said, with a message naming the command."""
        kind = classify_failure(stderr)
        said = stderr.strip() or "(lftp printed no message)"
        return kind(f"lftp command failed: {shorten(command)}\nlftp said: {said}", command, stderr, output)


class RemoteFileNotFoundError(LftpError, FileNotFoundError):
    """The remote (or local) path named in the command does not exist."""


class RemotePermissionError(LftpError, PermissionError):
    """The server (or the local file system) refused access."""


class RemoteConnectionError(LftpError, ConnectionError):
    """The connection failed or broke while the command ran (after lftp's own retries)."""


class LftpTimeoutError(LftpError, TimeoutError):
    """The command did not finish within its timeout; the lftp process was stopped."""


class LftpProcessError(LftpError):
    """The lftp process is not running (it died, was killed, or could not be started)."""


_CONNECTION_MARKERS = (
    "max-retries exceeded", "connection refused", "name or service not known",
    "peer closed connection", "connection reset", "no route to host", "network is unreachable",
    "connection timed out", "fatal error", "not connected", "could not resolve",
)


def classify_failure(stderr: str) -> type:
    """Map lftp's error text to an exception class (the text is lftp's, English locale)."""
    text = stderr.lower()
    if "no such file" in text or "no files found" in text:
        return RemoteFileNotFoundError
    if "permission denied" in text or "login failed" in text or "login incorrect" in text:
        return RemotePermissionError
    if any(marker in text for marker in _CONNECTION_MARKERS):
        return RemoteConnectionError
    return LftpError


def shorten(text: str, limit: int = 400) -> str:
    """Keep long commands (hundreds of file names) readable in messages."""
    text = text.replace("\n", "\\n")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"
