"""A tiny Slurm for the emulator: ``sbatch``, ``squeue``, ``sacct``, ``scancel``, ``scontrol show``.

Jobs go PENDING -> RUNNING -> COMPLETED (or FAILED, CANCELLED) on the clock, and run a very
small subset of bash when they finish: ``echo`` (with ``$VAR`` expansion and ``>``, ``>>``,
``>&2``), ``sleep N`` (adds to the run time), ``exit N``, ``hostname``, ``date``, ``cat``,
``touch``, ``mkdir -p``, ``truncate -s SIZE FILE`` and ``srun`` prefixes. ``#SBATCH`` options
understood: ``--job-name/-J``, ``--output/-o``, ``--error/-e``, ``--partition/-p``,
``--time/-t``, ``--nodes/-N``, ``--account/-A``, ``--dependency=afterok:ID``. A job may also
carry a Python ``action`` (the internal transfer jobs do), run at its end.
"""
from __future__ import annotations

import itertools
import posixpath
import re
import shlex
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .blobs import Blob
from .vfs import FsError, VirtualFS

ACTIVE = ("PENDING", "RUNNING")
FINAL = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")

DEFAULT_PARTITIONS = [
    {"PartitionName": "normal", "State": "UP", "TotalCPUs": "512", "TotalNodes": "4", "Default": "YES"},
    {"PartitionName": "debug", "State": "UP", "TotalCPUs": "128", "TotalNodes": "1", "Default": "NO"},
    {"PartitionName": "xfer", "State": "UP", "TotalCPUs": "16", "TotalNodes": "1", "Default": "NO"},
]
DEFAULT_NODES = [
    {"NodeName": f"nid00000{i}", "Partitions": ["normal"] + (["debug"] if i == 1 else []),
     "State": ["IDLE"], "ActiveFeatures": ["gpu"] if i > 2 else ["mc"]} for i in range(1, 5)
] + [{"NodeName": "datamover01", "Partitions": ["xfer"], "State": ["IDLE"], "ActiveFeatures": ["xfer"]}]


class SbatchError(Exception):
    """What ``sbatch`` prints when it refuses a script."""


def parse_size(text: str) -> int:
    """``100M``, ``1G``, ``512K``, ``1024`` -> bytes (powers of 1024, as GNU tools)."""
    match = re.fullmatch(r"(\d+)([KMGT]?)(i?B)?", text.strip(), re.I)
    if not match:
        raise ValueError(text)
    scale = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[match.group(2).upper()]
    return int(match.group(1)) * scale


def parse_duration(text: Optional[str]) -> Optional[float]:
    """Slurm ``--time``: ``minutes``, ``m:s``, ``h:m:s``, ``d-h``, ``d-h:m``, ``d-h:m:s`` -> seconds."""
    if not text:
        return None
    days = 0
    if "-" in text:
        d, text = text.split("-", 1)
        days = int(d)
        parts = [int(p) for p in text.split(":")]
        while len(parts) < 3:
            parts.append(0)
        h, m, s = parts
    else:
        parts = [int(p) for p in text.split(":")]
        if len(parts) == 1:
            h, m, s = 0, parts[0], 0
        elif len(parts) == 2:
            h, m, s = 0, parts[0], parts[1]
        else:
            h, m, s = parts[-3:]
    return float(days * 86400 + h * 3600 + m * 60 + s)


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    text = f"{h:02d}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return f"{days}-{h:02d}:{m:02d}:{s:02d}" if days else text


def _iso(t: Optional[float]) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) if t else "Unknown"


class Job:
    """One batch job."""

    def __init__(self, jobid: int, user: str, script: str, script_path: str, workdir: str,
                 env: Dict[str, str], options: Dict[str, str], submitted: float) -> None:
        self.jobid = jobid
        self.user = user
        self.script = script
        self.script_path = script_path
        self.workdir = workdir
        self.env = env
        self.name = options.get("job-name") or posixpath.basename(script_path)
        self.partition = options.get("partition", "normal")
        self.account = options.get("account", "")
        self.nodes = int(options.get("nodes", "1") or 1)
        self.limit = parse_duration(options.get("time"))
        out = options.get("output") or "slurm-%j.out"
        err = options.get("error") or out
        self.out_path = self._expand_path(out)
        self.err_path = self._expand_path(err)
        self.submitted = submitted
        self.start: Optional[float] = None
        self.end: Optional[float] = None
        self.state_override: Optional[str] = None
        self.exit_code = 0
        self.after: Optional[int] = None
        self.action: Optional[Callable[["Job"], Tuple[bool, str]]] = None
        self.settled = False
        self.stdout = ""
        self.stderr = ""
        self.nodelist = ""

    def _expand_path(self, pattern: str) -> str:
        path = pattern.replace("%j", str(self.jobid)).replace("%x", self.name).replace("%u", self.user)
        return path if path.startswith("/") else posixpath.join(self.workdir, path)

    def state(self, now: float) -> str:
        if self.state_override:
            return self.state_override
        if self.start is None or now < self.start:
            return "PENDING"
        if self.end is None or now < self.end:
            return "RUNNING"
        return "COMPLETED" if self.exit_code == 0 else ("TIMEOUT" if self.exit_code == -1 else "FAILED")

    def record(self, now: float) -> Dict[str, str]:
        """A ``squeue``/``sacct`` line, shaped as FirecREST's Job-Listed-Object."""
        state = self.state(now)
        started = self.start if self.start is not None and now >= self.start else None
        ran = (min(now, self.end or now) - started) if started else 0.0
        left = (self.limit - ran) if self.limit else None
        return {"jobid": str(self.jobid), "partition": self.partition, "name": self.name, "user": self.user,
                "state": state, "start_time": _iso(self.start) if self.start else "N/A",
                "time": _clock(ran), "time_left": _clock(left) if left is not None else "UNLIMITED",
                "nodes": str(self.nodes), "nodelist": self.nodelist if started else "",
                "job_file": self.script_path, "job_file_out": self.out_path, "job_file_err": self.err_path,
                "job_data_out": "", "job_data_err": ""}


class Scheduler:
    """The queue of one cluster. All times come from ``clock`` (``time.time`` by default)."""

    def __init__(self, fs: VirtualFS, pending_seconds: float = 0.2, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.fs = fs
        self.pending_seconds = pending_seconds
        self.time_scale = time_scale
        self.clock = clock
        self.jobs: Dict[int, Job] = {}
        self.partitions: List[Dict[str, str]] = [dict(p) for p in DEFAULT_PARTITIONS]
        self.nodes: List[Dict[str, Any]] = [dict(n) for n in DEFAULT_NODES]
        self.reservations: List[Dict[str, str]] = []
        self._ids = itertools.count(1)
        self.accounts = {"test_user": ["project", "other_project"]}

    # ------------------------------------------------------------------ sbatch
    def submit(self, user: str, script: str, script_path: str, account: Optional[str] = None,
               env: Optional[Dict[str, str]] = None, action: Optional[Callable[[Job], Tuple[bool, str]]] = None,
               extra_options: Optional[Dict[str, str]] = None) -> Job:
        if not script.startswith("#!"):
            raise SbatchError("sbatch: error: This does not look like a batch script.  The first line must "
                              "start with #! followed by the path to an interpreter.\n"
                              "sbatch: error: For instance: #!/bin/sh")
        options = self._options(script)
        options.update(extra_options or {})
        if account:
            options["account"] = account
        partition = options.get("partition", "normal")
        if not any(p["PartitionName"] == partition for p in self.partitions):
            raise SbatchError(f"sbatch: error: invalid partition specified: {partition}\n"
                              f"sbatch: error: Batch job submission failed: Invalid partition name specified")
        wanted_account = options.get("account")
        if wanted_account and wanted_account not in self.accounts.get(user, [wanted_account]):
            raise SbatchError("sbatch: error: Batch job submission failed: Invalid account or "
                              "account/partition combination specified")
        if options.get("time"):
            try:
                parse_duration(options["time"])
            except ValueError:
                raise SbatchError("sbatch: error: Invalid --time specification") from None
        jobid = next(self._ids)
        now = self.clock()
        job = Job(jobid, user, script, script_path, posixpath.dirname(script_path), dict(env or {}), options, now)
        dependency = options.get("dependency", "")
        if dependency:
            match = re.fullmatch(r"after(?:ok|any)?:(\d+)", dependency)
            if not match or int(match.group(1)) not in self.jobs:
                raise SbatchError("sbatch: error: Batch job submission failed: Job dependency problem")
            job.after = int(match.group(1))
        job.action = action
        job.nodelist = "nid000001" if partition != "xfer" else "datamover01"
        self.jobs[jobid] = job
        self._plan(job, now)
        return job

    @staticmethod
    def _options(script: str) -> Dict[str, str]:
        short = {"J": "job-name", "o": "output", "e": "error", "p": "partition", "t": "time", "N": "nodes",
                 "A": "account", "d": "dependency"}
        options: Dict[str, str] = {}
        for line in script.splitlines()[1:]:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                break  # sbatch stops reading options at the first command
            if not stripped.startswith("#SBATCH"):
                continue
            words = shlex.split(stripped[len("#SBATCH"):], comments=False)
            i = 0
            while i < len(words):
                word = words[i]
                if word.startswith("--"):
                    key, sep, value = word[2:].partition("=")
                    if not sep and i + 1 < len(words):
                        value = words[i + 1]
                        i += 1
                    options[key] = value
                elif word.startswith("-") and len(word) >= 2 and word[1] in short:
                    value = word[2:] or (words[i + 1] if i + 1 < len(words) else "")
                    if not word[2:]:
                        i += 1
                    options[short[word[1]]] = value
                i += 1
        return options

    def _runtime(self, job: Job) -> float:
        seconds = 0.0
        for line in job.script.splitlines():
            words = line.strip().split()
            if words and words[0] == "srun":
                words = words[1:]
            if len(words) >= 2 and words[0] == "sleep":
                try:
                    seconds += float(words[1])
                except ValueError:
                    pass
        return seconds * self.time_scale

    def _plan(self, job: Job, now: float) -> None:
        if job.after is not None:
            before = self.jobs[job.after]
            if before.end is None and before.state_override is None:
                return  # planned when the dependency ends
            begin = max(now, before.end or now)
        else:
            begin = now
        job.start = begin + self.pending_seconds
        runtime = self._runtime(job)
        if job.limit is not None and runtime > job.limit:
            job.end = job.start + job.limit
            job.exit_code = -1
        else:
            job.end = job.start + runtime + 0.05

    # ------------------------------------------------------------------ the clock
    def settle(self) -> None:
        """Run the jobs that have ended since the last look (writes their outputs)."""
        now = self.clock()
        for job in sorted(self.jobs.values(), key=lambda j: j.jobid):
            if job.start is None and job.after is not None and job.state_override is None:
                before = self.jobs[job.after]
                if before.state_override == "CANCELLED" or (before.settled and before.exit_code != 0):
                    job.state_override = "CANCELLED"
                    job.settled = True
                elif before.settled:
                    self._plan(job, max(before.end or now, job.submitted))
            if not job.settled and job.end is not None and now >= job.end and job.state_override is None:
                self._finish(job)

    def _finish(self, job: Job) -> None:
        job.settled = True
        if job.exit_code == -1:
            self._run_script(job, limit_reached=True)
        else:
            job.exit_code = self._run_script(job)
            if job.action is not None:
                ok, message = job.action(job)
                if not ok:
                    job.stderr += message + "\n"
                    job.exit_code = 1
        if job.err_path == job.out_path:
            outputs = [(job.out_path, job.stdout + job.stderr)]
        else:
            outputs = [(job.out_path, job.stdout), (job.err_path, job.stderr)]
        for path, text in outputs:
            try:
                self.fs.write(path, job.user, Blob.of(text.encode(), self.fs.spool_dir))
            except FsError:
                pass

    def _expand(self, text: str, job: Job) -> str:
        env = {"SLURM_JOB_ID": str(job.jobid), "SLURM_JOBID": str(job.jobid), "SLURM_JOB_NAME": job.name,
               "USER": job.user, "HOME": f"/home/{job.user}", "SLURM_SUBMIT_DIR": job.workdir,
               "SLURM_JOB_PARTITION": job.partition, "SLURMD_NODENAME": job.nodelist,
               "SLURM_JOB_NODELIST": job.nodelist, **job.env}
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), text)

    def _run_script(self, job: Job, limit_reached: bool = False) -> int:
        """Run the supported commands; returns the exit code of the script."""
        code = 0
        out: List[str] = []
        err: List[str] = []
        for number, raw in enumerate(job.script.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                words = shlex.split(self._expand(line, job))
            except ValueError:
                err.append(f"/var/spool/slurmd/job{job.jobid}/slurm_script: line {number}: syntax error")
                code = 2
                continue
            if words and words[0] == "srun":
                words = words[1:]
            if not words:
                continue
            target, append, to_err = None, False, False
            if len(words) >= 2 and words[-1] in (">&2", "1>&2"):
                words, to_err = words[:-1], True
            elif len(words) >= 3 and words[-2] in (">", ">>"):
                target, append, words = words[-1], words[-2] == ">>", words[:-2]
            command, args = words[0], words[1:]
            produced: Optional[str] = None
            code = 0
            if command == "echo":
                newline = "\n"
                if args and args[0] == "-n":
                    args, newline = args[1:], ""
                produced = " ".join(args) + newline
            elif command == "sleep":
                pass
            elif command == "exit":
                code = int(args[0]) if args and args[0].isdigit() else 0
                break
            elif command == "hostname":
                produced = job.nodelist + "\n"
            elif command == "date":
                produced = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime()) + "\n"
            elif command in ("cat", "touch", "mkdir", "truncate"):
                code, produced, problem = self._file_command(job, command, args)
                if problem:
                    err.append(problem)
            else:
                err.append(f"/var/spool/slurmd/job{job.jobid}/slurm_script: line {number}: {command}: "
                           f"command not found")
                code = 127
                continue
            if produced is None:
                continue
            if target is not None:
                path = target if target.startswith("/") else posixpath.join(job.workdir, target)
                try:
                    previous = self.fs.read(path, job.user).read().decode() if append and self.fs.exists(path, job.user) else ""
                    self.fs.write(path, job.user, Blob.of((previous + produced).encode(), self.fs.spool_dir))
                except FsError as exc:
                    err.append(str(exc))
                    code = 1
            elif to_err:
                err.append(produced.rstrip("\n"))
            else:
                out.append(produced)
        if limit_reached:
            err.append(f"slurmstepd: error: *** JOB {job.jobid} ON {job.nodelist} CANCELLED AT "
                       f"{time.strftime('%Y-%m-%dT%H:%M:%S')} DUE TO TIME LIMIT ***")
        job.stdout = "".join(out)
        job.stderr = "".join(line + "\n" for line in err)
        return code

    def _file_command(self, job: Job, command: str, args: List[str]) -> Tuple[int, Optional[str], str]:
        def where(p: str) -> str:
            return p if p.startswith("/") else posixpath.join(job.workdir, p)

        try:
            if command == "cat":
                return 0, "".join(self.fs.read(where(a), job.user).read().decode("utf-8", "replace") for a in args), ""
            if command == "touch":
                for a in args:
                    if not self.fs.exists(where(a), job.user):
                        self.fs.write(where(a), job.user, Blob.EMPTY)
                return 0, None, ""
            if command == "mkdir":
                parents = "-p" in args
                for a in [a for a in args if a != "-p"]:
                    self.fs.mkdir(where(a), job.user, parents=parents)
                return 0, None, ""
            if command == "truncate":
                size = parse_size(args[args.index("-s") + 1])
                files = [a for i, a in enumerate(args) if a != "-s" and (i == 0 or args[i - 1] != "-s")]
                for a in files:
                    self.fs.write(where(a), job.user, Blob.zeros(size, self.fs.spool_dir))
                return 0, None, ""
        except FsError as exc:
            return 1, None, str(exc)
        except (ValueError, IndexError):
            return 1, None, f"{command}: invalid arguments"
        return 0, None, ""

    # ------------------------------------------------------------------ queries
    def active(self, user: str, jobs: Optional[List[str]] = None) -> List[Dict[str, str]]:
        now = self.clock()
        found = [j.record(now) for j in sorted(self.jobs.values(), key=lambda j: j.jobid)
                 if j.user == user and j.state(now) in ACTIVE]
        if jobs:
            found = [r for r in found if r["jobid"] in jobs]
        return found

    def accounting(self, user: str, jobs: Optional[List[str]] = None, start: Optional[float] = None,
                   end: Optional[float] = None) -> List[Dict[str, str]]:
        now = self.clock()
        found = []
        for job in sorted(self.jobs.values(), key=lambda j: j.jobid):
            if job.user != user or (jobs and str(job.jobid) not in jobs):
                continue
            if start is not None and (job.end or now) < start:
                continue
            if end is not None and job.submitted > end:
                continue
            found.append(job.record(now))
        return found

    def cancel(self, user: str, jobid: str) -> str:
        job = self.jobs.get(int(jobid)) if jobid.isdigit() else None
        if job is None:
            raise SbatchError(f"scancel: error: Kill job error on job id {jobid}: Invalid job id specified")
        if job.user != user:
            raise SbatchError(f"scancel: error: Kill job error on job id {jobid}: Access/permission denied")
        now = self.clock()
        if job.state(now) in FINAL:
            raise SbatchError(f"scancel: error: Kill job error on job id {jobid}: "
                              f"Job/step already completing or completed")
        job.state_override = "CANCELLED"
        job.end = now
        job.settled = True
        return ""

    def show(self, kind: str, names: Optional[List[str]]) -> List[Dict[str, Any]]:
        """``scontrol show nodes|partitions|reservations``; unknown names raise."""
        key = {"nodes": "NodeName", "partitions": "PartitionName", "reservations": "ReservationName"}[kind]
        items = {"nodes": self.nodes, "partitions": self.partitions, "reservations": self.reservations}[kind]
        if not names:
            return [dict(item) for item in items]
        found = []
        for name in names:
            match = [dict(item) for item in items if item[key] == name]
            if not match:
                label = {"nodes": "Node", "partitions": "Partition", "reservations": "Reservation"}[kind]
                raise SbatchError(f"{label} {name} not found")
            found.extend(match)
        return found
