"""A process that checks upload files for :mod:`rmlab._api.checks` (``python -m rmlab._api.checkworker``).

Reads one JSON request per line on stdin, ``{"what": "items"|"model", "kind": ..., "path": ...}``,
and answers one JSON line on stdout: ``{"ok": true}``, or the error (a
:class:`~rmlab.errors.DataValidationError` with its source, line, field and path, a missing
file, or anything else as text). Ends at end of input, i.e. when the parent goes away.

It exists so that parsing several large files (json.loads of 1 MiB holds the interpreter lock
for ~30 ms) uses more than one core; it is started as a fresh interpreter, so it never imports
the caller's ``__main__`` and is never forked from a process with threads.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Dict

from .filecheck import check_file


def answer(request: Dict[str, Any]) -> Dict[str, Any]:
    from ..errors import DataValidationError
    try:
        check_file(str(request["what"]), str(request["kind"]), str(request["path"]))
    except DataValidationError as exc:
        return {"error": "DataValidationError", "reason": exc.reason, "source": exc.source, "line": exc.line,
                "field": exc.field, "path": list(exc.path) if exc.path is not None else None}
    except FileNotFoundError as exc:
        return {"error": "FileNotFoundError", "message": str(exc)}
    except Exception as exc:  # reported as text; the parent checks again itself to raise the real thing
        return {"error": "other", "message": f"{type(exc).__name__}: {exc}"}
    return {"ok": True}


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    for line in stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except ValueError as exc:
            reply = {"error": "other", "message": f"bad request: {exc}"}
        stdout.write(json.dumps(reply).encode("ascii") + b"\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
