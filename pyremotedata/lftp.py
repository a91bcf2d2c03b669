"""One long-lived ``lftp`` process, fed commands on stdin and read back reliably.

Each command is sent as::

    <command> && echo "<ok-token>" || echo "<fail-token>"
    echo "<end-token>" > /dev/stderr

The first line makes lftp itself report success or failure (its exit status), so benign
chatter on stderr never fails a command and a real failure is never missed. The second line
marks the end of the command's error output, so everything lftp printed on stderr for this
command (and nothing from the next one) is attached to it. Tokens are random per command.

Every wait has a deadline. A command that does not finish in time, or an lftp that exits,
stops the process and raises :class:`LftpTimeoutError` / :class:`LftpProcessError` carrying the
command and what lftp said; the owner then re-mounts.
"""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import main_logger
from .errors import LftpProcessError, LftpTimeoutError, shorten

log = main_logger.getChild("lftp")

_EOF = None
#: How often a waiting command wakes up to poll its activity probe and callback.
POLL_INTERVAL = 0.05


@dataclass
class CommandResult:
    """What one command produced: its exit status and both output streams, line by line."""

    ok: bool
    stdout: List[str] = field(default_factory=list)
    stderr: List[str] = field(default_factory=list)

    @property
    def error_text(self) -> str:
        return "\n".join(line for line in self.stderr if line.strip())


def lftp_executable() -> str:
    """Path of the ``lftp`` binary, or a clear error saying how to install it."""
    path = shutil.which("lftp")
    if not path:
        raise LftpProcessError(
            "The 'lftp' program is not installed (pyremotedata drives it for all transfers). "
            "Install it, e.g. 'apt-get install lftp', 'dnf install lftp' or 'brew install lftp'.")
    return path


def _reader(stream, sink: "queue.Queue[Optional[str]]") -> None:
    """Move lines from a pipe into a queue; bytes that are not UTF-8 survive as surrogates."""
    try:
        for raw in iter(stream.readline, b""):
            sink.put(raw.decode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        pass
    finally:
        sink.put(_EOF)


class LftpProcess:
    """The lftp child process and the line protocol around it (thread-safe)."""

    def __init__(self, executable: Optional[str] = None, env: Optional[Dict[str, str]] = None) -> None:
        self.executable = executable or lftp_executable()
        self.env = env
        self.popen: Optional[subprocess.Popen] = None
        self.stdout_queue: "queue.Queue[Optional[str]]" = queue.Queue()
        self.stderr_queue: "queue.Queue[Optional[str]]" = queue.Queue()
        self.lock = threading.RLock()
        self._pending: Optional[Tuple[str, str, str]] = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "LftpProcess":
        env = dict(os.environ if self.env is None else self.env)
        # English messages (they are classified) while file names stay UTF-8.
        env["LC_ALL"] = "C.UTF-8"
        env["LANGUAGE"] = "C"
        try:
            self.popen = subprocess.Popen(
                [self.executable, "--norc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, bufsize=0, start_new_session=True, close_fds=True)
        except OSError as exc:
            raise LftpProcessError(f"Could not start lftp ({self.executable}): {exc}") from exc
        self.stdout_queue = queue.Queue()
        self.stderr_queue = queue.Queue()
        for stream, sink, name in ((self.popen.stdout, self.stdout_queue, "stdout"),
                                   (self.popen.stderr, self.stderr_queue, "stderr")):
            threading.Thread(target=_reader, args=(stream, sink), name=f"lftp-{name}-reader",
                             daemon=True).start()
        self._pending = None
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self.popen.pid if self.popen is not None else None

    def close(self, timeout: float = 1.0) -> None:
        """Ask lftp to exit (killing its jobs); stop it harder if it does not."""
        popen = self.popen
        if popen is None:
            return
        if popen.poll() is None:
            try:
                popen.stdin.write(b"exit kill\n")
                popen.stdin.flush()
            except (OSError, ValueError):
                pass
            try:
                popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_pipes()

    def kill(self) -> None:
        """Stop lftp and its children (ssh) at once: used when it hangs."""
        popen = self.popen
        if popen is None or popen.poll() is not None:
            return
        children = descendants(popen.pid)  # ssh runs in its own session (a pty): kill it by pid
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:  # a hung lftp gets no say: its state is being thrown away anyway
            os.killpg(popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                popen.kill()
            except ProcessLookupError:
                pass
        try:
            popen.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            log.warning("lftp (pid %s) did not exit after SIGKILL", popen.pid)

    def _close_pipes(self) -> None:
        popen = self.popen
        if popen is None:
            return
        for stream in (popen.stdin, popen.stdout, popen.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    # ------------------------------------------------------------------ commands
    def send(self, text: str) -> None:
        """Write raw command text (no framing); used for background jobs and settings."""
        popen = self._require_alive("")
        try:
            popen.stdin.write(text.encode("utf-8", "surrogateescape"))
            popen.stdin.flush()
        except (OSError, ValueError) as exc:
            raise self._dead_error("", f"could not write to lftp: {exc}") from exc

    def run(self, command: str, timeout: Optional[float], *, display: Optional[str] = None,
            activity: Optional[Callable[[], object]] = None,
            on_poll: Optional[Callable[[], None]] = None) -> CommandResult:
        """Run one command and wait for it.

        ``timeout`` bounds the wait; with an ``activity`` probe (for example the bytes written
        so far) it is an idle timeout that restarts whenever the probe's value changes.
        ``on_poll`` is called while waiting (the iterator hands out finished files from it).
        ``display`` is what messages show instead of ``command`` (passwords masked).
        """
        shown = display if display is not None else command
        with self.lock:
            self._resync(timeout, shown)
            token = uuid.uuid4().hex
            ok, fail, end = f"PRD-OK-{token}", f"PRD-FAIL-{token}", f"PRD-END-{token}"
            self._drain_stale()
            self.send(f"{command} && echo {ok} || echo {fail}\necho {end} > /dev/stderr\n")
            self._pending = (ok, fail, end)
            result = self._collect(ok, fail, end, timeout, shown, activity, on_poll)
            self._pending = None
            return result

    def _collect(self, ok: str, fail: str, end: str, timeout: Optional[float], shown: str,
                 activity: Optional[Callable[[], object]], on_poll: Optional[Callable[[], None]]) -> CommandResult:
        result = CommandResult(ok=False)
        status: Optional[bool] = None
        deadline = None if timeout is None else time.monotonic() + timeout
        last_activity = activity() if activity is not None else None
        next_probe = time.monotonic() + 1.0
        while status is None:
            line = self._next_line(self.stdout_queue, deadline, shown, on_poll)
            if line is _TIMED_OUT:
                if activity is not None and time.monotonic() >= next_probe:
                    current = activity()
                    next_probe = time.monotonic() + 1.0
                    if current != last_activity and timeout is not None:
                        last_activity = current
                        deadline = time.monotonic() + timeout
                        continue
                if deadline is not None and time.monotonic() >= deadline:
                    self._fail_timeout(shown, timeout, result)
                continue
            stripped = line.rstrip("\n")
            for token, value in ((ok, True), (fail, False)):
                if stripped.endswith(token):
                    status = value
                    if stripped[: -len(token)]:
                        result.stdout.append(stripped[: -len(token)])
                    break
            else:
                result.stdout.append(stripped)
        # The end-of-stderr marker follows right away; a short grace period is enough.
        err_deadline = time.monotonic() + max(5.0, min(timeout or 30.0, 30.0))
        while True:
            line = self._next_line(self.stderr_queue, err_deadline, shown, None)
            if line is _TIMED_OUT:
                if time.monotonic() >= err_deadline:
                    self._fail_timeout(shown, timeout, result)
                continue
            stripped = line.rstrip("\n")
            if stripped.endswith(end):
                if stripped[: -len(end)]:
                    result.stderr.append(stripped[: -len(end)])
                break
            result.stderr.append(stripped)
        result.ok = bool(status)
        return result

    def _next_line(self, source: "queue.Queue[Optional[str]]", deadline: Optional[float], shown: str,
                   on_poll: Optional[Callable[[], None]]):
        wait = POLL_INTERVAL if on_poll is not None else 0.5
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        try:
            line = source.get(timeout=wait)
        except queue.Empty:
            if on_poll is not None:
                on_poll()
            return _TIMED_OUT
        if line is _EOF:
            source.put(_EOF)  # keep the end visible to later readers
            raise self._dead_error(shown, "lftp exited")
        return line

    def _fail_timeout(self, shown: str, timeout: Optional[float], partial: CommandResult) -> None:
        said = self._drain_stderr_now()
        self.kill()
        self._pending = None
        message = (f"lftp command did not finish within {timeout:g} s and lftp was stopped: "
                   f"{shorten(shown)}" + (f"\nlftp said: {said}" if said else ""))
        raise LftpTimeoutError(message, shown, said, partial.stdout)

    def _dead_error(self, shown: str, what: str) -> LftpProcessError:
        said = self._drain_stderr_now()
        code = self.popen.poll() if self.popen is not None else None
        self._pending = None
        detail = f" (exit status {code})" if code is not None else ""
        message = f"{what}{detail}" + (f" while running: {shorten(shown)}" if shown else "")
        if said:
            message += f"\nlftp said: {said}"
        return LftpProcessError(message, shown, said)

    def _drain_stderr_now(self) -> str:
        """What lftp printed on stderr for the command in flight (earlier commands' messages
        belong to those commands and are not repeated here)."""
        lines: List[str] = []
        while True:
            try:
                line = self.stderr_queue.get_nowait()
            except queue.Empty:
                break
            if line is _EOF:
                self.stderr_queue.put(_EOF)
                break
            lines.append(line.rstrip("\n"))
        return "\n".join(line for line in lines[-20:] if line.strip() and "PRD-END-" not in line)

    def _drain_stale(self) -> None:
        """Drop leftovers (for example the end of a background job's output)."""
        for source in (self.stdout_queue, self.stderr_queue):
            while True:
                try:
                    line = source.get_nowait()
                except queue.Empty:
                    break
                if line is _EOF:
                    source.put(_EOF)
                    break
                if line.strip():
                    log.debug("lftp (between commands): %s", line.rstrip("\n"))

    def _resync(self, timeout: Optional[float], shown: str) -> None:
        """After an interrupted wait, swallow the old command's output before a new one."""
        if self._pending is None:
            return
        ok, fail, end = self._pending
        log.debug("waiting for an interrupted command to finish before %s", shorten(shown, 80))
        self._collect(ok, fail, end, timeout if timeout is not None else 60.0, shown, None, None)
        self._pending = None

    def _require_alive(self, shown: str) -> subprocess.Popen:
        if self.popen is None or self.popen.poll() is not None:
            raise self._dead_error(shown, "lftp is not running")
        return self.popen


class _TimedOut:
    """Sentinel: no line arrived before the poll interval ended."""


_TIMED_OUT = _TimedOut()


def background(command: str) -> str:
    """``command &``: run as an lftp background job."""
    return f"{command} &"


def join_commands(commands: Sequence[str]) -> str:
    """Several commands on one line, run in sequence (``;``)."""
    return "; ".join(commands)


def descendants(pid: int) -> List[int]:
    """Process ids below ``pid`` (read from /proc; empty where there is no /proc)."""
    parents: Dict[int, List[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(name))
        except (OSError, IndexError, ValueError):
            continue
    found: List[int] = []
    stack = [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found
