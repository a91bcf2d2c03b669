"""The pyremotedata leg of the tour: a real OpenSSH server on loopback, the real lftp client.

Starts a throw-away ``sshd``, uploads a folder of a few hundred files, builds the remote file
index, streams the files back through ``RemotePathIterator`` (with a progress bar), syncs a
change each way, then removes everything it made.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from typing import Callable, Dict

from .sshd import INSTALL_HINT, LocalSFTPServer, SSHDUnavailable, missing_tools

Say = Callable[[str], None]
FILES = 300


def _make_folder(root: str) -> Dict[str, str]:
    """A small image-like dataset: FILES files in class folders; returns sha256 by path."""
    digests = {}
    for index in range(FILES):
        relative = f"class_{index % 3}/sample_{index:04d}.bin"
        data = os.urandom(2048 + (index * 37) % 4096)
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        digests[relative] = hashlib.sha256(data).hexdigest()
    return digests


def _version(args: list) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "?"


def run(say: Say) -> None:
    missing = missing_tools()
    if missing:
        message = f"skipped: missing {', '.join(missing)}; {INSTALL_HINT}"
        say(message)
        raise SSHDUnavailable(message)
    from ..implicit_mount import IOHandler, RemotePathIterator

    say(f"engine: {_version(['lftp', '--version'])}; server: {_version(['ssh', '-V'])}")
    work = tempfile.mkdtemp(prefix="prd-tour-")
    try:
        with LocalSFTPServer() as server:
            say(f"OpenSSH sshd on {server.host}:{server.port} (SFTP only, throw-away host and client keys)")
            source = os.path.join(work, "dataset")
            digests = _make_folder(source)
            size = sum(os.path.getsize(os.path.join(source, p)) for p in digests)
            local = os.path.join(work, "local")
            os.makedirs(local)
            with IOHandler(local_dir=local, **server.mount_kwargs()) as io:
                began = time.perf_counter()
                uploaded = io.upload(source, "dataset")
                say(f"uploaded {len(uploaded)} files ({size / 2**20:.1f} MiB) with mirror -R "
                    f"in {time.perf_counter() - began:.2f} s")
                io.cd("dataset")
                index = io.get_file_index(override=True)
                say(f"file index {io.pwd()}/.folder_index.txt lists {len(index)} files")

                began = time.perf_counter()
                matched = 0
                iterator = RemotePathIterator(io, batch_size=32, batch_parallel=5, progress=True)
                for local_path, remote_path in iterator:
                    with open(local_path, "rb") as handle:
                        matched += hashlib.sha256(handle.read()).hexdigest() == digests[remote_path]
                elapsed = time.perf_counter() - began
                left = sum(len(files) for _root, _dirs, files in os.walk(local))
                say(f"streamed {len(iterator)} files back in {elapsed:.2f} s ({len(iterator) / elapsed:.0f} files/s); "
                    f"{matched} checksums matched; {left} local copies left (removed as consumed)")
                shard = RemotePathIterator(io).shard(rank=1, world_size=4)
                say(f"shard(rank=1, world_size=4) gives this worker {len(shard)} of {len(index)} files")

                copy = os.path.join(work, "copy")
                down = io.sync(copy, direction="down")
                say(f"sync down: {len(down.downloaded)} files into a local copy")
                with open(os.path.join(copy, "class_0", "notes.txt"), "w") as handle:
                    handle.write("added locally\n")
                with open(server.path("dataset/class_1/sample_0001.bin"), "ab") as handle:
                    handle.write(b"changed on the server")
                both = io.sync(copy, direction="both")
                say(f"sync both: uploaded {both.uploaded}, downloaded {both.downloaded}; "
                    f"index now lists {len(io.get_file_index())} files")

                hostile = os.path.join(work, "; touch PWNED & $(id) `id` -rf !x\nline")
                with open(hostile, "w") as handle:
                    handle.write("harmless")
                io.put(hostile, os.path.basename(hostile))
                back = io.get(os.path.basename(hostile), os.path.join(work, "back"))
                with open(back) as handle:
                    intact = handle.read() == "harmless"
                say(f"a file named {os.path.basename(hostile)!r} went up and came back intact={intact}; "
                    f"nothing ran (no PWNED file: {not os.path.exists('PWNED')})")
            say("unmounted")
        say("sshd stopped; its keys and files are gone")
    finally:
        shutil.rmtree(work, ignore_errors=True)
