"""A OneData provider's CDMI interface (the part oscar_python's ``onedata`` provider uses).

    with OnedataEmulator(space="my-space") as od:
        creds = od.credentials()     # {"oneprovider_host": ..., "token": ..., "space": ...}

* ``PUT /cdmi/<space>/<dir>/`` with ``Content-Type: application/cdmi-container`` creates a
  folder (201; 409 if present; 404 when the parent is missing);
* ``PUT /cdmi/<space>/<file>`` with any other type stores the body (201 new, 204 replaced);
* ``GET .../<dir>/`` (CDMI) lists ``children``; ``GET .../<file>`` returns the bytes
  (``Range`` honoured); ``DELETE`` removes (204).

Every request needs ``X-Auth-Token``; container operations need
``X-CDMI-Specification-Version``.
"""
from __future__ import annotations

import json
import secrets
import threading
from typing import Any, Callable, Dict, Iterable, Optional

from werkzeug.wrappers import Request, Response

from archfx_cloud.testing.server import LocalServer

__all__ = ["OnedataApp", "OnedataEmulator"]

CONTAINER = "application/cdmi-container"


class OnedataApp:
    """In-memory spaces: ``{space: {"dir/": None, "dir/file": b"..."}}``."""

    def __init__(self, token: str, spaces: Iterable[str] = ("space",)) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.spaces: Dict[str, Dict[str, Optional[bytes]]] = {s: {} for s in spaces}

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        if not secrets.compare_digest(request.headers.get("X-Auth-Token", "").encode(), self.token.encode()):
            return Response("Invalid token", status=401, mimetype="text/plain")
        path = request.path
        if not path.startswith("/cdmi/"):
            return Response("Not found", status=404, mimetype="text/plain")
        space, _, rest = path[len("/cdmi/"):].partition("/")
        files = self.spaces.get(space)
        if files is None:
            return Response("Space not found", status=404, mimetype="text/plain")
        is_dir = path.endswith("/")
        if "//" in path:
            return Response("Invalid path", status=400, mimetype="text/plain")
        with self.lock:
            if request.method == "PUT":
                return self._put(request, files, rest, is_dir)
            if request.method == "GET":
                return self._get(request, space, files, rest, is_dir)
            if request.method == "DELETE":
                return self._delete(files, rest, is_dir)
        return Response("Method not allowed", status=405, mimetype="text/plain")

    @staticmethod
    def _parent_exists(files: Dict[str, Optional[bytes]], rest: str) -> bool:
        parent = rest.rstrip("/").rpartition("/")[0]
        return not parent or parent + "/" in files

    def _put(self, request: Request, files: Dict[str, Optional[bytes]], rest: str, is_dir: bool) -> Response:
        if not rest:
            return Response("Cannot replace the space", status=409, mimetype="text/plain")
        if not self._parent_exists(files, rest):
            return Response("Parent folder not found", status=404, mimetype="text/plain")
        if is_dir:
            if request.content_type.split(";")[0] != CONTAINER or "X-CDMI-Specification-Version" not in request.headers:
                return Response("Containers need the CDMI content type and version header", status=400)
            if rest in files:
                return Response("Already exists", status=409, mimetype="text/plain")
            files[rest] = None
            body = {"objectType": CONTAINER, "objectName": rest.rstrip("/").rpartition("/")[2] + "/",
                    "children": []}
            return Response(json.dumps(body), status=201, mimetype=CONTAINER)
        if rest + "/" in files:
            return Response("A folder has that name", status=409, mimetype="text/plain")
        existed = rest in files
        files[rest] = request.get_data()
        return Response(status=204 if existed else 201)

    def _get(self, request: Request, space: str, files: Dict[str, Optional[bytes]], rest: str,
             is_dir: bool) -> Response:
        if is_dir:
            if rest and rest not in files:
                return Response("Not found", status=404, mimetype="text/plain")
            children = sorted(
                key[len(rest):] for key in files
                if key.startswith(rest) and key != rest and "/" not in key[len(rest):].rstrip("/"))
            body = {"objectType": CONTAINER, "objectName": (rest.rstrip("/").rpartition("/")[2] or space) + "/",
                    "childrenrange": f"0-{len(children) - 1}" if children else "", "children": children}
            return Response(json.dumps(body), status=200, mimetype=CONTAINER)
        data = files.get(rest)
        if data is None:
            return Response("Not found", status=404, mimetype="text/plain")
        response = Response(data, status=200, mimetype="application/octet-stream")
        response.headers["Accept-Ranges"] = "bytes"
        if request.range is not None:
            return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
        return response

    @staticmethod
    def _delete(files: Dict[str, Optional[bytes]], rest: str, is_dir: bool) -> Response:
        key = rest if not is_dir else rest
        if key not in files:
            return Response("Not found", status=404, mimetype="text/plain")
        if is_dir:
            for child in [k for k in files if k.startswith(key)]:
                del files[child]
        else:
            del files[key]
        return Response(status=204)


class OnedataEmulator:
    """The CDMI app on a real local HTTP server."""

    def __init__(self, space: str = "space", token: Optional[str] = None) -> None:
        self.space = space
        self.token = token or secrets.token_urlsafe(24)
        self.app = OnedataApp(self.token, (space,))
        self._server = LocalServer(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    def credentials(self) -> Dict[str, str]:
        """A ``storage_providers.onedata.<name>`` entry pointing here."""
        return {"oneprovider_host": self.url, "token": self.token, "space": self.space}

    def start(self) -> "OnedataEmulator":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> "OnedataEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
