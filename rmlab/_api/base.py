"""``APIBaseInternal``: credentials and URLs, the ``async with`` session, and shared helpers.

    async with API(workgroup="wg", username="me", password="...") as api:
        await api.fetch_info(0)

Credentials come from the arguments or, when any of the three is missing, all from
``RMLAB_WORKGROUP``, ``RMLAB_USERNAME`` and ``RMLAB_PASSWORD`` (upstream's all-or-nothing rule).
URLs come from the arguments, else ``RMLAB_APP_URL``/``RMLAB_ADMIN_URL``, else the 0.2.0 names
``RMLAB_URL_API``/``RMLAB_URL_AUTH``, else ``https://rmlab.ai``.
"""
from __future__ import annotations

import asyncio
import os
import weakref
from typing import Any, ClassVar, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

from .. import errors
from .._version import CLIENT_VERSION
from .checks import CHECKED_FILES, check_file  # noqa: F401  (CHECKED_FILES: re-exported)
from .transport import Transport

BaseURL = "https://rmlab.ai"
ENV_CREDENTIALS = ("RMLAB_WORKGROUP", "RMLAB_USERNAME", "RMLAB_PASSWORD")
ENV_APP_URL = ("RMLAB_APP_URL", "RMLAB_URL_API")
ENV_ADMIN_URL = ("RMLAB_ADMIN_URL", "RMLAB_URL_AUTH")
DEFAULT_MAX_CONCURRENCY = 16

ScenarioId = Union[int, str]
T = TypeVar("T")


def credentials_from(workgroup: Optional[str], username: Optional[str],
                     password: Optional[str]) -> Tuple[str, str, str]:
    """The three arguments, or (if any is None) all three from the environment."""
    given = (workgroup, username, password)
    if all(v is not None for v in given):
        return tuple(str(v) for v in given)  # type: ignore[return-value]
    missing = [name for name in ENV_CREDENTIALS if not os.environ.get(name)]
    if missing:
        raise errors.ValueError(f"RMLab credentials not passed and not in the environment: set "
                                f"{', '.join(missing)} (or pass workgroup, username and password)")
    return tuple(os.environ[name] for name in ENV_CREDENTIALS)  # type: ignore[return-value]


def url_from(argument: Optional[str], env_names: Sequence[str]) -> str:
    if argument:
        return argument
    for name in env_names:
        if os.environ.get(name):
            return os.environ[name]
    return BaseURL


def scenario_id(scen_id: ScenarioId) -> int:
    """Scenario ids as the server wants them (int); ``"3"`` from ``api.scenarios`` works too."""
    if isinstance(scen_id, bool) or not isinstance(scen_id, (int, str)):
        raise TypeError(f"scenario id must be an int (or a numeric string), got {type(scen_id).__name__}")
    if isinstance(scen_id, str):
        if not scen_id.strip().isdigit():
            raise errors.ValueError(f"scenario id must be numeric, got {scen_id!r}")
        return int(scen_id)
    if scen_id < 0:
        raise errors.ValueError(f"scenario id must not be negative, got {scen_id}")
    return scen_id


def chunks(values: Sequence[T], limit: Optional[int]) -> List[Sequence[T]]:
    """``values`` in slices of at most ``limit`` (every value kept, the last one included)."""
    if not limit or limit <= 0 or len(values) <= limit:
        return [values]
    return [values[start:start + limit] for start in range(0, len(values), limit)]


async def check_items_file(category: str, path: str) -> None:
    """Check a local item file off the event loop (once per unchanged file)."""
    await check_file("items", category, path)


async def check_model_file(kind: str, path: str) -> None:
    """Check a local model file off the event loop (once per unchanged file)."""
    await check_file("model", kind, path)


def _numeric_first(key: str) -> Tuple[int, Any]:
    return (0, int(key)) if key.isdigit() else (1, key)


class _Scenarios:
    """``api.scenarios`` (this session's) and ``API.scenarios`` (the latest open session's):
    the scenario ids as strings, in numeric order."""

    def __get__(self, instance: Any, owner: type) -> List[str]:
        holder = instance if instance is not None else owner._latest_session()
        transport = getattr(holder, "_transport", None) if holder is not None else None
        scenarios = transport.credentials.get("scenarios") if transport is not None else None
        if scenarios is None:
            raise errors.ValueError("Scenarios not initialized (enter `async with API(...) as api:` first)")
        return sorted((str(k) for k in scenarios), key=_numeric_first)


class APIBaseInternal:
    """Session handling shared by every API mixin (use it as ``async with``)."""

    scenarios = _Scenarios()
    _latest: ClassVar[Optional["weakref.ReferenceType[APIBaseInternal]"]] = None

    def __init__(self, workgroup: Optional[str] = None, username: Optional[str] = None,
                 password: Optional[str] = None, app_url: Optional[str] = None, admin_url: Optional[str] = None,
                 *, max_concurrency: int = DEFAULT_MAX_CONCURRENCY, verify: Union[bool, str] = True,
                 retries: Any = None) -> None:
        self._workgroup, self._username, self._password = credentials_from(workgroup, username, password)
        self.app_url = url_from(app_url, ENV_APP_URL)
        self.admin_url = url_from(admin_url, ENV_ADMIN_URL)
        if max_concurrency < 1:
            raise errors.ValueError("max_concurrency must be at least 1")
        self.max_concurrency = max_concurrency
        self._verify = verify
        self._retries = retries
        self._transport: Optional[Transport] = None

    def __repr__(self) -> str:
        state = "open" if self._transport is not None else "closed"
        return (f"<{type(self).__name__} workgroup={self._workgroup!r} username={self._username!r} "
                f"app_url={self.app_url!r} {state}>")

    @classmethod
    def _latest_session(cls) -> Optional["APIBaseInternal"]:
        ref = APIBaseInternal._latest
        return ref() if ref is not None else None

    async def __aenter__(self) -> Any:
        if self._transport is not None:
            raise errors.LogicError("this API session is already open")
        transport = Transport(self.app_url, self.admin_url, workgroup=self._workgroup, username=self._username,
                              password=self._password, client_version=CLIENT_VERSION,
                              max_concurrency=self.max_concurrency, verify=self._verify, retries=self._retries)
        try:
            await transport.open()
        except BaseException:
            await transport.close(logout=bool(transport.credentials))
            raise
        self._transport = transport
        APIBaseInternal._latest = weakref.ref(self)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        transport, self._transport = self._transport, None
        if APIBaseInternal._latest is not None and APIBaseInternal._latest() is self:
            APIBaseInternal._latest = None
        if transport is not None:
            await transport.close()

    # ------------------------------------------------------------------ helpers for mixins
    def _session(self) -> Transport:
        if self._transport is None:
            raise errors.LogicError("not logged in: use `async with API(...) as api:` around server calls")
        return self._transport

    async def _submit_call(self, endpoint_id: str, **kwargs: Any) -> Any:
        """Call a discovered endpoint with keyword arguments (an operation is followed to its end)."""
        return await self._session().call(endpoint_id, **kwargs)

    def _limit_of(self, endpoint_id: str, argument: str) -> Optional[int]:
        return self._session().endpoint(endpoint_id).arguments.limit_of(argument)

    @staticmethod
    async def _gather(calls: Iterable[Any]) -> List[Any]:
        """Await calls together (the session's pool bounds how many run at once)."""
        return list(await asyncio.gather(*calls))
