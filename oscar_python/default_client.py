"""What every OSCAR client shares: the connection and ``run_service``.

``run_service`` posts to ``/run/<svc>`` (synchronous) or ``/job/<svc>`` (``async_call=True``)
with ``Authorization: Bearer <token>``: the ``token`` given, else the service's own token
(basic-auth clients read it from the service definition), else the user's OIDC token.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Set, Union

from archfx_cloud.api.auth import TokenAuth
from archfx_cloud.api.exceptions import RequestsResponse as Response
from archfx_cloud.api.sentinels import UNSET

from ._auth import bearer
from ._options import check_mapping, parse_ssl, require
from ._transport import OscarRestClient
from .exceptions import OptionsError, OscarAuthError
from .invocation import decode_output, parse_headers, prepare_input, write_atomic

__all__ = ["DefaultClient", "_RUN_PATH", "_JOB_PATH", "_POST"]

_RUN_PATH = "/run"
_JOB_PATH = "/job"
_POST = "post"

log = logging.getLogger("oscar_python")


class DefaultClient:
    """Base of :class:`~oscar_python.client.Client` and :class:`~oscar_python.client_anon.AnonymousClient`.

    Subclasses set ``_AUTH_TYPE``, build ``self._auth`` and provide ``_get_token(svc)``.
    """

    _AUTH_TYPE = ""
    _auth: Any = None

    def __init__(self, options: Dict[str, Any]) -> None:
        options = check_mapping(options)
        require(options, "cluster_id", "endpoint")
        self.options = options
        self.id: str = str(options["cluster_id"])
        self.endpoint: str = str(options["endpoint"])
        self.ssl: Union[bool, str] = parse_ssl(options.get("ssl", True))
        timeout = options.get("timeout")
        try:
            self._api = OscarRestClient(self.endpoint, verify=self.ssl,
                                        timeout=float(timeout) if timeout is not None else (10.0, 60.0),
                                        retries=options.get("retries"))
        except ValueError as exc:
            raise OptionsError(f"option 'endpoint': {exc}") from exc

    # ------------------------------------------------------------------ plumbing
    @property
    def api(self) -> OscarRestClient:
        """The shared-core client for this cluster (for calls this class has no method for)."""
        return self._api

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> "DefaultClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r} {self._api.masked(self.endpoint)} auth={self._AUTH_TYPE}>"

    def _get_token(self, svc: str) -> str:  # pragma: no cover - every subclass overrides it
        raise OscarAuthError(f"{type(self).__name__} cannot find a token for service {svc!r}; pass token=")

    def _invocation_auth(self, svc: str, token: Optional[str]) -> TokenAuth:
        return bearer(token if token else self._get_token(svc))

    # ------------------------------------------------------------------ invocations
    def run_service(self, name: str, *, input: Any = None, output: Optional[str] = None,
                    timeout: Optional[float] = None, async_call: bool = False, token: Optional[str] = None,
                    headers: Union[None, str, Dict[str, str]] = None, output_mode: str = "auto",
                    progress: Any = None, find_job: Optional[bool] = None) -> Response:
        """Invoke service ``name``; returns the ``requests.Response``.

        ``input``: a dict (sent as JSON), text (any Unicode), bytes, a file path or a binary
        file object (base64-encoded and streamed in bounded memory). ``output``: a path the
        service's answer is written to, atomically, decoded per ``output_mode``
        (``"auto"``/``"raw"``/``"base64"``; see :mod:`oscar_python.invocation`); it is ignored
        for asynchronous calls, whose answer is empty.
        ``async_call=True`` posts to ``/job``; OSCAR answers 201 with no job id, so the client
        finds the new job by listing the service's jobs before and after (``find_job``, on by
        default when the client may list jobs) and sets ``response.job_name`` (``None`` when
        it could not tell).
        """
        auth = self._invocation_auth(name, token)
        body, hdrs, opened = prepare_input(input, progress)
        hdrs.update(parse_headers(headers))
        resource = self._api.job(name) if async_call else self._api.run(name)
        if find_job is None:
            find_job = self._can_list_jobs()
        before: Optional[Set[str]] = self._job_names_or_none(name) if async_call and find_job else None
        try:
            response = self._api.request("POST", resource.url(), raw=True, body=body if body is not None else UNSET,
                                         headers=hdrs, auth=auth, timeout=timeout if timeout is not None else UNSET)
        finally:
            if opened is not None:
                opened.close()
            meter = getattr(body, "progress", None)
            if meter is not None:
                meter.close()
        if output is not None and not async_call:  # a job's output goes to its storage, not here
            write_atomic(output, decode_output(response.content, output_mode, str(output)))
        if async_call:
            response.job_name = self._new_job(name, before) if before is not None else None  # type: ignore[attr-defined]
        return response

    # Job discovery is only possible for clients that may list jobs (see Client).
    def _can_list_jobs(self) -> bool:
        return False

    def _job_names_or_none(self, svc: str) -> Optional[Set[str]]:
        jobs = self._jobs_info_or_none(svc)
        return set(jobs) if jobs is not None else None

    def _new_job(self, svc: str, before: Set[str]) -> Optional[str]:
        after = self._jobs_info_or_none(svc)
        if after is None:
            return None
        new = {name: info for name, info in after.items() if name not in before}
        if not new:
            return None
        return max(new, key=lambda n: (str(new[n].get("creation_time") or ""), n))

    def _jobs_info_or_none(self, svc: str) -> Optional[Dict[str, Dict[str, Any]]]:
        """Every job of ``svc`` (name -> info), or None when this client cannot list them."""
        return None
