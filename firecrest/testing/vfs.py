"""A small POSIX-like file system per emulated cluster: directories, files, symlinks, owners,
mode bits and the permission checks of a non-root user.

Failures raise :class:`FsError` with the message GNU coreutils would print (``mkdir: cannot
create directory 'x': File exists``); the emulator turns those into FirecREST's error headers
the way the real server does, by reading the message.
"""
from __future__ import annotations

import gzip
import bz2
import hashlib
import io
import itertools
import posixpath
import stat as stat_module
import tarfile
import threading
import time
import zipfile
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from .blobs import Blob

MAX_SYMLINKS = 40
DEV = 2049


class FsError(Exception):
    """A failed file operation, with coreutils' wording."""


class Users:
    """The cluster's users and groups."""

    def __init__(self, main_user: str = "test_user") -> None:
        self.uids: Dict[str, int] = {"root": 0, main_user: 1000, "other_user": 1001}
        self.gids: Dict[str, int] = {"root": 0, "users": 100, main_user: 1000, "other_user": 1001, "project": 2000}
        self.primary: Dict[str, str] = {"root": "root", main_user: main_user, "other_user": "other_user"}
        self.members: Dict[str, List[str]] = {"root": ["root"], main_user: [main_user, "users", "project"],
                                              "other_user": ["other_user", "users"]}

    def groups_of(self, user: str) -> List[str]:
        return self.members.get(user, [self.primary.get(user, user)])


class Node:
    __slots__ = ("kind", "mode", "owner", "group", "mtime", "atime", "ctime", "ino", "blob", "target", "children")

    _inodes = itertools.count(5000000)

    def __init__(self, kind: str, mode: int, owner: str, group: str) -> None:
        now = time.time()
        self.kind = kind  # "d", "-", "l"
        self.mode = mode
        self.owner = owner
        self.group = group
        self.mtime = self.atime = self.ctime = now
        self.ino = next(Node._inodes)
        self.blob: Blob = Blob.EMPTY
        self.target = ""
        self.children: Dict[str, "Node"] = {}

    @property
    def size(self) -> int:
        if self.kind == "d":
            return 4096
        if self.kind == "l":
            return len(self.target.encode())
        return self.blob.size

    def touch(self) -> None:
        self.mtime = self.ctime = time.time()

    def permissions(self) -> str:
        bits = "rwxrwxrwx"
        text = "".join(bits[i] if self.mode & (1 << (8 - i)) else "-" for i in range(9))
        if self.mode & stat_module.S_ISVTX:
            text = text[:8] + ("t" if self.mode & 0o001 else "T")
        return text

    def type_bits(self) -> int:
        return {"d": stat_module.S_IFDIR, "-": stat_module.S_IFREG, "l": stat_module.S_IFLNK}[self.kind]


def _q(path: str) -> str:
    return f"'{path}'"


class VirtualFS:
    """One cluster's file system, acting for one (non-root) user at a time."""

    def __init__(self, users: Users, spool_dir: Optional[str] = None) -> None:
        self.users = users
        self.spool_dir = spool_dir
        self.lock = threading.RLock()
        self.root = Node("d", 0o755, "root", "root")
        for directory, mode, owner in (("/home", 0o755, "root"), ("/scratch", 0o1777, "root"),
                                       ("/root", 0o700, "root"), ("/etc", 0o755, "root"), ("/tmp", 0o1777, "root")):
            self._force_dir(directory, mode, owner, owner)
        self.write_as_root("/etc/motd", b"Welcome to the emulated cluster.\n", 0o644)

    # ------------------------------------------------------------------ setup helpers
    def _force_dir(self, path: str, mode: int, owner: str, group: str) -> Node:
        node = self.root
        for part in [p for p in path.split("/") if p]:
            child = node.children.get(part)
            if child is None:
                child = Node("d", mode, owner, group)
                node.children[part] = child
            node = child
        return node

    def add_home(self, user: str) -> str:
        home = f"/home/{user}"
        group = self.users.primary.get(user, user)
        self._force_dir(home, 0o755, user, group)
        self._force_dir(f"/scratch/{user}", 0o750, user, group)
        return home

    def write_as_root(self, path: str, data: bytes, mode: int = 0o644) -> None:
        parent = self._force_dir(posixpath.dirname(path), 0o755, "root", "root")
        node = Node("-", mode, "root", "root")
        node.blob = Blob.of(data, self.spool_dir)
        parent.children[posixpath.basename(path)] = node

    # ------------------------------------------------------------------ permission checks
    def _can(self, node: Node, user: str, want: int) -> bool:
        """``want`` is 4 (read), 2 (write), 1 (execute/search)."""
        if user == "root":
            return True
        if node.owner == user:
            bits = node.mode >> 6
        elif node.group in self.users.groups_of(user):
            bits = node.mode >> 3
        else:
            bits = node.mode
        return (bits & want) == want

    # ------------------------------------------------------------------ path resolution
    @staticmethod
    def absolute(path: str, home: str) -> str:
        if not path.startswith("/"):
            path = posixpath.join(home, path)
        return path

    def _walk(self, path: str, user: str, follow_last: bool, cmd: str, depth: int = 0) -> Tuple[Optional[Node], Node, str]:
        """``(node or None, parent, name)``; errors for missing or unsearchable intermediate dirs."""
        if depth > MAX_SYMLINKS:
            raise FsError(f"{cmd}: cannot access {_q(path)}: Too many levels of symbolic links")
        parts = [p for p in path.split("/") if p not in ("", ".")]
        node = self.root
        parent = self.root
        name = ""
        trailing = path.endswith("/")
        stack: List[Node] = [self.root]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "..":
                if len(stack) > 1:
                    stack.pop()
                node = stack[-1]
                parent = stack[-2] if len(stack) > 1 else self.root
                name = ""
                continue
            if node.kind != "d":
                raise FsError(f"{cmd}: cannot access {_q(path)}: Not a directory")
            if not self._can(node, user, 1):
                raise FsError(f"{cmd}: cannot access {_q(path)}: Permission denied")
            parent = node
            name = part
            child = node.children.get(part)
            if child is None:
                if last:
                    return None, parent, name
                raise FsError(f"{cmd}: cannot access {_q(path)}: No such file or directory")
            if child.kind == "l" and (not last or follow_last or trailing):
                base = "/" + "/".join(p for p in self._path_of(stack)) if len(stack) > 1 else "/"
                target = child.target if child.target.startswith("/") else posixpath.join(base, child.target)
                rest = "/".join(parts[index + 1:])
                resolved = posixpath.join(target, rest) if rest else target
                if trailing and not resolved.endswith("/"):
                    resolved += "/"
                return self._walk(resolved, user, follow_last, cmd, depth + 1)
            node = child
            stack.append(child)
        if trailing and node.kind != "d":
            raise FsError(f"{cmd}: cannot access {_q(path)}: Not a directory")
        return node, parent, name

    def _path_of(self, stack: List[Node]) -> List[str]:
        names: List[str] = []
        for parent, child in zip(stack, stack[1:]):
            names.append(next(k for k, v in parent.children.items() if v is child))
        return names

    def lookup(self, path: str, user: str, cmd: str, follow: bool = True) -> Node:
        node, _, _ = self._walk(path, user, follow, cmd)
        if node is None:
            raise FsError(f"{cmd}: cannot access {_q(path)}: No such file or directory")
        return node

    def exists(self, path: str, user: str = "root") -> bool:
        try:
            self.lookup(path, user, "test")
            return True
        except FsError:
            return False

    # ------------------------------------------------------------------ listing and metadata
    def _entry(self, name: str, node: Node) -> Dict[str, str]:
        return {"name": name, "type": node.kind, "link_target": node.target if node.kind == "l" else "",
                "user": node.owner, "group": node.group, "permissions": node.permissions(),
                "last_modified": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(node.mtime)),
                "size": str(node.size)}

    def ls(self, path: str, user: str, show_hidden: bool = False, recursive: bool = False,
           numeric: bool = False) -> List[Dict[str, str]]:
        with self.lock:
            node = self.lookup(path, user, "ls", follow=path.endswith("/"))
            if node.kind == "l":
                node = node  # ``ls -l link`` shows the link itself (firecrest#205)
            if node.kind != "d":
                entries = [self._entry(path, node)]
            else:
                if not self._can(node, user, 4):
                    raise FsError(f"ls: cannot open directory {_q(path)}: Permission denied")
                entries = []
                self._list_dir(node, "", user, show_hidden, recursive, entries)
            if numeric:
                for entry in entries:
                    entry["user"] = str(self.users.uids.get(entry["user"], 0))
                    entry["group"] = str(self.users.gids.get(entry["group"], 0))
            return entries

    def _list_dir(self, node: Node, prefix: str, user: str, show_hidden: bool, recursive: bool,
                  out: List[Dict[str, str]]) -> None:
        names = sorted(n for n in node.children if show_hidden or not n.startswith("."))
        for name in names:
            out.append(self._entry(prefix + name, node.children[name]))
        if recursive:
            for name in names:
                child = node.children[name]
                if child.kind == "d" and self._can(child, user, 5):
                    self._list_dir(child, f"{prefix}{name}/", user, show_hidden, recursive, out)

    def stat(self, path: str, user: str, dereference: bool = False) -> Dict[str, int]:
        with self.lock:
            node = self.lookup(path, user, "stat", follow=dereference)
            nlink = 2 + sum(1 for c in node.children.values() if c.kind == "d") if node.kind == "d" else 1
            return {"mode": node.type_bits() | node.mode, "ino": node.ino, "dev": DEV, "nlink": nlink,
                    "uid": self.users.uids.get(node.owner, 0), "gid": self.users.gids.get(node.group, 0),
                    "size": node.size, "atime": int(node.atime), "mtime": int(node.mtime), "ctime": int(node.ctime)}

    def file_type(self, path: str, user: str) -> str:
        with self.lock:
            node = self.lookup(path, user, "file", follow=False)
            if node.kind == "d":
                return "directory"
            if node.kind == "l":
                return f"symbolic link to {node.target}"
            if not self._can(node, user, 4):
                return "regular file, no read permission"
            blob = node.blob
        head = blob.read(0, 512)
        if not head:
            return "empty"
        if head[:2] == b"\x1f\x8b":
            return "gzip compressed data"
        if head[:3] == b"BZh":
            return "bzip2 compressed data"
        if head[:4] == b"PK\x03\x04":
            return "Zip archive data"
        if len(head) >= 262 and head[257:262] == b"ustar":
            return "POSIX tar archive"
        try:
            text = head.decode("ascii")
        except UnicodeDecodeError:
            try:
                head.decode("utf-8")
                return "UTF-8 Unicode text"
            except UnicodeDecodeError:
                return "data"
        if text.startswith("#!/bin/bash") or text.startswith("#!/usr/bin/env bash"):
            return "Bourne-Again shell script, ASCII text executable"
        if text.startswith("#!/bin/sh"):
            return "POSIX shell script, ASCII text executable"
        return "ASCII text"

    # ------------------------------------------------------------------ reading
    def read(self, path: str, user: str, cmd: str = "cat") -> Blob:
        with self.lock:
            node = self.lookup(path, user, cmd)
            if node.kind == "d":
                raise FsError(f"{cmd}: {path}: Is a directory")
            if not self._can(node, user, 4):
                raise FsError(f"{cmd}: cannot open {_q(path)} for reading: Permission denied")
            node.atime = time.time()
            return node.blob

    def size(self, path: str, user: str) -> int:
        with self.lock:
            return self.lookup(path, user, "stat").size

    def is_dir(self, path: str, user: str) -> bool:
        with self.lock:
            try:
                return self.lookup(path, user, "test").kind == "d"
            except FsError:
                return False

    def checksum(self, path: str, user: str) -> str:
        blob = self.read(path, user, "sha256sum")
        digest = hashlib.sha256()
        for chunk in blob.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    # ------------------------------------------------------------------ writing
    def _creatable(self, path: str, user: str, cmd: str, what: str) -> Tuple[Optional[Node], Node, str]:
        try:
            node, parent, name = self._walk(path, user, True, cmd)
        except FsError as exc:
            text = str(exc).split(": ", 2)[-1]
            raise FsError(f"{cmd}: cannot create {what} {_q(path)}: {text}") from None
        if not name:
            raise FsError(f"{cmd}: cannot create {what} {_q(path)}: File exists")
        return node, parent, name

    def write(self, path: str, user: str, blob: Blob, mode: int = 0o644, cmd: str = "cat") -> None:
        """Create or replace a regular file (``cat > path``)."""
        with self.lock:
            node, parent, name = self._creatable(path, user, cmd, "regular file")
            if node is not None:
                if node.kind == "d":
                    raise FsError(f"{cmd}: {path}: Is a directory")
                if not self._can(node, user, 2):
                    raise FsError(f"{cmd}: {path}: Permission denied")
                node.blob = blob
                node.touch()
                return
            if not self._can(parent, user, 3):
                raise FsError(f"{cmd}: {path}: Permission denied")
            created = Node("-", mode, user, self.users.primary.get(user, user))
            created.blob = blob
            parent.children[name] = created
            parent.touch()

    def mkdir(self, path: str, user: str, parents: bool = False) -> None:
        with self.lock:
            if parents:
                parts = [p for p in path.split("/") if p]
                for i in range(1, len(parts) + 1):
                    partial = "/" + "/".join(parts[:i])
                    node, parent, name = self._creatable(partial, user, "mkdir", "directory")
                    if node is not None:
                        if node.kind != "d":
                            raise FsError(f"mkdir: cannot create directory {_q(partial)}: Not a directory")
                        continue
                    self._make_dir(parent, name, user, partial)
                return
            node, parent, name = self._creatable(path, user, "mkdir", "directory")
            if node is not None:
                raise FsError(f"mkdir: cannot create directory {_q(path)}: File exists")
            self._make_dir(parent, name, user, path)

    def _make_dir(self, parent: Node, name: str, user: str, path: str) -> None:
        if not self._can(parent, user, 3):
            raise FsError(f"mkdir: cannot create directory {_q(path)}: Permission denied")
        parent.children[name] = Node("d", 0o755, user, self.users.primary.get(user, user))
        parent.touch()

    def _detach(self, path: str, user: str, cmd: str, verb: str) -> Tuple[Node, Node, str]:
        try:
            node, parent, name = self._walk(path, user, False, cmd)
        except FsError as exc:
            raise FsError(f"{cmd}: cannot {verb} {_q(path)}: {str(exc).split(': ', 2)[-1]}") from None
        if node is None or not name:
            raise FsError(f"{cmd}: cannot {verb} {_q(path)}: No such file or directory")
        if not self._can(parent, user, 3) or (parent.mode & stat_module.S_ISVTX and node.owner != user
                                              and parent.owner != user and user != "root"):
            raise FsError(f"{cmd}: cannot {verb} {_q(path)}: Permission denied")
        return node, parent, name

    def _destination(self, source_name: str, target: str, user: str, cmd: str, verb: str,
                     source: str) -> Tuple[Optional[Node], Node, str]:
        try:
            node, parent, name = self._walk(target, user, True, cmd)
        except FsError as exc:
            raise FsError(f"{cmd}: cannot {verb} {_q(source)} to {_q(target)}: "
                          f"{str(exc).split(': ', 2)[-1]}") from None
        if node is not None and node.kind == "d":
            parent, name = node, source_name
            node = parent.children.get(name)
        if not name:
            raise FsError(f"{cmd}: cannot {verb} {_q(source)} to {_q(target)}: File exists")
        if not self._can(parent, user, 3):
            raise FsError(f"{cmd}: cannot {verb} {_q(source)} to {_q(target)}: Permission denied")
        return node, parent, name

    def rename(self, source: str, target: str, user: str) -> None:
        with self.lock:
            try:
                node, parent, name = self._walk(source, user, False, "mv")
            except FsError as exc:
                raise FsError(f"mv: cannot stat {_q(source)}: {str(exc).split(': ', 2)[-1]}") from None
            if node is None or not name:
                raise FsError(f"mv: cannot stat {_q(source)}: No such file or directory")
            if not self._can(parent, user, 3):
                raise FsError(f"mv: cannot move {_q(source)} to {_q(target)}: Permission denied")
            existing, new_parent, new_name = self._destination(name, target, user, "mv", "move", source)
            if existing is node:
                return
            if existing is not None and existing.kind == "d":
                if node.kind != "d":
                    raise FsError(f"mv: cannot overwrite directory {_q(target)} with non-directory")
                if existing.children:
                    raise FsError(f"mv: cannot move {_q(source)} to {_q(target)}: Directory not empty")
            if node.kind == "d" and self._contains(node, new_parent):
                raise FsError(f"mv: cannot move {_q(source)} to a subdirectory of itself, {_q(target)}")
            del parent.children[name]
            new_parent.children[new_name] = node
            parent.touch()
            new_parent.touch()
            node.ctime = time.time()

    def _contains(self, ancestor: Node, node: Node) -> bool:
        if ancestor is node:
            return True
        return any(self._contains(child, node) for child in ancestor.children.values() if child.kind == "d")

    def copy(self, source: str, target: str, user: str) -> None:
        """``cp -dR --preserve=all``: recursive, symlinks copied as links."""
        with self.lock:
            try:
                node = self.lookup(source, user, "cp", follow=False)
            except FsError as exc:
                raise FsError(f"cp: cannot stat {_q(source)}: {str(exc).split(': ', 2)[-1]}") from None
            if not self._can(node, user, 4):
                raise FsError(f"cp: cannot open {_q(source)} for reading: Permission denied")
            name = posixpath.basename(source.rstrip("/")) or "root"
            try:
                existing, parent, new_name = self._destination(name, target, user, "cp", "create regular file",
                                                               source)
            except FsError as exc:
                message = str(exc).replace(f" {_q(source)} to", "")
                raise FsError(message) from None
            if existing is not None and existing.kind == "d" and node.kind != "d":
                raise FsError(f"cp: cannot overwrite directory {_q(target)} with non-directory")
            parent.children[new_name] = self._clone(node, user)
            parent.touch()

    def _clone(self, node: Node, user: str) -> Node:
        copy = Node(node.kind, node.mode, node.owner, node.group)
        copy.mtime, copy.atime = node.mtime, node.atime
        copy.blob, copy.target = node.blob, node.target
        copy.children = {name: self._clone(child, user) for name, child in node.children.items()}
        return copy

    def symlink(self, target: str, link: str, user: str) -> None:
        with self.lock:
            try:
                existing, parent, name = self._walk(link, user, False, "ln")
            except FsError as exc:
                raise FsError(f"ln: failed to create symbolic link {_q(link)}: {str(exc).split(': ', 2)[-1]}") from None
            if existing is not None and existing.kind == "d":
                parent, name = existing, posixpath.basename(target.rstrip("/"))
                existing = parent.children.get(name)
            if existing is not None:
                raise FsError(f"ln: failed to create symbolic link {_q(link)}: File exists")
            if not self._can(parent, user, 3):
                raise FsError(f"ln: failed to create symbolic link {_q(link)}: Permission denied")
            node = Node("l", 0o777, user, self.users.primary.get(user, user))
            node.target = target
            parent.children[name] = node
            parent.touch()

    def remove(self, path: str, user: str) -> None:
        """``rm -r``."""
        with self.lock:
            node, parent, name = self._detach(path, user, "rm", "remove")
            if node.kind == "d":
                self._check_removable(node, user, path)
            del parent.children[name]
            parent.touch()

    def _check_removable(self, node: Node, user: str, path: str) -> None:
        if node.children and not self._can(node, user, 3):
            raise FsError(f"rm: cannot remove {_q(path)}: Permission denied")
        for name, child in node.children.items():
            if child.kind == "d":
                self._check_removable(child, user, f"{path}/{name}")

    def chmod(self, path: str, mode_text: str, user: str) -> str:
        with self.lock:
            node = self.lookup(path, user, "chmod")
            new_mode = parse_mode(mode_text, node.mode)
            if new_mode is None:
                raise FsError(f"chmod: invalid mode: {_q(mode_text)}")
            if user != "root" and node.owner != user:
                raise FsError(f"chmod: changing permissions of {_q(path)}: Operation not permitted")
            old = node.mode
            node.mode = new_mode
            node.ctime = time.time()
            before = f"{old & 0o7777:04o} ({Node('-', old, '', '').permissions()})"
            after = f"{new_mode & 0o7777:04o} ({node.permissions()})"
            if old == new_mode:
                return f"mode of {_q(path)} retained as {after}"
            return f"mode of {_q(path)} changed from {before} to {after}"

    def chown(self, path: str, owner: str, group: str, user: str) -> str:
        with self.lock:
            if owner and owner not in self.users.uids:
                raise FsError(f"chown: invalid user: {_q(owner + ':' + group)}")
            if group and group not in self.users.gids:
                raise FsError(f"chown: invalid group: {_q(owner + ':' + group)}")
            node = self.lookup(path, user, "chown")
            new_owner = owner or node.owner
            new_group = group or node.group
            if user != "root" and (node.owner != user or new_owner != node.owner
                                   or new_group not in self.users.groups_of(user)):
                raise FsError(f"chown: changing ownership of {_q(path)}: Operation not permitted")
            before = f"{node.owner}:{node.group}"
            node.owner, node.group = new_owner, new_group
            node.ctime = time.time()
            after = f"{new_owner}:{new_group}"
            if before == after:
                return f"ownership of {_q(path)} retained as {after}"
            return f"changed ownership of {_q(path)} from {before} to {after}"

    # ------------------------------------------------------------------ archives
    def compress(self, source: str, target: str, user: str, dereference: bool = False) -> None:
        """``tar -czf target -C dirname(source) basename(source)``."""
        with self.lock:
            node = self.lookup(source, user, "tar", follow=dereference or source.endswith("/"))
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                self._add_to_tar(archive, posixpath.basename(source.rstrip("/")), node, user, dereference, source)
            self.write(target, user, Blob.of(buffer.getvalue(), self.spool_dir), cmd="tar")

    def _add_to_tar(self, archive: tarfile.TarFile, name: str, node: Node, user: str, dereference: bool,
                    path: str) -> None:
        if node.kind == "l" and dereference:
            node = self.lookup(path, user, "tar")
        if not self._can(node, user, 4):
            raise FsError(f"tar: {name}: Cannot open: Permission denied")
        info = tarfile.TarInfo(name)
        info.mtime = int(node.mtime)
        info.mode = node.mode
        info.uname, info.gname = node.owner, node.group
        if node.kind == "d":
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
            for child_name, child in sorted(node.children.items()):
                self._add_to_tar(archive, f"{name}/{child_name}", child, user, dereference, f"{path}/{child_name}")
        elif node.kind == "l":
            info.type = tarfile.SYMTYPE
            info.linkname = node.target
            archive.addfile(info)
        else:
            info.size = node.blob.size
            with node.blob.open() as data:
                archive.addfile(info, data)

    def extract(self, source: str, target: str, user: str, extension: str = "auto") -> None:
        with self.lock:
            blob = self.read(source, user, "tar")
            kind = extension if extension and extension != "auto" else _guess_extension(source)
            if kind not in (".zip", ".tar", ".tgz", ".gz", ".bz2", ".tar.gz", ".tar.bz2"):
                raise FsError(f"Unsupported file format in {source}.")
            if not self.is_dir(target, user):
                self.mkdir(target, user, parents=True)
            data = blob.read()
            try:
                if kind == ".zip":
                    self._extract_zip(data, target, user)
                elif kind == ".gz" and not _is_tar(gzip.decompress(data)):
                    name = posixpath.basename(source)[:-3] or "file"
                    self.write(posixpath.join(target, name), user, Blob.of(gzip.decompress(data), self.spool_dir))
                elif kind == ".bz2" and not _is_tar(bz2.decompress(data)):
                    name = posixpath.basename(source)[:-4] or "file"
                    self.write(posixpath.join(target, name), user, Blob.of(bz2.decompress(data), self.spool_dir))
                else:
                    self._extract_tar(data, target, user)
            except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise FsError(f"tar: {source}: Cannot extract: {exc}") from None

    def _extract_tar(self, data: bytes, target: str, user: str) -> None:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive.getmembers():
                path = _safe_join(target, member.name)
                if member.isdir():
                    self.mkdir(path, user, parents=True)
                elif member.issym():
                    self.mkdir(posixpath.dirname(path), user, parents=True)
                    if not self.exists(path, user):
                        self.symlink(member.linkname, path, user)
                elif member.isfile():
                    self.mkdir(posixpath.dirname(path), user, parents=True)
                    extracted = archive.extractfile(member)
                    content = extracted.read() if extracted is not None else b""
                    self.write(path, user, Blob.of(content, self.spool_dir), mode=member.mode & 0o777 or 0o644)

    def _extract_zip(self, data: bytes, target: str, user: str) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                path = _safe_join(target, info.filename)
                if info.is_dir():
                    self.mkdir(path, user, parents=True)
                else:
                    self.mkdir(posixpath.dirname(path), user, parents=True)
                    self.write(path, user, Blob.of(archive.read(info), self.spool_dir))

    # ------------------------------------------------------------------ iteration (for tests)
    def tree(self, path: str = "/") -> Iterator[Tuple[str, Node]]:
        node = self.lookup(path, "root", "find", follow=True)
        stack = [(path.rstrip("/") or "/", node)]
        while stack:
            current, item = stack.pop()
            yield current, item
            for name, child in item.children.items():
                stack.append((posixpath.join(current, name), child))


def _is_tar(data: bytes) -> bool:
    return len(data) >= 262 and data[257:262] == b"ustar"


def _guess_extension(path: str) -> str:
    for ext in (".tar.gz", ".tar.bz2", ".tgz", ".tar", ".zip", ".gz", ".bz2"):
        if path.endswith(ext):
            return ext
    return ""


def _safe_join(target: str, member: str) -> str:
    clean = posixpath.normpath("/" + member).lstrip("/")
    return posixpath.join(target, clean)


def parse_mode(text: str, current: int) -> Optional[int]:
    """``755``/``0644`` or symbolic ``u+x,go-w`` -> new mode bits; None when invalid."""
    text = text.strip()
    if text and all(c in "01234567" for c in text) and len(text) <= 4:
        return int(text, 8)
    mode = current & 0o7777
    for clause in text.split(","):
        i = 0
        who = ""
        while i < len(clause) and clause[i] in "ugoa":
            who += clause[i]
            i += 1
        if i >= len(clause) or clause[i] not in "+-=":
            return None
        op = clause[i]
        perms = clause[i + 1:]
        if not perms or any(c not in "rwxXst" for c in perms):
            return None
        who = who or "a"
        mask = 0
        for w in who:
            shifts = {"u": [6], "g": [3], "o": [0], "a": [6, 3, 0]}[w]
            for shift in shifts:
                for p in perms:
                    bit = {"r": 4, "w": 2, "x": 1, "X": 1}.get(p)
                    if bit:
                        mask |= bit << shift
        if op == "+":
            mode |= mask
        elif op == "-":
            mode &= ~mask
        else:
            scope = 0
            for w in who:
                for shift in {"u": [6], "g": [3], "o": [0], "a": [6, 3, 0]}[w]:
                    scope |= 7 << shift
            mode = (mode & ~scope) | mask
    return mode


def classify(message: str) -> Tuple[str, str]:
    """The FirecREST error header (name, value) for a command's error message, in the order
    the server checks the message."""
    checks: List[Tuple[Callable[[str], bool], str, str]] = [
        (lambda m: "cannot access" in m and "Permission denied" not in m and "Not a directory" not in m,
         "X-Invalid-Path", "path is an invalid path"),
        (lambda m: "No such file" in m and "cannot stat" in m, "X-Not-Found", "sourcePath not found"),
        (lambda m: "No such file" in m and ("cannot create" in m or "cannot move" in m),
         "X-Invalid-Path", "sourcePath and/or targetPath are invalid paths"),
        (lambda m: "No such file" in m, "X-Invalid-Path", "path is an invalid path"),
        (lambda m: "cannot open" in m, "X-Permission-Denied", "User does not have permissions to access path"),
        (lambda m: "Permission denied" in m, "X-Permission-Denied", "User does not have permissions to access path"),
        (lambda m: "File exists" in m, "X-Exists", "targetPath already exists"),
        (lambda m: "Not a directory" in m, "X-Not-A-Directory", "targetPath is not a directory"),
        (lambda m: "directory" in m and "overwrite" not in m, "X-A-Directory", "path is a directory"),
        (lambda m: "overwrite" in m, "X-Exists", "targetPath already exists"),
        (lambda m: "not permitted" in m, "X-Permission-Denied", "User does not have permissions to access path"),
        (lambda m: "invalid group" in m, "X-Invalid-Group", "group is an invalid group"),
        (lambda m: "invalid user" in m, "X-Invalid-Owner", "owner is an invalid user"),
        (lambda m: "invalid mode" in m, "X-Invalid-Mode", "mode is an invalid mode"),
    ]
    for test, header, value in checks:
        if test(message):
            return header, value
    return "X-Error", message
