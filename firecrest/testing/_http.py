"""Small HTTP helpers shared by the emulator's handlers."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional

from werkzeug.wrappers import Response

#: Characters the FirecREST server refuses in user input (they would reach a shell).
FORBIDDEN_INPUT = re.compile(r"[|<>\"'\\&;`$]")


class Reply(Exception):
    """Raised by a handler to answer at once."""

    def __init__(self, status: int, body: Any = None, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}

    def response(self) -> Response:
        return json_response(self.body, self.status, self.headers)


def json_response(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    if status == 204 or body is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def validate_input(text: Optional[str]) -> str:
    """The server's input check: ``""`` when fine, else why not."""
    if text is None:
        return "not specified"
    if text == "":
        return "is empty"
    if FORBIDDEN_INPUT.search(text):
        return "has invalid char"
    return ""


def is_true(value: Optional[str]) -> bool:
    """The server's reading of a boolean parameter."""
    return str(value).strip().lower() in ("true", "1", "yes", "y", "on") if value is not None else False
