"""The emulator's ``/utilities`` endpoints: file operations on the virtual file system, answered
with the server's descriptions, status codes and error headers."""
from __future__ import annotations

import posixpath
from typing import Any, Callable, Optional

from werkzeug.wrappers import Request, Response

from ._http import Reply, is_true, json_response, validate_input
from .blobs import Blob
from .scheduler import parse_size
from .vfs import FsError, classify

TIMEOUT_ERROR = "Command has finished with timeout signal"


def head_or_tail(data: bytes, command: str, nbytes: Optional[str], nlines: Optional[str], reverse: bool) -> bytes:
    """GNU ``head``/``tail`` with ``--bytes``/``--lines`` (``-N`` for head, ``+N`` for tail when reversed)."""
    if nbytes:
        n = parse_size(nbytes)
        if command == "head":
            return data[:-n] if reverse and n else (b"" if reverse else data[:n])
        if reverse:
            return data[max(n - 1, 0):]
        return data[-n:] if n else b""
    n = parse_size(nlines or "10")
    lines = data.splitlines(keepends=True)
    if command == "head":
        chosen = (lines[:-n] if n else []) if reverse else lines[:n]
    else:
        chosen = lines[max(n - 1, 0):] if reverse else (lines[-n:] if n else [])
    return b"".join(chosen)


class UtilitiesHandlers:
    """Mixed into :class:`~firecrest.testing.emulator.FirecrestApp`."""

    max_file_size: int
    compress_timeout_bytes: Optional[int]

    def _fs_call(self, command: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except FsError as exc:
            message = str(exc)
            header, value = classify(message)
            raise Reply(400, {"description": f"Error on {command} operation", "error": message},
                        {header: value}) from None

    def _path_arg(self, request: Request, command: str, name: str = "targetPath") -> str:
        value = request.args.get(name) if request.method == "GET" else request.form.get(name)
        problem = validate_input(value)
        if problem:
            raise Reply(400, {"description": f"Error on {command} operation", "error": f"'{name}' {problem}"})
        return value  # type: ignore[return-value]

    def _ok(self, command: str, output: Any = "", status: int = 200, description: Optional[str] = None) -> Response:
        return json_response({"description": description or f"Success to {command} file.", "output": output}, status)

    def _subtree_size(self, fs: Any, path: str, user: str) -> int:
        node = fs.lookup(path, user, "tar")
        total = 0
        stack = [node]
        while stack:
            item = stack.pop()
            total += item.blob.size if item.kind == "-" else 0
            stack.extend(item.children.values())
        return total

    def _check_timeout(self, fs: Any, path: str, user: str, command: str) -> None:
        limit = self.compress_timeout_bytes
        if limit is None:
            return
        size = self._fs_call(command, lambda: self._subtree_size(fs, path, user))
        if size > limit:
            raise Reply(400, {"description": f"Error on {command} operation", "error": TIMEOUT_ERROR},
                        {"X-Timeout": TIMEOUT_ERROR})

    def utilities(self, request: Request, command: str) -> Response:
        cluster = self.machine(request, f"Error on {command} operation")  # type: ignore[attr-defined]
        fs, user = cluster.fs, request.environ["firecrest.user"]
        home = f"/home/{user}"

        def where(p: str) -> str:
            return fs.absolute(p, home)

        if command == "whoami":
            if is_true(request.args.get("groups")):
                users = fs.users
                primary = users.primary.get(user, user)
                output: Any = {"user": {"name": user, "id": str(users.uids.get(user, 0))},
                               "group": {"name": primary, "id": str(users.gids.get(primary, 0))},
                               "groups": [{"name": g, "id": str(users.gids.get(g, 0))} for g in users.groups_of(user)]}
            else:
                output = user
            return self._ok(command, output, description="User information")
        if command == "download":
            return self._download(request, fs, user, where)
        if command == "upload":
            return self._upload(request, fs, user, where)
        target = where(self._path_arg(request, command))
        if command == "ls":
            entries = self._fs_call(command, lambda: fs.ls(target, user, is_true(request.args.get("showhidden")),
                                                            is_true(request.args.get("recursive")),
                                                            is_true(request.args.get("numericUid"))))
            size, number = request.args.get("pageSize"), request.args.get("pageNumber")
            if size and number and size.isdigit() and number.isdigit() and int(size) > 0:
                first = (int(number) - 1) * int(size)
                if 0 <= first < len(entries):
                    entries = entries[first:first + int(size)]
            return self._ok(command, entries, description="List of contents")
        if command == "mkdir":
            self._fs_call(command, lambda: fs.mkdir(target, user, parents="p" in request.form))
            return self._ok(command, status=201)
        if command in ("rename", "copy", "compress", "extract"):
            source = where(self._path_arg(request, command, "sourcePath"))
            if command == "rename":
                self._fs_call(command, lambda: fs.rename(source, target, user))
                return self._ok(command)
            if command == "copy":
                self._fs_call(command, lambda: fs.copy(source, target, user))
                return self._ok(command, status=201)
            self._check_timeout(fs, source, user, command)
            if command == "compress":
                deref = is_true(request.form.get("dereference"))
                self._fs_call(command, lambda: fs.compress(source, target, user, deref))
            else:
                extension = request.form.get("extension") or request.form.get("type") or "auto"
                self._fs_call(command, lambda: fs.extract(source, target, user, extension))
            return self._ok(command, status=201)
        if command == "chmod":
            mode = request.form.get("mode")
            problem = validate_input(mode)
            if problem:
                raise Reply(400, {"description": "Error on chmod operation", "error": f"'mode' {problem}"})
            text = self._fs_call(command, lambda: fs.chmod(target, mode, user))
            return self._ok(command, text, description="Success to chmod file or directory.")
        if command == "chown":
            owner, group = request.form.get("owner", ""), request.form.get("group", "")
            if not owner and not group:
                raise Reply(400, {"description": "Error in chown operation", "error": "group or owner must be set"})
            if validate_input(owner + group):
                raise Reply(400, {"description": "Error in chown operation",
                                  "error": f"group or owner {validate_input(owner + group)}"})
            text = self._fs_call(command, lambda: fs.chown(target, owner, group, user))
            return self._ok(command, text, description="Success to chown file or directory.")
        if command == "file":
            return self._ok(command, self._fs_call(command, lambda: fs.file_type(target, user)))
        if command == "stat":
            deref = is_true(request.args.get("dereference"))
            return self._ok(command, self._fs_call(command, lambda: fs.stat(target, user, deref)))
        if command == "symlink":
            link = request.form.get("linkPath")
            if validate_input(link):
                raise Reply(400, {"description": "Failed to create symlink",
                                  "error": f"'linkPath' value {validate_input(link)}"})
            self._fs_call(command, lambda: fs.symlink(request.form["targetPath"], where(link), user))
            return self._ok(command, status=201)
        if command == "rm":
            self._fs_call(command, lambda: fs.remove(target, user))
            return json_response(None, 204)
        if command == "checksum":
            return self._ok(command, self._fs_call(command, lambda: fs.checksum(target, user)))
        if command in ("head", "tail", "view"):
            return self._head_tail(request, command, fs, user, target)
        raise Reply(404, {"message": "no Route matched with those values"})

    def _head_tail(self, request: Request, command: str, fs: Any, user: str, target: str) -> Response:
        if command == "view":
            size = self._fs_call(command, lambda: fs.size(target, user))
            if size > self.max_file_size and not fs.is_dir(target, user):
                raise Reply(400, {"description": "Failed to view file content"},
                            {"X-Size-Limit": "File exceeds size limit"})
            blob = self._fs_call(command, lambda: self._read(fs, target, user, "head"))
            return self._ok("head", blob.read(0, self.max_file_size).decode("utf-8", "replace"))
        nbytes, nlines = request.args.get("bytes"), request.args.get("lines")
        if nbytes and nlines:
            raise Reply(400, {"description": f"Error on {command} operation",
                              "error": "Can not specify both 'bytes' and 'lines'"})
        for name, value in (("bytes", nbytes), ("lines", nlines)):
            if value is not None and validate_input(value):
                raise Reply(400, {"description": f"Error on {command} operation",
                                  "error": f"'{name}' {validate_input(value)}"})
        reverse = is_true(request.args.get("skip_ending" if command == "head" else "skip_beginning"))
        blob = self._fs_call(command, lambda: self._read(fs, target, user, command))
        try:
            data = head_or_tail(blob.read(), command, nbytes, nlines, reverse)
        except ValueError:
            which = "bytes" if nbytes else "lines"
            raise Reply(400, {"description": f"Error on {command} operation",
                              "error": f"{command}: invalid number of {which}"},
                        {"X-Error": f"{command}: invalid number of {which}"}) from None
        data = data[:self.max_file_size] if command == "head" else data[-self.max_file_size:]
        return self._ok(command, data.decode("utf-8", "replace"))

    @staticmethod
    def _read(fs: Any, target: str, user: str, command: str) -> Blob:
        if fs.is_dir(target, user):
            raise FsError(f"{command}: error reading '{target}': Is a directory")
        return fs.read(target, user, command)

    def _download(self, request: Request, fs: Any, user: str, where: Callable[[str], str]) -> Response:
        source = where(self._path_arg(request, "fsize", "sourcePath"))
        size = self._fs_call("fsize", lambda: fs.size(source, user))
        if size > self.max_file_size:
            raise Reply(400, {"description": "Failed to download file"}, {"X-Size-Limit": "File exceeds size limit"})
        blob = self._fs_call("base64", lambda: self._read(fs, source, user, "base64"))
        name = posixpath.basename(source)
        return Response(blob.read(), mimetype="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename={name}"})

    def _upload(self, request: Request, fs: Any, user: str, where: Callable[[str], str]) -> Response:
        if request.content_length and request.content_length > self.max_file_size + 64 * 1024:
            raise Reply(413, {"description": f"Failed to upload file. The file is over {self.max_file_size} bytes"})
        target = where(self._path_arg(request, "upload"))
        upload = request.files.get("file")
        if upload is None:
            raise Reply(400, {"description": "Failed to upload file", "error": "No file in query"})
        if validate_input(upload.filename):
            raise Reply(400, {"description": "Failed to upload file", "error": f"Filename {validate_input(upload.filename)}"})
        blob = Blob.from_stream(upload.stream, fs.spool_dir, limit=self.max_file_size + 1)
        if blob.size > self.max_file_size:
            raise Reply(413, {"description": f"Failed to upload file. The file is over {self.max_file_size} bytes"})
        path = posixpath.join(target, upload.filename)
        self._fs_call("upload", lambda: self._write_into_dir(fs, target, path, user, blob))
        return self._ok("upload", status=201, description="File upload successful")

    @staticmethod
    def _write_into_dir(fs: Any, directory: str, path: str, user: str, blob: Blob) -> None:
        node = fs.lookup(directory, user, "cat")
        if node.kind != "d":
            raise FsError(f"cat: '{path}': Not a directory")
        fs.write(path, user, blob)
