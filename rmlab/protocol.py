"""The RMLab discovery protocol: endpoint specs sent by the server, and how a call is encoded.

The client hard-codes only endpoint *ids*. Paths, methods, payload kinds, auth kinds,
timeouts, argument types, defaults and limits arrive as JSON (``/auth/discover``, the login
result's ``endpoints``, ``api-discover-user``)::

    {"id", "resource": [..path parts..], "method": "get"|"post",
     "payload": "none"|"match"|"json"|"multipart", "auth": "public"|"basic"|"api-key"|"jwt"|
     "jwt-expirable"|"ws", "communication": "sync"|"async", "response": "none"|"json",
     "timeout": int, "arguments": {name: {"type", "default" (or "REQUIRED"), "limit"}},
     "async_info": {"prepoll_wait", "poll_interval", "poll_endpoint_id", "result_endpoint_id"}}

:meth:`Endpoint.prepare` checks and casts a call's keyword arguments against the spec;
:meth:`Endpoint.encode` turns them into a :class:`Call` (path segments, JSON body, or
multipart fields and files). The emulator decodes requests with the same classes.
"""
from __future__ import annotations

import enum
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import ValueError as RMLabValueError

log = logging.getLogger("rmlab")

__all__ = [
    "MethodType", "FileExtensionType", "PayloadType", "AuthType", "ResponseType", "CommunicationType",
    "FileType", "ArgumentSpec", "PayloadArguments", "AsyncInfo", "Endpoint", "Call", "REQUIRED",
    "DEFAULT_SYNC_TIMEOUT", "DEFAULT_ASYNC_TIMEOUT",
]

REQUIRED = "REQUIRED"
DEFAULT_SYNC_TIMEOUT = 10.0
#: Budget of a long-running operation whose spec has no timeout (upstream fell back to 10 s).
DEFAULT_ASYNC_TIMEOUT = 3600.0


class _LowerEnum(enum.Enum):
    @classmethod
    def str_to_enum_value(cls, value: str) -> Any:
        try:
            return cls(str(value).lower())
        except ValueError:
            known = ", ".join(m.value for m in cls)
            raise RMLabValueError(f"unknown {cls.__name__} {value!r}; expected one of {known}") from None


class MethodType(_LowerEnum):
    GET = "get"
    POST = "post"


class FileExtensionType(_LowerEnum):
    JSON = "json"
    CSV = "csv"


class PayloadType(_LowerEnum):
    NONE = "none"
    MATCH = "match"
    JSON = "json"
    MULTIPART = "multipart"


class AuthType(_LowerEnum):
    PUBLIC = "public"
    BASIC = "basic"
    API_KEY = "api-key"
    JWT = "jwt"
    JWT_EXPIRABLE = "jwt-expirable"
    WS = "ws"


class ResponseType(_LowerEnum):
    NONE = "none"
    JSON = "json"


class CommunicationType(_LowerEnum):
    SYNC = "sync"
    ASYNC = "async"
    WS = "ws"


class FileType:
    """Marks an argument that is a local file, sent as a multipart file part."""

    type_name = "FileType"


_CASTS = ("str", "int", "float", "bool", "list", "dict", FileType.type_name)
_LIMITED = ("int", "float", "list", "dict")


@dataclass(frozen=True)
class ArgumentSpec:
    """One declared argument: its type name, default (or ``REQUIRED``) and optional limit."""

    name: str
    type: str
    default: Any = REQUIRED
    limit: Optional[float] = None

    @property
    def required(self) -> bool:
        return isinstance(self.default, str) and self.default == REQUIRED

    def json(self) -> Dict[str, Any]:
        return {"type": self.type, "default": self.default, "limit": self.limit}

    def cast(self, value: Any, endpoint_id: str, check_files: bool = True) -> Any:
        """``value`` as the declared type; None stays None. Raises ValueError naming the argument
        (FileNotFoundError for a missing file, unless ``check_files`` is False)."""
        if value is None:
            return None
        where = f"argument '{self.name}' of `{endpoint_id}`"
        try:
            if self.type == "str":
                if isinstance(value, (dict, list, tuple, set)):
                    raise TypeError(type(value).__name__)
                return str(value)
            if self.type == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise TypeError(repr(value))
                return int(value)
            if self.type == "float":
                if isinstance(value, bool):
                    raise TypeError(repr(value))
                return float(value)
            if self.type == "bool":
                if isinstance(value, str):
                    if value.lower() in ("true", "1"):
                        return True
                    if value.lower() in ("false", "0"):
                        return False
                    raise TypeError(repr(value))
                return bool(value)
            if self.type == "list":
                if isinstance(value, (str, bytes, dict)):
                    raise TypeError(type(value).__name__)
                return list(value)
            if self.type == "dict":
                if not isinstance(value, Mapping):
                    raise TypeError(type(value).__name__)
                return dict(value)
            if self.type == FileType.type_name:
                path = os.fspath(value)
                if check_files and not os.path.isfile(path):
                    raise FileNotFoundError(f"{where}: file {path!r} does not exist")
                return path
        except FileNotFoundError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise RMLabValueError(f"{where} must be {self.type}, got {exc}") from None
        raise RMLabValueError(f"{where} has an unknown type {self.type!r}")

    def check_limit(self, value: Any, endpoint_id: str) -> None:
        if self.limit is None or value is None:
            return
        measured = len(value) if isinstance(value, (list, dict)) else value
        if measured > self.limit:
            what = "length" if isinstance(value, (list, dict)) else "value"
            raise RMLabValueError(f"argument '{self.name}' of `{endpoint_id}`: {what} {measured} exceeds "
                                  f"the server's limit {self.limit:g}")


class PayloadArguments:
    """The declared arguments of an endpoint, in declaration order (order matters for ``match``)."""

    REQUIRED_STR = REQUIRED
    ASYNC_ID_KEY = "operation_id"

    def __init__(self, **arguments: Any) -> None:
        self.specs: Dict[str, ArgumentSpec] = {}
        for name, spec in arguments.items():
            if isinstance(spec, ArgumentSpec):
                self.specs[name] = spec
                continue
            if not isinstance(spec, Mapping) or "type" not in spec:
                raise RMLabValueError(f"argument {name!r} must be a mapping with a 'type'")
            type_name = str(spec["type"])
            if type_name not in _CASTS:
                raise RMLabValueError(f"argument {name!r} has an unknown type {type_name!r}")
            limit = spec.get("limit")
            if limit is not None and type_name not in _LIMITED:
                raise RMLabValueError(f"argument {name!r}: a limit only applies to int, float, list or dict")
            default = spec.get("default", REQUIRED)
            if type_name == FileType.type_name and default != REQUIRED:
                raise RMLabValueError(f"file argument {name!r} must be REQUIRED")
            self.specs[name] = ArgumentSpec(name, type_name, default, limit)

    @classmethod
    def make_from_json(cls, data: Optional[Mapping[str, Any]]) -> "PayloadArguments":
        return cls(**dict(data or {}))

    def json(self) -> Dict[str, Dict[str, Any]]:
        return {name: spec.json() for name, spec in self.specs.items()}

    def keys(self) -> List[str]:
        return list(self.specs)

    def types_str(self) -> Dict[str, str]:
        return {name: spec.type for name, spec in self.specs.items()}

    def defaults(self) -> Dict[str, Any]:
        return {name: spec.default for name, spec in self.specs.items()}

    def limits(self) -> Dict[str, Optional[float]]:
        return {name: spec.limit for name, spec in self.specs.items()}

    def limit_of(self, name: str) -> Optional[int]:
        spec = self.specs.get(name)
        return int(spec.limit) if spec is not None and spec.limit is not None else None

    def __len__(self) -> int:
        return len(self.specs)

    def __repr__(self) -> str:
        return f"PayloadArguments({self.types_str()})"


@dataclass(frozen=True)
class AsyncInfo:
    """How a long-running operation is followed: wait, poll until not pending, fetch the result."""

    poll_endpoint_id: str
    result_endpoint_id: str
    prepoll_wait: float = 1.0
    poll_interval: float = 10.0

    def json(self) -> Dict[str, Any]:
        return {"prepoll_wait": self.prepoll_wait, "poll_interval": self.poll_interval,
                "poll_endpoint_id": self.poll_endpoint_id, "result_endpoint_id": self.result_endpoint_id}


@dataclass(frozen=True)
class Call:
    """One encoded request: where it goes and what it carries."""

    method: str
    segments: Tuple[str, ...]
    json_body: Optional[Dict[str, Any]] = None
    fields: Optional[Dict[str, str]] = None
    files: Optional[Dict[str, str]] = None


_SPEC_KEYS = {"id", "resource", "method", "payload", "auth", "response", "arguments", "communication",
              "timeout", "async_info"}


@dataclass(frozen=True)
class Endpoint:
    """A server-described endpoint (``communication="async"`` ones carry :class:`AsyncInfo`)."""

    id: str
    resource: Tuple[str, ...]
    method: MethodType = MethodType.GET
    payload: PayloadType = PayloadType.NONE
    auth: AuthType = AuthType.PUBLIC
    response: ResponseType = ResponseType.JSON
    arguments: PayloadArguments = field(default_factory=PayloadArguments)
    communication: CommunicationType = CommunicationType.SYNC
    timeout: Optional[float] = None
    async_info: Optional[AsyncInfo] = None

    def __post_init__(self) -> None:
        if self.payload is PayloadType.NONE and len(self.arguments):
            raise RMLabValueError(f"endpoint `{self.id}`: payload 'none' cannot declare arguments")
        if self.payload is not PayloadType.NONE and not len(self.arguments):
            raise RMLabValueError(f"endpoint `{self.id}`: payload '{self.payload.value}' needs arguments")
        if self.communication is CommunicationType.ASYNC and self.async_info is None:
            raise RMLabValueError(f"endpoint `{self.id}` is asynchronous but has no async_info")
        files = [s.name for s in self.arguments.specs.values() if s.type == FileType.type_name]
        if files and self.payload is not PayloadType.MULTIPART:
            raise RMLabValueError(f"endpoint `{self.id}`: file arguments need a multipart payload")

    @classmethod
    def make_from_json(cls, data: Mapping[str, Any], endpoint_id: Optional[str] = None) -> "Endpoint":
        """Parse one spec. Unknown keys are ignored (logged); a missing ``communication`` is an error."""
        ep_id = str(data.get("id") or endpoint_id or "")
        if not ep_id:
            raise RMLabValueError("endpoint spec without an id")
        extra = set(data) - _SPEC_KEYS
        if extra:
            log.debug("endpoint `%s`: ignoring unknown spec keys %s", ep_id, sorted(extra))
        if "communication" not in data:
            raise RMLabValueError(f"endpoint `{ep_id}`: spec has no 'communication'")
        resource = data.get("resource")
        if not isinstance(resource, (list, tuple)) or not all(isinstance(p, str) and p for p in resource):
            raise RMLabValueError(f"endpoint `{ep_id}`: 'resource' must be a list of path parts")
        info = data.get("async_info")
        async_info = None
        if info:
            async_info = AsyncInfo(poll_endpoint_id=str(info["poll_endpoint_id"]),
                                   result_endpoint_id=str(info["result_endpoint_id"]),
                                   prepoll_wait=float(info.get("prepoll_wait", 1)),
                                   poll_interval=float(info.get("poll_interval", 10)))
        timeout = data.get("timeout")
        return cls(
            id=ep_id, resource=tuple(resource),
            method=MethodType.str_to_enum_value(data.get("method", "get")),
            payload=PayloadType.str_to_enum_value(data.get("payload", "none")),
            auth=AuthType.str_to_enum_value(data.get("auth", "public")),
            response=ResponseType.str_to_enum_value(data.get("response", "json")),
            arguments=PayloadArguments.make_from_json(data.get("arguments")),
            communication=CommunicationType.str_to_enum_value(data["communication"]),
            timeout=float(timeout) if timeout is not None else None,
            async_info=async_info,
        )

    @property
    def address(self) -> str:
        """The path (relative to the service's URL) of the endpoint, without match arguments."""
        return "/".join(self.resource)

    @property
    def budget(self) -> float:
        """Seconds a call (or a whole long-running operation) may take."""
        if self.timeout is not None:
            return self.timeout
        return DEFAULT_ASYNC_TIMEOUT if self.communication is CommunicationType.ASYNC else DEFAULT_SYNC_TIMEOUT

    def json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "id": self.id, "resource": list(self.resource), "method": self.method.value,
            "payload": self.payload.value, "auth": self.auth.value, "response": self.response.value,
            "arguments": self.arguments.json(), "communication": self.communication.value,
        }
        if self.timeout is not None:
            out["timeout"] = self.timeout
        if self.async_info is not None:
            out["async_info"] = self.async_info.json()
        return out

    # ------------------------------------------------------------------ client side
    def prepare(self, values: Mapping[str, Any], check_files: bool = True) -> Dict[str, Any]:
        """Every declared argument: given (cast) or its default; undeclared ones are dropped.

        Raises ValueError for a missing REQUIRED argument, a value of the wrong type or one
        beyond the server's limit.
        """
        dropped = set(values) - set(self.arguments.specs)
        if dropped:
            log.debug("endpoint `%s`: dropping undeclared arguments %s", self.id, sorted(dropped))
        out: Dict[str, Any] = {}
        for name, spec in self.arguments.specs.items():
            if name in values:
                value = spec.cast(values[name], self.id, check_files)
            elif spec.required:
                raise RMLabValueError(f"endpoint `{self.id}` requires argument '{name}'")
            else:
                value = spec.default
            spec.check_limit(value, self.id)
            out[name] = value
        return out

    def encode(self, values: Mapping[str, Any], check_files: bool = True) -> Call:
        """The request for ``values`` (see :meth:`prepare`). ``check_files=False`` leaves finding
        out whether a file argument exists to whoever opens it (the client, in a worker thread)."""
        prepared = self.prepare(values, check_files)
        method = self.method.value.upper()
        if self.payload is PayloadType.MATCH:
            segments = self.resource + tuple(_wire_text(prepared[name]) for name in self.arguments.specs)
            return Call(method, segments)
        if self.payload is PayloadType.JSON:
            return Call(method, self.resource, json_body=prepared)
        if self.payload is PayloadType.MULTIPART:
            fields: Dict[str, str] = {}
            files: Dict[str, str] = {}
            for name, spec in self.arguments.specs.items():
                if spec.type == FileType.type_name:
                    files[name] = prepared[name]
                else:
                    fields[name] = _wire_text(prepared[name])
            return Call(method, self.resource, fields=fields, files=files)
        return Call(method, self.resource)

    # ------------------------------------------------------------------ server side
    def decode_text(self, name: str, text: Optional[str]) -> Any:
        """A path segment or form field back to its declared type (``"None"`` is None)."""
        spec = self.arguments.specs[name]
        if text is None or text == "None":
            return None if not spec.required else _missing(self.id, name)
        if spec.type in ("list", "dict"):
            try:
                return spec.cast(json.loads(text), self.id)
            except json.JSONDecodeError:
                raise RMLabValueError(f"argument '{name}' of `{self.id}` is not JSON") from None
        return spec.cast(text, self.id)


def _missing(endpoint_id: str, name: str) -> Any:
    raise RMLabValueError(f"endpoint `{endpoint_id}` requires argument '{name}'")


def _wire_text(value: Any) -> str:
    """How a value travels in a path segment or form field (upstream sends None as ``"None"``)."""
    if value is None:
        return "None"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
