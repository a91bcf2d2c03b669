"""What an operation asks its driver to do.

Every public method is written once, in :mod:`._ops`, as a generator that yields these steps
and receives their results. The sync client performs them in the calling thread; the async
client awaits them (pacing, merging). Neither the steps nor the operations touch the network.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type

from archfx_cloud.api.urls import quote_segment

from ..exceptions import FirecrestException

__all__ = ["Call", "UploadFile", "DownloadFile", "Sleep", "KnownVersion", "SetVersion", "AccessToken",
           "Context", "path"]


def path(*parts: Any) -> Tuple[str, ...]:
    """URL segments; the dynamic ones (a job id, a reservation name) are percent-encoded, and one
    that would leave its place (``..``, ``/``) raises ``ValueError`` before anything is sent."""
    return tuple(quote_segment(p) for p in parts)


def _drop_none(values: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if values is None:
        return None
    return {k: v for k, v in values.items() if v is not None}


class Call:
    """One request to the FirecREST API; the result is the decoded JSON body.

    ``merge`` names the id parameter (``tasks``/``jobs``) under which concurrent identical GETs
    may be merged by the async client; its value is the ids (``None`` = all).
    """

    __slots__ = ("method", "segments", "params", "data", "headers", "expect", "allow_none", "merge")

    def __init__(self, method: str, segments: Tuple[str, ...], *, machine: Optional[str] = None,
                 params: Optional[Mapping[str, Any]] = None, data: Optional[Mapping[str, Any]] = None,
                 headers: Optional[Mapping[str, str]] = None, expect: Optional[int] = 200,
                 allow_none: bool = False, merge: Optional[Tuple[str, Optional[List[str]]]] = None) -> None:
        self.method = method
        self.segments = segments
        self.params = _drop_none(params)
        self.data = _drop_none(data)
        self.headers: Dict[str, str] = dict(headers or {})
        if machine is not None:
            self.headers["X-Machine-Name"] = machine
        self.expect = expect
        self.allow_none = allow_none
        self.merge = merge

    @property
    def service(self) -> str:
        """The microservice, for per-service pacing: ``utilities``, ``compute``, ``tasks``..."""
        return self.segments[0] if self.segments else ""

    def merge_key(self) -> Tuple[Any, ...]:
        name = self.merge[0] if self.merge else None
        others = tuple(sorted((k, str(v)) for k, v in (self.params or {}).items() if k != name))
        return (self.method, self.segments, self.headers.get("X-Machine-Name"), others)

    def with_ids(self, ids: Optional[Sequence[str]]) -> "Call":
        """The same call asking for ``ids`` (all when None)."""
        assert self.merge is not None
        name = self.merge[0]
        params = dict(self.params or {})
        params.pop(name, None)
        if ids is not None:
            params[name] = ",".join(ids)
        return Call(self.method, self.segments, params=params, data=self.data, headers=self.headers,
                    expect=self.expect, allow_none=self.allow_none, merge=(name, list(ids) if ids else None))

    def __repr__(self) -> str:
        return f"<Call {self.method} /{'/'.join(self.segments)}>"


class UploadFile:
    """A streamed multipart upload; ``segments`` for the API, ``url`` for a presigned form."""

    __slots__ = ("segments", "url", "source", "filename", "fields", "machine", "expect", "error_class",
                 "progress", "decode", "method", "multipart", "params", "headers")

    def __init__(self, source: Any, *, segments: Optional[Tuple[str, ...]] = None, url: Optional[str] = None,
                 filename: Optional[str] = None, fields: Optional[Mapping[str, Any]] = None,
                 machine: Optional[str] = None, expect: Optional[int] = 201,
                 error_class: Type[FirecrestException] = FirecrestException, progress: Any = False,
                 decode: bool = True, method: str = "POST", multipart: bool = True,
                 params: Optional[Mapping[str, Any]] = None, headers: Optional[Mapping[str, str]] = None) -> None:
        #: ``method``/``multipart=False``/``params``/``headers``: a presigned PUT of the raw file
        self.segments = segments
        self.url = url
        self.source = source
        self.filename = filename
        self.fields = _drop_none(fields)
        self.machine = machine
        self.expect = expect
        self.error_class = error_class
        self.progress = progress
        self.decode = decode
        self.method = method
        self.multipart = multipart
        self.params = dict(params or {})
        self.headers = dict(headers or {})


class DownloadFile:
    """A streamed download to a path (atomic) or a binary file object."""

    __slots__ = ("segments", "url", "params", "dest", "machine", "progress", "error_class", "expected_size")

    def __init__(self, dest: Any, *, segments: Optional[Tuple[str, ...]] = None, url: Optional[str] = None,
                 params: Optional[Mapping[str, Any]] = None, machine: Optional[str] = None, progress: Any = False,
                 error_class: Type[FirecrestException] = FirecrestException,
                 expected_size: Optional[int] = None) -> None:
        self.segments = segments
        self.url = url
        self.params = _drop_none(params)
        self.dest = dest
        self.machine = machine
        self.progress = progress
        self.error_class = error_class
        self.expected_size = expected_size


class Sleep:
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class KnownVersion:
    """The server's API version as far as the client knows it (None: not asked yet)."""


class SetVersion:
    __slots__ = ("version",)

    def __init__(self, version: str) -> None:
        self.version = version


class AccessToken:
    """The current access token of the client's authorization object (None if it has none)."""


class Context:
    """What one public call needs besides its arguments: its response history and a snapshot
    of the client's settings taken when the call began."""

    __slots__ = ("history", "polling_sleep_times", "sa_role", "log")

    def __init__(self, polling_sleep_times: Sequence[float], sa_role: str, log: Any) -> None:
        self.history: List[Any] = []
        self.polling_sleep_times = list(polling_sleep_times)
        self.sa_role = sa_role
        self.log = log
