"""``oscar-python``: the everyday oscar-cli commands on top of :class:`oscar_python.client.Client`.

    oscar-python cluster add prod https://oscar.example oscar s3cret --default
    oscar-python apply cowsay.yaml
    oscar-python service run cowsay -i "Hi there"
    oscar-python --json service logs list cowsay

Every command exits non-zero with a one-line ``Error: ...`` on stderr when it fails;
``--json`` (before or after the command) prints machine-readable output.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from archfx_cloud.api.exceptions import RestBaseException
from archfx_cloud.api.progress import bar_by_default

from . import config as cfg

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Manage OSCAR clusters and services.")
cluster_app = typer.Typer(no_args_is_help=True, help="Configured clusters.")
service_app = typer.Typer(no_args_is_help=True, help="Services, invocations, files.")
logs_app = typer.Typer(no_args_is_help=True, help="Job logs of a service.")
app.add_typer(cluster_app, name="cluster")
app.add_typer(service_app, name="service")
service_app.add_typer(logs_app, name="logs")

out = Console()
err = Console(stderr=True)

ClusterOpt = typer.Option(None, "--cluster", "-c", help="Cluster id (default: the configured default).")
JsonOpt = typer.Option(False, "--json", help="Print JSON.")


class State:
    config: Optional[str] = None
    json: bool = False


state = State()


@app.callback()
def main_options(config: Optional[str] = typer.Option(None, "--config", help="Cluster file (YAML)."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    state.config = config
    state.json = as_json


def fail(message: str) -> None:
    err.print(f"[red]Error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def emit(data: Any, as_json: bool, table: Optional[Table] = None, text: Optional[str] = None) -> None:
    if as_json or state.json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    elif table is not None:
        out.print(table)
    elif text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def guarded(fn: Any) -> Any:
    """Turn the library's errors into ``Error: ...`` and exit status 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (RestBaseException, OSError, ValueError, KeyError) as exc:
            fail(str(exc) if not isinstance(exc, KeyError) or len(exc.args) != 1 else str(exc.args[0]))
    return wrapper


def load_config() -> Dict[str, Any]:
    return cfg.load(cfg.config_path(state.config))


def make_client(cluster: Optional[str]) -> Any:
    from oscar_python.client import Client
    data = load_config()
    return Client(cfg.client_options(data, cfg.cluster_id(data, cluster)))


# ---------------------------------------------------------------------- cluster
@cluster_app.command("add")
@guarded
def cluster_add(identifier: str, endpoint: str, username: Optional[str] = typer.Argument(None),
                password: Optional[str] = typer.Argument(None),
                password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
                oidc_account_name: Optional[str] = typer.Option(None, "--oidc-account-name", "-o"),
                oidc_refresh_token: Optional[str] = typer.Option(None, "--oidc-refresh-token"),
                oidc_token: Optional[str] = typer.Option(None, "--oidc-token"),
                token_endpoint: Optional[str] = typer.Option(None, "--token-endpoint"),
                disable_ssl: bool = typer.Option(False, "--disable-ssl"),
                default: bool = typer.Option(False, "--default", help="Make it the default cluster.")) -> None:
    """Add (or replace) a cluster."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    entry: Dict[str, Any] = {"endpoint": endpoint, "ssl_verify": not disable_ssl}
    if username:
        if password is None:
            fail("a password is needed with a username (or --password-stdin)")
        entry.update(auth_user=username, auth_password=password)
    elif oidc_account_name:
        entry["oidc_account_name"] = oidc_account_name
    elif oidc_refresh_token or oidc_token:
        if oidc_refresh_token:
            entry["oidc_refresh_token"] = oidc_refresh_token
        if oidc_token:
            entry["oidc_token"] = oidc_token
        if token_endpoint:
            entry["oidc_token_endpoint"] = token_endpoint
    else:
        fail("give USERNAME PASSWORD, --oidc-account-name, --oidc-refresh-token or --oidc-token")
    path = cfg.config_path(state.config)
    data = cfg.load(path)
    data["oscar"][identifier] = entry
    if default or not data.get("default"):
        data["default"] = identifier
    cfg.save(path, data)
    emit({"added": identifier, "default": data["default"]}, False, text=f"cluster {identifier!r} added")


@cluster_app.command("list")
@guarded
def cluster_list(as_json: bool = JsonOpt) -> None:
    """Configured clusters."""
    data = load_config()
    rows = [{"id": k, "endpoint": (v or {}).get("endpoint"), "default": k == data.get("default")}
            for k, v in (data.get("oscar") or {}).items()]
    table = Table("ID", "ENDPOINT", "DEFAULT")
    for row in rows:
        table.add_row(row["id"], str(row["endpoint"]), "*" if row["default"] else "")
    emit(rows, as_json, table)


@cluster_app.command("default")
@guarded
def cluster_default(set_id: Optional[str] = typer.Option(None, "--set", "-s", help="Cluster to make default.")) -> None:
    """Show or set the default cluster."""
    path = cfg.config_path(state.config)
    data = cfg.load(path)
    if set_id:
        cfg.cluster_id(data, set_id)
        data["default"] = set_id
        cfg.save(path, data)
    emit({"default": data.get("default")}, False, text=str(data.get("default") or ""))


@cluster_app.command("delete")
@guarded
def cluster_delete(identifier: str) -> None:
    """Remove a cluster from the file."""
    path = cfg.config_path(state.config)
    data = cfg.load(path)
    cfg.cluster_id(data, identifier)
    del data["oscar"][identifier]
    if data.get("default") == identifier:
        data["default"] = next(iter(data["oscar"]), None)
    cfg.save(path, data)
    emit({"deleted": identifier}, False, text=f"cluster {identifier!r} deleted")


@cluster_app.command("info")
@guarded
def cluster_info(cluster: Optional[str] = ClusterOpt, as_json: bool = JsonOpt) -> None:
    """Version and configuration of a cluster."""
    client = make_client(cluster)
    info = client.get_cluster_info().json()
    table = Table("KEY", "VALUE")
    for key, value in info.items():
        table.add_row(key, json.dumps(value) if isinstance(value, (dict, list)) else str(value))
    emit(info, as_json, table)


# ---------------------------------------------------------------------- apply / delete
@app.command("apply")
@guarded
def apply(fdl: str, cluster: Optional[str] = ClusterOpt, as_json: bool = JsonOpt) -> None:
    """Create or update every service of an FDL file."""
    client = make_client(cluster)
    done = [{"name": name, "action": action} for name, action, _ in client.apply_service(os.path.abspath(fdl))]
    emit(done, as_json, text="\n".join(f"service {d['name']!r} {d['action']}" for d in done))


@app.command("delete")
@guarded
def delete(fdl: str, cluster: Optional[str] = ClusterOpt) -> None:
    """Delete every service of an FDL file."""
    from oscar_python.fdl import load_services
    client = make_client(cluster)
    names = [s["name"] for s in load_services(os.path.abspath(fdl), client.id)]
    for name in names:
        client.remove_service(name)
    emit(names, False, text="\n".join(f"service {n!r} deleted" for n in names))


# ---------------------------------------------------------------------- services
@service_app.command("list")
@guarded
def service_list(cluster: Optional[str] = ClusterOpt, as_json: bool = JsonOpt) -> None:
    """Deployed services."""
    services = make_client(cluster).list_services().json()
    table = Table("NAME", "IMAGE", "CPU", "MEMORY")
    for svc in services:
        table.add_row(svc.get("name", ""), svc.get("image", ""), str(svc.get("cpu", "")), str(svc.get("memory", "")))
    emit([{k: s.get(k) for k in ("name", "image", "cpu", "memory")} for s in services], as_json, table)


@service_app.command("get")
@guarded
def service_get(name: str, cluster: Optional[str] = ClusterOpt) -> None:
    """A service's definition (JSON)."""
    emit(make_client(cluster).get_service(name).json(), True)


@service_app.command("delete")
@guarded
def service_delete(names: List[str], cluster: Optional[str] = ClusterOpt) -> None:
    """Delete services."""
    client = make_client(cluster)
    for name in names:
        client.remove_service(name)
    emit(names, False, text="\n".join(f"service {n!r} deleted" for n in names))


def _input(text: Optional[str], file: Optional[str]) -> Any:
    if (text is None) == (file is None):
        fail("give exactly one of --input TEXT or --file FILE")
    if file is not None and not os.path.isfile(file):
        fail(f"input file {file!r} does not exist")
    return text if text is not None else file


def _input_progress(file: Optional[str], no_progress: bool) -> bool:
    """A bar while a file input is sent, when stderr is a terminal (never for inline text)."""
    return file is not None and not no_progress and bar_by_default()


def _invoker(cluster: Optional[str], endpoint: Optional[str], token: Optional[str]) -> Any:
    if endpoint:
        from oscar_python.client_anon import AnonymousClient
        if not token:
            fail("--endpoint needs --token")
        return AnonymousClient({"cluster_id": "direct", "endpoint": endpoint, "ssl": True})
    return make_client(cluster)


@service_app.command("run")
@guarded
def service_run(name: str, input_text: Optional[str] = typer.Option(None, "--input", "-i"),
                file: Optional[str] = typer.Option(None, "--file", "-f"),
                output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the answer here."),
                output_mode: str = typer.Option("auto", "--output-mode", help="auto | raw | base64"),
                endpoint: Optional[str] = typer.Option(None, "--endpoint", "-e"),
                token: Optional[str] = typer.Option(None, "--token", "-t"),
                no_progress: bool = typer.Option(False, "--no-progress"),
                cluster: Optional[str] = ClusterOpt) -> None:
    """Invoke a service synchronously; prints the (decoded) answer."""
    data = _input(input_text, file)
    client = _invoker(cluster, endpoint, token)
    response = client.run_service(name, input=data, output=output, output_mode=output_mode, token=token,
                                  progress=_input_progress(file, no_progress))
    if output is None:
        from oscar_python.invocation import decode_output
        answer = decode_output(response.content, output_mode)
        sys.stdout.buffer.write(answer if answer.endswith(b"\n") else answer + b"\n")
        sys.stdout.flush()


@service_app.command("job")
@guarded
def service_job(name: str, input_text: Optional[str] = typer.Option(None, "--input", "-i"),
                file: Optional[str] = typer.Option(None, "--file", "-f"),
                endpoint: Optional[str] = typer.Option(None, "--endpoint", "-e"),
                token: Optional[str] = typer.Option(None, "--token", "-t"),
                no_progress: bool = typer.Option(False, "--no-progress"),
                cluster: Optional[str] = ClusterOpt, as_json: bool = JsonOpt) -> None:
    """Invoke a service asynchronously; prints the new job's name when it can be found."""
    data = _input(input_text, file)
    client = _invoker(cluster, endpoint, token)
    response = client.run_service(name, input=data, async_call=True, token=token,
                                  progress=_input_progress(file, no_progress))
    job = getattr(response, "job_name", None)
    emit({"service": name, "job": job, "status_code": response.status_code}, as_json,
         text=job or f"job submitted (HTTP {response.status_code})")


# ---------------------------------------------------------------------- logs
@logs_app.command("list")
@guarded
def logs_list(name: str, status: Optional[str] = typer.Option(None, "--status", "-s",
                                                               help="Comma-separated statuses to show."),
              cluster: Optional[str] = ClusterOpt, as_json: bool = JsonOpt) -> None:
    """Every job of a service (all pages)."""
    wanted = {s.strip().lower() for s in status.split(",")} if status else None
    jobs = [dict(j) for j in make_client(cluster).iter_jobs(name)
            if wanted is None or str(j.get("status", "")).lower() in wanted]
    table = Table("JOB", "STATUS", "CREATED", "STARTED", "FINISHED")
    for job in jobs:
        table.add_row(job["name"], job.get("status", ""), job.get("creation_time", ""), job.get("start_time", ""),
                      job.get("finish_time", ""))
    emit(jobs, as_json, table)


@logs_app.command("get")
@guarded
def logs_get(name: str, job: Optional[str] = typer.Argument(None),
             latest: bool = typer.Option(False, "--latest", "-l", help="The most recent job."),
             timestamps: bool = typer.Option(False, "--show-timestamps", "-t"),
             cluster: Optional[str] = ClusterOpt) -> None:
    """The logs of one job (or of the latest one)."""
    client = make_client(cluster)
    if job is None:
        if not latest:
            fail("give a JOB name or --latest")
        found = client.get_latest_job(name)
        if found is None:
            fail(f"service {name!r} has no jobs")
        job = found.name
    emit(None, False, text=client.get_job_logs(name, job, timestamps=timestamps).text)


@logs_app.command("delete")
@guarded
def logs_delete(name: str, jobs: Optional[List[str]] = typer.Argument(None),
                succeeded: bool = typer.Option(False, "--succeeded", help="Delete the succeeded jobs."),
                all_jobs: bool = typer.Option(False, "--all", "-a", help="Delete every job."),
                cluster: Optional[str] = ClusterOpt) -> None:
    """Delete jobs: named ones, the succeeded ones, or all."""
    client = make_client(cluster)
    if jobs:
        for job in jobs:
            client.remove_job(name, job)
        emit(jobs, False, text="\n".join(f"job {j!r} deleted" for j in jobs))
    elif succeeded or all_jobs:
        client.remove_all_jobs(name, succeeded_only=not all_jobs)
        emit(None, False, text=f"{'all' if all_jobs else 'succeeded'} jobs of {name!r} deleted")
    else:
        fail("give JOB names, --succeeded or --all")


# ---------------------------------------------------------------------- files
@service_app.command("put-file")
@guarded
def put_file(name: str, provider: str, local: str, remote: str, no_progress: bool = typer.Option(False, "--no-progress"),
             cluster: Optional[str] = ClusterOpt) -> None:
    """Upload LOCAL into the folder REMOTE of a service's storage PROVIDER (e.g. minio.default)."""
    make_client(cluster).create_storage_client(name).upload_file(provider, local, remote,
                                                                 progress=False if no_progress else None)


@service_app.command("get-file")
@guarded
def get_file(name: str, provider: str, remote: str, local: str, no_progress: bool = typer.Option(False, "--no-progress"),
             cluster: Optional[str] = ClusterOpt) -> None:
    """Download REMOTE into LOCAL (a directory or a file name)."""
    make_client(cluster).create_storage_client(name).download_file(provider, local, remote,
                                                                   progress=False if no_progress else None)


@service_app.command("list-files")
@guarded
def list_files(name: str, provider: str, path: str = typer.Argument(""), cluster: Optional[str] = ClusterOpt,
               as_json: bool = JsonOpt) -> None:
    """Files under PATH of a storage provider."""
    listing = make_client(cluster).create_storage_client(name).list_files_from_path(provider, path)
    if isinstance(listing, dict):
        names = [obj["Key"] for obj in listing.get("Contents") or []]
    elif hasattr(listing, "json"):
        names = list((listing.json() or {}).get("children") or [])
    else:
        names = list(listing)
    emit(names, as_json, text="\n".join(names))


@service_app.command("delete-file")
@guarded
def delete_file(name: str, provider: str, remote: str, cluster: Optional[str] = ClusterOpt) -> None:
    """Delete one file of a storage provider."""
    make_client(cluster).create_storage_client(name).delete_file(provider, remote)


@app.command("version")
def version() -> None:
    """The client version."""
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        text = dist_version("remote-service-clients")
    except PackageNotFoundError:
        text = "unknown"
    sys.stdout.write(f"oscar-python {text}\n")


def main() -> None:
    app()
