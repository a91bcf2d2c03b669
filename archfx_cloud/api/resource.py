"""Attribute chaining: ``client.org("x").devices.get(page=2)``.

A :class:`Resource` is a client plus a tuple of already-quoted path segments; it holds no other
state, so a chain is cheap and safe to share between threads. The same class serves the sync
and the async client: verbs return whatever the client's ``request`` returns (a value or a
coroutine).

Verbs take the body positionally and query parameters as keywords. Keywords that steer the
call instead of the query: ``headers``, ``timeout``, ``raw`` (return the ``requests.Response``),
``params`` (extra query parameters, for names that clash with these), ``files``,
``body_format`` and ``retry_safe``.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from .redact import mask_url
from .sentinels import UNSET as _UNSET
from .urls import quote_segment


def _query(params: Optional[Mapping[str, Any]], query: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if params:
        merged = dict(params)
        merged.update(query)
        return merged
    return query or None


class Resource:
    """One URL of a REST API, reached by chaining."""

    __slots__ = ("_client", "_segments")

    def __init__(self, client: Any, segments: Tuple[str, ...] = ()) -> None:
        self._client = client
        self._segments = segments

    def _child(self, *segments: str) -> "Resource":
        return type(self)(self._client, self._segments + segments)

    def __getattr__(self, name: str) -> "Resource":
        if name.startswith("_"):
            raise AttributeError(name)
        return self._child(quote_segment(name))

    def __getitem__(self, name: Any) -> "Resource":
        return self._child(quote_segment(name))

    def __call__(self, id: Any = None, *more: Any) -> "Resource":
        """``resource(id)`` appends one id segment (``0`` included; ``None`` appends nothing)."""
        segments = tuple(quote_segment(v) for v in (id, *more) if v is not None)
        return self._child(*segments) if segments else self

    def url(self) -> str:
        return self._client.url_for(self._segments)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {mask_url(self.url())}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and other._client is self._client and other._segments == self._segments

    def __hash__(self) -> int:
        return hash((id(self._client), self._segments))

    # ------------------------------------------------------------------ verbs
    def request(self, method: str, data: Any = None, *, params: Optional[Mapping[str, Any]] = None,
                **kwargs: Any) -> Any:
        """Any method; control keywords as for the verbs, no query keywords."""
        return self._client.request(method, self.url(), params=params, data=data, **kwargs)

    def get(self, *, headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET, raw: bool = False,
            params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        return self._client.request("GET", self.url(), params=_query(params, query), headers=headers,
                                    timeout=timeout, raw=raw)

    def head(self, *, headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET,
             params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        return self._client.request("HEAD", self.url(), params=_query(params, query), headers=headers,
                                    timeout=timeout, raw=True)

    def _with_body(self, method: str, data: Any, files: Any, body_format: Optional[str],
                   headers: Optional[Mapping[str, str]], timeout: Any, raw: bool,
                   params: Optional[Mapping[str, Any]], retry_safe: bool, query: Dict[str, Any]) -> Any:
        return self._client.request(method, self.url(), params=_query(params, query), data=data, files=files,
                                    body_format=body_format, headers=headers, timeout=timeout, raw=raw,
                                    retry_safe=retry_safe)

    def post(self, data: Any = None, *, files: Any = None, body_format: Optional[str] = None,
             headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET, raw: bool = False,
             params: Optional[Mapping[str, Any]] = None, retry_safe: bool = False, **query: Any) -> Any:
        return self._with_body("POST", data, files, body_format, headers, timeout, raw, params, retry_safe, query)

    def put(self, data: Any = None, *, files: Any = None, body_format: Optional[str] = None,
            headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET, raw: bool = False,
            params: Optional[Mapping[str, Any]] = None, retry_safe: bool = False, **query: Any) -> Any:
        return self._with_body("PUT", data, files, body_format, headers, timeout, raw, params, retry_safe, query)

    def patch(self, data: Any = None, *, files: Any = None, body_format: Optional[str] = None,
              headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET, raw: bool = False,
              params: Optional[Mapping[str, Any]] = None, retry_safe: bool = False, **query: Any) -> Any:
        return self._with_body("PATCH", data, files, body_format, headers, timeout, raw, params, retry_safe, query)

    def delete(self, data: Any = None, *, body_format: Optional[str] = None,
               headers: Optional[Mapping[str, str]] = None, timeout: Any = _UNSET, raw: bool = False,
               params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        return self._with_body("DELETE", data, None, body_format, headers, timeout, raw, params, False, query)

    # ------------------------------------------------------------------ helpers
    def iterate(self, *, paginator: Any = None, max_items: Optional[int] = None, max_pages: Optional[int] = None,
                headers: Optional[Mapping[str, str]] = None, params: Optional[Mapping[str, Any]] = None,
                **query: Any) -> Any:
        """Every item across pages (DRF ``count/next/results`` unless another paginator is given)."""
        kwargs: Dict[str, Any] = dict(params=_query(params, query), max_items=max_items, max_pages=max_pages,
                                      headers=headers)
        if paginator is not None:
            kwargs["paginator"] = paginator
        return self._client.iterate(self.url(), **kwargs)

    def download(self, dest: Any, **kwargs: Any) -> Any:
        """Stream this resource to ``dest`` (path or file object); see ``transfer.download``."""
        return self._client.download(self.url(), dest, **kwargs)

    def upload(self, source: Any, **kwargs: Any) -> Any:
        """Stream ``source`` to this resource; see ``transfer.upload``."""
        return self._client.upload(self.url(), source, **kwargs)
