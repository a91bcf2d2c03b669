"""Masking of secrets in URLs, headers and log records.

One place decides what counts as secret, so logs, reprs and exception messages of every
client agree.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

SENSITIVE_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
    "apikey", "x-auth-token", "x-access-token", "x-amz-security-token", "x-csrftoken",
})

# Query parameter names whose values are secrets (access_token, client_secret, X-Amz-Signature, ...).
_SENSITIVE_PARAM = re.compile(
    r"(token|secret|passw|pwd|api[-_]?key|apikey|signature|sig$|credential|session|auth|code$)", re.I)
_URLISH = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
# A query pair anywhere in free text, also in URLs without a scheme ("url: /x?access_token=...").
_QUERY_PAIR = re.compile(r"([?&;])([^=&\s?#'\"<>]+)=([^&\s#'\"<>)]*)")


def is_sensitive_param(name: str) -> bool:
    return bool(_SENSITIVE_PARAM.search(name))


def mask_url(url: Any) -> str:
    """``url`` with any userinfo password and secret query values replaced by ``***``."""
    text = str(url)
    if "@" not in text and "?" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_sensitive_param(k) for k, _ in pairs):
            query = urlencode([(k, MASK if is_sensitive_param(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_text(text: str) -> str:
    """Mask every URL found inside free text (e.g. a urllib3 log line or exception message),
    and secret query values even where the URL has no scheme (``/path?access_token=...``)."""
    if "://" in text:
        text = _URLISH.sub(lambda m: mask_url(m.group(0)), text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}" if is_sensitive_param(m.group(2))
                               else m.group(0), text)
    return text


def mask_headers(headers: Mapping[str, Any]) -> dict:
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def mask_params(params: Any) -> Any:
    if isinstance(params, Mapping):
        return {k: (MASK if is_sensitive_param(str(k)) else v) for k, v in params.items()}
    return params


class RedactingFilter(logging.Filter):
    """Masks URLs and query secrets in records of loggers we do not own (urllib3)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_installed = False


def install_third_party_redaction() -> None:
    """Attach the redacting filter to urllib3's loggers once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    flt = RedactingFilter()
    for name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry"):
        logging.getLogger(name).addFilter(flt)
