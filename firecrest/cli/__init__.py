"""The ``firecrest`` command: FirecREST v1 from a shell (typer + rich, the ``cli`` extra).

    export FIRECREST_URL=... FIRECREST_CLIENT_ID=... FIRECREST_CLIENT_SECRET=... AUTH_TOKEN_URL=...
    firecrest systems
    firecrest ls -s cluster /home/user --json
    firecrest download -s cluster /scratch/big.h5 ./big.h5 --type external

Commands and options follow pyfirecrest's v1 CLI (``firecrest.cli.app``). Listings print ASCII
tables, or JSON with ``--json`` (``--raw`` too, as upstream). Every failure exits non-zero.
Differences: the API version is detected (``--api-version`` only overrides it), external
downloads and uploads are carried out with a progress bar instead of printing a link or a curl
command (``--no-transfer`` keeps the old behaviour), and the ``reservation`` group has its
``list``/``create``/``update``/``delete`` commands back.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import typer
import yaml
from rich import box
from rich.console import Console
from rich.table import Table

import firecrest as fc

__all__ = ["app", "main"]

app = typer.Typer(rich_markup_mode="rich", pretty_exceptions_show_locals=False, no_args_is_help=True,
                  help="CLI for FirecREST v1")
submit_template_app = typer.Typer(pretty_exceptions_show_locals=False, no_args_is_help=True)
reservation_app = typer.Typer(pretty_exceptions_show_locals=False, no_args_is_help=True)
app.add_typer(submit_template_app, name="submit-template", rich_help_panel="Compute commands",
              help="Create and submit a job for internal transfers (stage-out after a job with --jobid)")
app.add_typer(reservation_app, name="reservation", rich_help_panel="Compute commands",
              help="Create, list, update and delete reservations")

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)
logger = logging.getLogger("firecrest")

SYSTEM_HELP = "The name of the system."


class TransferType(str, Enum):
    direct = "direct"
    external = "external"


# --------------------------------------------------------------------------- plumbing
class Settings:
    """What the global options say; the client is built on first use."""

    def __init__(self, **values: Any) -> None:
        self.values = values
        self._client: Optional[fc.v1.Firecrest] = None

    @property
    def client(self) -> fc.v1.Firecrest:
        if self._client is None:
            v = self.values
            missing = [name for name in ("firecrest_url", "client_id", "client_secret", "token_url") if not v.get(name)]
            if missing:
                options = ", ".join("--" + m.replace("_", "-") for m in missing)
                raise typer.BadParameter(f"missing {options} (or their environment variables)")
            auth = fc.ClientCredentialsAuth(v["client_id"], v["client_secret"], v["token_url"])
            if v.get("auth_timeout") is not None:
                auth.timeout = v["auth_timeout"]
            client = fc.v1.Firecrest(firecrest_url=v["firecrest_url"], authorization=auth)
            if v.get("timeout") is not None:
                client.timeout = v["timeout"]
            if v.get("api_version"):
                client.set_api_version(v["api_version"])
            self._client = client
        return self._client


def _client(ctx: typer.Context) -> fc.v1.Firecrest:
    return ctx.find_object(Settings).client  # type: ignore[union-attr]


def say_error(text: str) -> None:
    """One red line on stderr, never parsed as markup (messages quote server answers)."""
    errors.print(text, style="red", markup=False, soft_wrap=True)


def handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print a failure as one line and exit 1 (no traceback, no secrets)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except fc.ClientsCredentialsException as exc:
            say_error(f"firecrest: Operation failed: could not fetch token ({exc})")
        except fc.FirecrestException as exc:
            say_error(f"firecrest: Operation failed: {exc}")
        except Exception as exc:  # transport errors, local files, bad arguments
            say_error(f"firecrest: Operation failed: {type(exc).__name__}: {exc}")
        raise typer.Exit(code=1)

    return wrapper


def create_table(title: str, data: Iterable[Dict[str, Any]], *columns: Tuple[str, str]) -> Table:
    table = Table(title=title, box=box.ASCII)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in data:
        table.add_row(*(_cell(row.get(key, "")) for _, key in columns))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def show(data: Any, as_json: bool, title: str = "", columns: Sequence[Tuple[str, str]] = ()) -> None:
    """JSON for scripts, else a table (or the plain value)."""
    if as_json:
        console.out(json.dumps(data, indent=2, default=str))
    elif columns:
        console.print(create_table(title, data, *columns))
    else:
        console.out(data if isinstance(data, str) else json.dumps(data, indent=2, default=str))


def _system_option() -> Any:
    return typer.Option(..., "-s", "--system", help=SYSTEM_HELP, envvar="FIRECREST_SYSTEM")


def _json_option() -> Any:
    return typer.Option(False, "--json", "--raw", help="Print JSON instead of a table.")


# --------------------------------------------------------------------------- status
@app.command(rich_help_panel="Status commands")
@handled
def services(ctx: typer.Context, name: Optional[str] = typer.Option(None, "-n", "--name", help="Only this service."),
             as_json: bool = _json_option()) -> None:
    """Status of the FirecREST microservices"""
    client = _client(ctx)
    result = [client.service(name)] if name else client.all_services()
    title = f"Status of FirecREST service `{name}`" if name else "Status of FirecREST services"
    show(result, as_json, title, [("Service", "service"), ("Status", "status"), ("Description", "description")])


@app.command(rich_help_panel="Status commands")
@handled
def systems(ctx: typer.Context, name: Optional[str] = typer.Option(None, "-n", "--name", help="Only this system."),
            as_json: bool = _json_option()) -> None:
    """Status of the systems reachable through FirecREST"""
    client = _client(ctx)
    result = [client.system(name)] if name else client.all_systems()
    title = f"Status of FirecREST system `{name}`" if name else "Status of FirecREST systems"
    show(result, as_json, title, [("System", "system"), ("Status", "status"), ("Description", "description")])


@app.command(rich_help_panel="Status commands")
@handled
def parameters(ctx: typer.Context, as_json: bool = _json_option()) -> None:
    """Configurable parameters of FirecREST"""
    result = _client(ctx).parameters()
    if as_json:
        return show(result, True)
    columns = [("Name", "name"), ("Value", "value"), ("Unit", "unit"), ("Description", "description")]
    for section in ("general", "compute", "utilities", "storage"):
        if result.get(section):
            console.print(create_table(f"{section.capitalize()} parameters", result[section], *columns))


@app.command(rich_help_panel="Status commands")
@handled
def filesystems(ctx: typer.Context,
                system: Optional[str] = typer.Option(None, "-s", "--system", help=SYSTEM_HELP, envvar="FIRECREST_SYSTEM"),
                as_json: bool = _json_option()) -> None:
    """Filesystems available through FirecREST"""
    result = _client(ctx).filesystems(system)
    if as_json:
        return show(result, True)
    for name, entries in result.items():
        console.print(create_table(f"Status of filesystems for `{name}`", entries, ("Name", "name"), ("Path", "path"),
                                   ("Status code", "status_code"), ("Status", "status"),
                                   ("Description", "description")))


@app.command(rich_help_panel="Status commands")
@handled
def tasks(ctx: typer.Context, taskids: Optional[List[str]] = typer.Argument(None, help="Task IDs to show."),
          pager: bool = typer.Option(True, help="Use a pager on a terminal."), as_json: bool = _json_option()) -> None:
    """FirecREST tasks of the user"""
    result = _client(ctx)._tasks(taskids)
    if as_json:
        return show(result, True)
    count = len(result)
    table = create_table(f"Task information: {count} result{'s' if count != 1 else ''}", result.values(),
                         ("Task ID", "hash_id"), ("Status", "status"), ("Description", "description"),
                         ("Created at", "created_at"), ("Updated at", "updated_at"), ("User", "user"),
                         ("Service", "service"), ("Data", "data"))
    if pager and console.is_terminal:
        with console.pager():
            console.print(table)
    else:
        console.print(table)


# --------------------------------------------------------------------------- utilities
@app.command(rich_help_panel="Utilities commands")
@handled
def ls(ctx: typer.Context, path: str = typer.Argument(..., help="The absolute target path."),
       system: str = _system_option(),
       show_hidden: bool = typer.Option(False, "-a", "--show-hidden", help="Include entries starting with '.'."),
       recursive: bool = typer.Option(False, "-R", "--recursive", help="List subdirectories recursively."),
       as_json: bool = _json_option()) -> None:
    """List directory contents"""
    result = _client(ctx).list_files(system, path, show_hidden, recursive)
    show(result, as_json, f"Files in system `{system}` and path `{path}`",
         [("Filename", "name"), ("Type", "type"), ("Group", "group"), ("Permissions", "permissions"),
          ("Size", "size"), ("User", "user"), ("Last modified", "last_modified"), ("Link target", "link_target")])


@app.command(rich_help_panel="Utilities commands")
@handled
def mkdir(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
          p: bool = typer.Option(False, "-p", help="Create parents as needed, no error if it exists.")) -> None:
    """Create a directory"""
    _client(ctx).mkdir(system, path, p)


@app.command(rich_help_panel="Utilities commands")
@handled
def mv(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
       system: str = _system_option()) -> None:
    """Rename or move a file, directory or symlink"""
    _client(ctx).mv(system, source, destination)


@app.command(rich_help_panel="Utilities commands")
@handled
def chmod(ctx: typer.Context, path: str = typer.Argument(...),
          mode: str = typer.Argument(..., help="Numeric mode, as for chmod."), system: str = _system_option()) -> None:
    """Change the mode bits of a file"""
    _client(ctx).chmod(system, path, mode)


@app.command(rich_help_panel="Utilities commands")
@handled
def chown(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
          owner: Optional[str] = typer.Option(None, help="New owner."),
          group: Optional[str] = typer.Option(None, help="New group.")) -> None:
    """Change the owner and/or group of a file"""
    _client(ctx).chown(system, path, owner, group)


@app.command(rich_help_panel="Utilities commands")
@handled
def cp(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
       system: str = _system_option()) -> None:
    """Copy files"""
    _client(ctx).copy(system, source, destination)


@app.command(rich_help_panel="Utilities commands")
@handled
def compress(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
             system: str = _system_option()) -> None:
    """Compress files with tar and gzip (a job takes over when the server times out)"""
    _client(ctx).compress(system, source, destination, fail_on_timeout=False)


@app.command(rich_help_panel="Utilities commands")
@handled
def extract(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
            extension: str = typer.Argument("auto", help="auto, .zip, .tar, .tgz, .gz or .bz2"),
            system: str = _system_option()) -> None:
    """Extract an archive (a job takes over when the server times out)"""
    _client(ctx).extract(system, source, destination, extension, fail_on_timeout=False)


@app.command(rich_help_panel="Utilities commands")
@handled
def file(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option()) -> None:
    """Determine the file type"""
    console.out(_client(ctx).file_type(system, path))


STAT_FIELDS = [("mode", "access rights in octal"), ("ino", "inode number"), ("dev", "device number in decimal"),
               ("nlink", "number of hard links"), ("uid", "user ID of owner"), ("gid", "group ID of owner"),
               ("size", "total size, in bytes"), ("atime", "time of last access, seconds since Epoch"),
               ("mtime", "time of last data modification, seconds since Epoch"),
               ("ctime", "time of last status change, seconds since Epoch")]


@app.command(rich_help_panel="Utilities commands")
@handled
def stat(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
         deref: bool = typer.Option(False, "-L", "--dereference", help="Follow links."),
         as_json: bool = _json_option()) -> None:
    """Status of a file (as ``stat``)"""
    result = _client(ctx).stat(system, path, deref)
    if as_json:
        return show(result, True)
    rows = [{"Attribute": key, "Value": result[key], "Description": text} for key, text in STAT_FIELDS]
    title = f"Status of file {path}" + (" (dereferenced)" if deref else "")
    console.print(create_table(title, rows, ("Attribute", "Attribute"), ("Value", "Value"),
                               ("Description", "Description")))


@app.command(rich_help_panel="Utilities commands")
@handled
def symlink(ctx: typer.Context, target: str = typer.Argument(..., help="The path the link points to."),
            link_name: str = typer.Argument(..., help="The link to create."), system: str = _system_option()) -> None:
    """Create a symbolic link"""
    _client(ctx).symlink(system, target, link_name)


@app.command(rich_help_panel="Utilities commands")
@handled
def rm(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
       force: bool = typer.Option(..., prompt="Are you sure you want to delete this entry?",
                                  help="Delete without asking.")) -> None:
    """Remove files or directories"""
    if force:
        _client(ctx).simple_delete(system, path)
    else:
        console.out("Operation cancelled")


@app.command(rich_help_panel="Utilities commands")
@handled
def checksum(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option()) -> None:
    """SHA-256 of a file"""
    console.out(_client(ctx).checksum(system, path))


def _count_option(flag: str, long: str, sign: str, what: str) -> Any:
    return typer.Option(None, flag, long, metavar=f"[{sign}]NUM", help=f"Number of {what}.")


@app.command(rich_help_panel="Utilities commands")
@handled
def head(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
         lines: Optional[str] = _count_option("-n", "--lines", "-", "lines ('-N': all but the last N)"),
         bytes: Optional[str] = _count_option("-c", "--bytes", "-", "bytes ('-N': all but the last N)")) -> None:
    """The beginning of a file (10 lines by default)"""
    if lines and bytes:
        say_error("firecrest head: cannot specify both 'bytes' and 'lines'")
        raise typer.Exit(code=1)
    skip = bool((lines or bytes or "").startswith("-"))
    console.out(_client(ctx).head(system, path, (bytes or "").lstrip("-") or None, (lines or "").lstrip("-") or None,
                                  skip), end="")


@app.command(rich_help_panel="Utilities commands")
@handled
def tail(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
         lines: Optional[str] = _count_option("-n", "--lines", "+", "lines ('+N': from line N on)"),
         bytes: Optional[str] = _count_option("-c", "--bytes", "+", "bytes ('+N': from byte N on)")) -> None:
    """The end of a file (10 lines by default)"""
    if lines and bytes:
        say_error("firecrest tail: cannot specify both 'bytes' and 'lines'")
        raise typer.Exit(code=1)
    skip = bool((lines or bytes or "").startswith("+"))
    console.out(_client(ctx).tail(system, path, (bytes or "").lstrip("+") or None, (lines or "").lstrip("+") or None,
                                  skip), end="")


@app.command(rich_help_panel="Utilities commands")
@handled
def whoami(ctx: typer.Context,
           system: Optional[str] = typer.Option(None, "-s", "--system", help=SYSTEM_HELP,
                                                envvar="FIRECREST_SYSTEM")) -> None:
    """The user name FirecREST acts as (from the token when no system is given)"""
    console.out(str(_client(ctx).whoami(system)))


@app.command("id", rich_help_panel="Utilities commands")
@handled
def id_(ctx: typer.Context, system: str = _system_option()) -> None:
    """The user's identity on the system, as ``id``"""
    result = _client(ctx).groups(system)
    groups = ",".join(f"{g['id']}({g['name']})" for g in result["groups"])
    console.out(f"uid={result['user']['id']}({result['user']['name']}) "
                f"gid={result['group']['id']}({result['group']['name']}) groups={groups}")


# --------------------------------------------------------------------------- storage
@app.command(rich_help_panel="Storage commands")
@handled
def download(ctx: typer.Context, source: str = typer.Argument(..., help="The absolute source path."),
             destination: Optional[str] = typer.Argument(None, help="Local destination."),
             system: str = _system_option(),
             transfer_type: TransferType = typer.Option(TransferType.direct, "--type", case_sensitive=False),
             transfer: bool = typer.Option(True, help="External: download the file (else print its link)."),
             progress: bool = typer.Option(True, help="Show a progress bar on a terminal.")) -> None:
    """Download a file: direct (small files) or external (through the staging area)"""
    client = _client(ctx)
    if transfer_type == TransferType.direct:
        if not destination:
            say_error("firecrest: a DESTINATION is required for a direct download")
            raise typer.Exit(code=1)
        client.simple_download(system, source, destination)
        return
    down = client.external_download(system, source)
    errors.print(f"Follow the status of the transfer asynchronously with that task ID: {down.task_id}")
    with errors.status("Moving the file to the staging area..."):
        link = down.object_storage_link
    if destination and transfer:
        down.finish_download(destination, progress=None if progress else False)
    else:
        console.out(f"Download the file from:\n{link}")


@app.command(rich_help_panel="Storage commands")
@handled
def upload(ctx: typer.Context, source: str = typer.Argument(..., help="The local file."),
           destination_directory: str = typer.Argument(..., help="The absolute destination directory."),
           filename: Optional[str] = typer.Argument(None, help="Name on the system (direct uploads)."),
           system: str = _system_option(),
           transfer_type: TransferType = typer.Option(TransferType.direct, "--type", case_sensitive=False),
           transfer: bool = typer.Option(True, help="External: upload the file (else print the form)."),
           wait: bool = typer.Option(True, help="External: wait until the file is on the system."),
           progress: bool = typer.Option(True, help="Show a progress bar on a terminal.")) -> None:
    """Upload a file: direct (small files) or external (through the staging area)"""
    client = _client(ctx)
    if transfer_type == TransferType.direct:
        client.simple_upload(system, source, destination_directory, filename)
        return
    up = client.external_upload(system, source, destination_directory)
    errors.print(f"Follow the status of the transfer asynchronously with that task ID: {up.task_id}")
    with errors.status("Waiting for the presigned URL of the staging area..."):
        data = up.object_storage_data
    if not transfer:
        console.out("Necessary information to upload the file in the staging area:")
        console.out(json.dumps(data["parameters"], indent=2))
        console.out("Or simply run the following command to finish the upload:")
        console.out(data["command"])
        return
    up.finish_upload(progress=None if progress else False, wait=wait)
    if wait:
        errors.print(f"The file is on {system} (task {up.task_id}: status {up.status})")


# --------------------------------------------------------------------------- compute
def _env_vars(values: List[str]) -> List[str]:
    for item in values:
        if not re.match(r"\S+=\S*", item):
            raise typer.BadParameter("Please use the format `VAR=VALUE`.")
    return values


@app.command(rich_help_panel="Compute commands")
@handled
def submit(ctx: typer.Context, job_script: str = typer.Argument(..., help="Local or remote batch script."),
           system: str = _system_option(), account: Optional[str] = typer.Option(None, "--account"),
           local: bool = typer.Option(True, help="The script is local (default) or on the system."),
           env_vars: List[str] = typer.Option([], "-e", "--env-var", metavar="VAR=VALUE", callback=_env_vars,
                                              help="Environment variable for the job (repeatable)."),
           as_json: bool = _json_option()) -> None:
    """Submit a batch script"""
    env = dict(item.split("=", 1) for item in env_vars)
    client = _client(ctx)
    kind = "script_local_path" if local else "script_remote_path"
    result = client.submit(system, account=account, env_vars=env or None, **{kind: job_script})
    show(result, True) if as_json else console.print(result)


JOB_COLUMNS = [("Job ID", "jobid"), ("Name", "name"), ("Nodelist", "nodelist"), ("Nodes", "nodes"),
               ("Partition", "partition"), ("Start time", "start_time"), ("State", "state"), ("Time", "time"),
               ("Time left", "time_left"), ("User", "user")]


@app.command(rich_help_panel="Compute commands")
@handled
def poll(ctx: typer.Context, jobs: Optional[List[str]] = typer.Argument(None, help="Job IDs."),
         system: str = _system_option(),
         start_time: Optional[str] = typer.Option(None, help="Start time (sacct formats)."),
         end_time: Optional[str] = typer.Option(None, help="End time (sacct formats)."),
         as_json: bool = _json_option()) -> None:
    """Accounting information of jobs (sacct)"""
    result = _client(ctx).poll(system, jobs, start_time, end_time)
    show(result, as_json, "Accounting data for jobs", JOB_COLUMNS)


@app.command("poll-active", rich_help_panel="Compute commands")
@handled
def poll_active(ctx: typer.Context, jobs: Optional[List[str]] = typer.Argument(None, help="Job IDs."),
                system: str = _system_option(), as_json: bool = _json_option()) -> None:
    """Jobs in the queue (squeue)"""
    result = _client(ctx).poll_active(system, jobs)
    show(result, as_json, "Information about jobs in the queue", JOB_COLUMNS)


@app.command("get-nodes", rich_help_panel="Compute commands")
@handled
def get_nodes(ctx: typer.Context, nodes: Optional[List[str]] = typer.Argument(None), system: str = _system_option(),
              as_json: bool = _json_option()) -> None:
    """Compute nodes (scontrol show nodes)"""
    show(_client(ctx).nodes(system, nodes), as_json, "Information about the compute nodes",
         [("Name", "NodeName"), ("Partitions", "Partitions"), ("State", "State"), ("Active Features", "ActiveFeatures")])


@app.command("get-partitions", rich_help_panel="Compute commands")
@handled
def get_partitions(ctx: typer.Context, partitions: Optional[List[str]] = typer.Argument(None),
                   system: str = _system_option(), as_json: bool = _json_option()) -> None:
    """Partitions (scontrol show partitions)"""
    show(_client(ctx).partitions(system, partitions), as_json, "Information about partitions in the system",
         [("Name", "PartitionName"), ("State", "State"), ("Total CPUs", "TotalCPUs"),
          ("Total Nodes", "TotalNodes"), ("Is default", "Default")])


@app.command("get-reservations", rich_help_panel="Compute commands")
@handled
def get_reservations(ctx: typer.Context, reservations: Optional[List[str]] = typer.Argument(None),
                     system: str = _system_option(), as_json: bool = _json_option()) -> None:
    """Reservations (scontrol show reservations)"""
    show(_client(ctx).reservations(system, reservations), as_json, "Information about reservations in the system",
         [("Name", "ReservationName"), ("State", "State"), ("Nodes", "Nodes"), ("StartTime", "StartTime"),
          ("EndTime", "EndTime"), ("Features", "Features")])


@app.command(rich_help_panel="Compute commands")
@handled
def cancel(ctx: typer.Context, job: str = typer.Argument(..., help="The job to cancel."),
           system: str = _system_option()) -> None:
    """Cancel a job"""
    _client(ctx).cancel(system, job)


# --------------------------------------------------------------------------- submit-template
def _template(kind: str) -> Callable[..., Any]:
    method = {"mv": "submit_move_job", "cp": "submit_copy_job", "rsync": "submit_rsync_job",
              "compress": "submit_compress_job", "extract": "submit_extract_job", "rm": "submit_delete_job"}[kind]

    def run(ctx: typer.Context, paths: List[str], system: str, job_name: Optional[str], time: Optional[str],
            jobid: Optional[str], account: Optional[str], extension: Optional[str], as_json: bool) -> None:
        client = _client(ctx)
        extra: Dict[str, Any] = {"job_name": job_name, "time": time, "stage_out_job_id": jobid, "account": account}
        if kind == "extract":
            extra["extension"] = extension or "auto"
        result = getattr(client, method)(system, *paths, **extra)
        show(result, True) if as_json else console.print(result)

    return run


TIME_HELP = ("Limit on the total run time: 'minutes', 'minutes:seconds', 'hours:minutes:seconds', "
             "'days-hours', 'days-hours:minutes' or 'days-hours:minutes:seconds'.")


def _register_template(kind: str, doc: str) -> None:
    run = _template(kind)
    if kind == "rm":
        def command(ctx: typer.Context, path: str = typer.Argument(...), system: str = _system_option(),
                    job_name: Optional[str] = typer.Option(None), time: Optional[str] = typer.Option(None, help=TIME_HELP),
                    jobid: Optional[str] = typer.Option(None, help="Run after this job completed."),
                    account: Optional[str] = typer.Option(None), as_json: bool = _json_option()) -> None:
            run(ctx, [path], system, job_name, time, jobid, account, None, as_json)
    elif kind == "extract":
        def command(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
                    extension: str = typer.Argument("auto"), system: str = _system_option(),
                    job_name: Optional[str] = typer.Option(None), time: Optional[str] = typer.Option(None, help=TIME_HELP),
                    jobid: Optional[str] = typer.Option(None, help="Run after this job completed."),
                    account: Optional[str] = typer.Option(None), as_json: bool = _json_option()) -> None:
            run(ctx, [source, destination], system, job_name, time, jobid, account, extension, as_json)
    else:
        def command(ctx: typer.Context, source: str = typer.Argument(...), destination: str = typer.Argument(...),
                    system: str = _system_option(), job_name: Optional[str] = typer.Option(None),
                    time: Optional[str] = typer.Option(None, help=TIME_HELP),
                    jobid: Optional[str] = typer.Option(None, help="Run after this job completed."),
                    account: Optional[str] = typer.Option(None), as_json: bool = _json_option()) -> None:
            run(ctx, [source, destination], system, job_name, time, jobid, account, None, as_json)
    command.__doc__ = doc
    submit_template_app.command(kind)(handled(command))


for _kind, _doc in (("mv", "Move/rename files in a job"), ("cp", "Copy files in a job"),
                    ("rsync", "rsync files in a job"), ("compress", "Compress files in a job"),
                    ("extract", "Extract an archive in a job"), ("rm", "Remove files in a job")):
    _register_template(_kind, _doc)


# --------------------------------------------------------------------------- reservation
@reservation_app.command("list")
@handled
def reservation_list(ctx: typer.Context, system: str = _system_option(), as_json: bool = _json_option()) -> None:
    """Active reservations"""
    show(_client(ctx).all_reservations(system), as_json, "Reservations",
         [("Name", "reservationname"), ("Nodes", "nodes"), ("Start", "starttime"), ("End", "endtime"),
          ("State", "state")])


@reservation_app.command("create")
@handled
def reservation_create(ctx: typer.Context, name: str = typer.Argument(...), account: str = typer.Argument(...),
                       number_of_nodes: str = typer.Argument(...), node_type: str = typer.Argument(...),
                       start_time: str = typer.Argument(..., help="YYYY-MM-DDTHH:MM:SS"),
                       end_time: str = typer.Argument(..., help="YYYY-MM-DDTHH:MM:SS"),
                       system: str = _system_option()) -> None:
    """Create a reservation"""
    _client(ctx).create_reservation(system, name, account, number_of_nodes, node_type, start_time, end_time)


@reservation_app.command("update")
@handled
def reservation_update(ctx: typer.Context, name: str = typer.Argument(...), account: str = typer.Argument(...),
                       number_of_nodes: str = typer.Argument(...), node_type: str = typer.Argument(...),
                       start_time: str = typer.Argument(...), end_time: str = typer.Argument(...),
                       system: str = _system_option()) -> None:
    """Update a reservation"""
    _client(ctx).update_reservation(system, name, account, number_of_nodes, node_type, start_time, end_time)


@reservation_app.command("delete")
@handled
def reservation_delete(ctx: typer.Context, name: str = typer.Argument(...), system: str = _system_option()) -> None:
    """Delete a reservation"""
    _client(ctx).delete_reservation(system, name)


# --------------------------------------------------------------------------- global options
def _version(value: bool) -> None:
    if value:
        console.out(f"FirecREST CLI Version: {fc.__version__}")
        raise typer.Exit()


def _config(ctx: typer.Context, param: Any, value: Optional[str]) -> Optional[str]:
    """Defaults from a YAML file: global option names (``firecrest_url``...) and ``system``."""
    if value:
        try:
            with open(value) as f:
                config = yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise typer.BadParameter(str(exc)) from None
        if not isinstance(config, dict):
            raise typer.BadParameter("the configuration file must hold a mapping")
        config = {k.replace("-", "_"): v for k, v in config.items()}
        commands = getattr(ctx.command, "commands", {})
        nested = {name: dict(config) for name in commands}
        for name, group in commands.items():
            for sub in getattr(group, "commands", {}):
                nested[name][sub] = dict(config)
        ctx.default_map = {**(ctx.default_map or {}), **config, **nested}
    return value


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Optional[str] = typer.Option(None, envvar="FIRECREST_CONFIG", callback=_config, is_eager=True,
                                         help="YAML file with defaults for these options (and `system`)."),
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Show the version and exit."),
    firecrest_url: Optional[str] = typer.Option(None, help="FirecREST URL.", envvar="FIRECREST_URL"),
    client_id: Optional[str] = typer.Option(None, help="Registered client ID.", envvar="FIRECREST_CLIENT_ID"),
    client_secret: Optional[str] = typer.Option(None, help="Secret for the client.", envvar="FIRECREST_CLIENT_SECRET",
                                                show_default=False),
    token_url: Optional[str] = typer.Option(None, help="Token URL of the authorization server.",
                                            envvar="AUTH_TOKEN_URL"),
    api_version: Optional[str] = typer.Option(None, help="The server's API version (detected when not given).",
                                              envvar="FIRECREST_API_VERSION"),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Log what the client does."),
    timeout: Optional[float] = typer.Option(None, help="Seconds to wait for FirecREST."),
    auth_timeout: Optional[float] = typer.Option(None, help="Seconds to wait for the authorization server."),
    debug: bool = typer.Option(False, help="Log every request."),
) -> None:
    """CLI for FirecREST v1.

    Set FIRECREST_URL, FIRECREST_CLIENT_ID, FIRECREST_CLIENT_SECRET and AUTH_TOKEN_URL (or pass
    the options); FIRECREST_SYSTEM sets the default system.
    """
    ctx.obj = Settings(firecrest_url=firecrest_url, client_id=client_id, client_secret=client_secret,
                       token_url=token_url, api_version=api_version, timeout=timeout, auth_timeout=auth_timeout)
    if debug or verbose:
        from rich.logging import RichHandler

        level = logging.DEBUG if debug else logging.INFO
        logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=errors)])
        logger.setLevel(level)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of the ``firecrest`` console script."""
    app(args=list(argv) if argv is not None else None, prog_name="firecrest")
