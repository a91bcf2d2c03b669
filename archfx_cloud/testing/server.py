"""Serve any WSGI app on 127.0.0.1 in a background thread, over real sockets.

    with LocalServer(app) as server:
        requests.get(server.url + "/ping")

A small HTTP/1.1 server of our own (on ``http.server``) rather than werkzeug's development
server, because that one closes the connection after every response: clients here are
measured and tested with keep-alive connections, and fault injection needs to be able to
drop a connection at a chosen moment (``environ["harness.abort"]()``).
"""
from __future__ import annotations

import http.server
import io
import logging
import socket
import socketserver
import ssl
import sys
import threading
from typing import Any, Callable, Iterable, List, Optional, Tuple
from urllib.parse import unquote_to_bytes

log = logging.getLogger("archfx_cloud.testing")

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


class ConnectionAborted(Exception):
    """Raised inside the app (by ``environ["harness.abort"]``) to drop the connection."""


class _ChunkedReader(io.RawIOBase):
    """``wsgi.input`` for a chunked request body."""

    def __init__(self, rfile: Any) -> None:
        super().__init__()
        self._rfile = rfile
        self._left = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._eof:
            return 0
        if self._left == 0:
            line = self._rfile.readline(65537)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self._rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                self._eof = True
                return 0
            self._left = size
        data = self._rfile.read(min(len(buffer), self._left))
        if not data:
            raise ConnectionError("client closed the connection inside a chunked body")
        self._left -= len(data)
        if self._left == 0:
            self._rfile.readline(3)
        buffer[:len(data)] = data
        return len(data)


class _LimitedReader(io.RawIOBase):
    """``wsgi.input`` that never reads past Content-Length (keep-alive needs that)."""

    def __init__(self, rfile: Any, length: int) -> None:
        super().__init__()
        self._rfile = rfile
        self.left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            return 0
        # straight into the caller's buffer: a large body is neither allocated nor copied twice
        count = self._rfile.readinto(memoryview(buffer)[:min(len(buffer), self.left)])
        self.left -= count
        return count


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "archfx-testing/1"
    rbufsize = 64 * 1024
    wbufsize = 0
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (ConnectionError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        try:
            self._run_wsgi()
        except ConnectionAborted:
            self._abort()
        except (ConnectionError, BrokenPipeError, socket.timeout, ssl.SSLError):
            self.close_connection = True

    def _abort(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _environ(self) -> Tuple[dict, io.RawIOBase]:
        path, _, query = self.path.partition("?")
        if path.startswith(("http://", "https://")):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        length = self.headers.get("Content-Length")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body: io.RawIOBase = _ChunkedReader(self.rfile)
        else:
            body = _LimitedReader(self.rfile, int(length) if length and length.isdigit() else 0)
        host, port = self.server.server_address[:2]
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if self.server.tls else "http",  # type: ignore[attr-defined]
            "wsgi.input": io.BufferedReader(body, 64 * 1024),
            "wsgi.input_terminated": isinstance(body, _ChunkedReader),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "harness.abort": self._raise_abort,
            "harness.server": self.server,
        }
        if self.headers.get("Content-Type"):
            environ["CONTENT_TYPE"] = self.headers["Content-Type"]
        if length:
            environ["CONTENT_LENGTH"] = length
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        return environ, body

    @staticmethod
    def _raise_abort() -> None:
        raise ConnectionAborted()

    def _run_wsgi(self) -> None:
        environ, body = self._environ()
        state: dict = {"status": None, "headers": None, "sent": False, "chunked": False}
        head_only = self.command == "HEAD"

        def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            if exc_info and state["sent"]:
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return write

        def send_head() -> None:
            code = int(state["status"].split(" ", 1)[0])
            self.send_response_only(code, state["status"].split(" ", 1)[1] if " " in state["status"] else "")
            names = set()
            for key, value in state["headers"]:
                self.send_header(key, value)
                names.add(key.lower())
            if "content-length" not in names and not (code < 200 or code in (204, 304) or head_only):
                self.send_header("Transfer-Encoding", "chunked")
                state["chunked"] = True
            if "date" not in names:
                self.send_header("Date", self.date_time_string())
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            state["sent"] = True

        def write(data: bytes) -> None:
            if not state["sent"]:
                send_head()
            if not data or head_only:
                return
            if state["chunked"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)

        result = self.server.app(environ, start_response)  # type: ignore[attr-defined]
        try:
            for data in result:
                write(data)
            if not state["sent"]:
                if state["status"] is None:
                    raise RuntimeError("WSGI app returned without calling start_response")
                send_head()
            if state["chunked"]:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        # Keep the connection usable: consume what the app did not read of the body.
        try:
            while body.read(64 * 1024):
                pass
        except (OSError, ValueError):
            self.close_connection = True


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set = set()
        self._lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop idle keep-alive connections so handler threads end with the server."""
        with self._lock:
            open_now = list(self.connections)
        for sock in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("error serving %s", client_address, exc_info=True)


class LocalServer:
    """A WSGI app on ``127.0.0.1`` at a free port (or ``port``), in a daemon thread.

    ``url`` is the server's root (``http://127.0.0.1:<port>``). ``ssl_context`` serves HTTPS.
    ``stop()`` (or leaving the ``with`` block) shuts the listener down and joins the thread.
    """

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self.ssl_context = ssl_context
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._last_port: Optional[int] = None

    @property
    def port(self) -> int:
        """The port being served (after ``stop()``, the one that was served)."""
        if self._server is not None:
            return self._server.server_address[1]
        if self._last_port is None:
            raise RuntimeError("server was never started")
        return self._last_port

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> "LocalServer":
        if self._server is not None:
            return self
        server = _Server((self.host, self._requested_port), _Handler)
        server.app = self.app  # type: ignore[attr-defined]
        server.tls = self.ssl_context is not None  # type: ignore[attr-defined]
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True,
                                                         do_handshake_on_connect=False)
        self._server = server
        self._last_port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"LocalServer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<LocalServer {state}>"


def serve(app: WSGIApp, **kwargs: Any) -> LocalServer:
    """Start ``app`` and return the running server (call ``stop()`` when done)."""
    return LocalServer(app, **kwargs).start()


class ServedApp:
    """Base of every emulator: a WSGI ``app`` and the :class:`LocalServer` that serves it.

    Subclasses build their app and call ``super().__init__(app, ...)``; they get ``url``,
    ``start()``/``stop()``, context-manager use and a repr for free.
    """

    def __init__(self, app: WSGIApp, **server_kwargs: Any) -> None:
        self.app = app
        self.server = LocalServer(app, **server_kwargs)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "ServedApp":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self):  # type: ignore[no-untyped-def]  # returns the subclass instance
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.server!r}>"
