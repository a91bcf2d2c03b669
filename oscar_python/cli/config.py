"""The CLI's cluster file: oscar-cli's YAML format, so the same file works with both tools.

    oscar:
      my-cluster:
        endpoint: https://oscar.example
        auth_user: oscar            # basic auth ...
        auth_password: secret
        oidc_account_name: egi      # ... or an oidc-agent account
        oidc_refresh_token: ...     # ... or a refresh token (oidc_token / oidc_token_endpoint: extensions)
        ssl_verify: true
    default: my-cluster

Default location ``~/.oscar-python/config.yaml`` (``--config`` or ``OSCAR_PYTHON_CONFIG``;
point it at ``~/.oscar-cli/config.yaml`` to share oscar-cli's clusters). Keys this tool does
not know are kept when it rewrites the file, which is written atomically with mode 0600.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, Optional

import yaml

DEFAULT_PATH = os.path.join("~", ".oscar-python", "config.yaml")


class ConfigError(ValueError):
    """A missing, unreadable or inconsistent cluster file."""


def config_path(explicit: Optional[str] = None) -> str:
    return os.path.expanduser(explicit or os.environ.get("OSCAR_PYTHON_CONFIG") or DEFAULT_PATH)


def load(path: str) -> Dict[str, Any]:
    if not os.path.exists(path):
        return {"oscar": {}}
    with open(path, "r", encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a YAML mapping")
    data.setdefault("oscar", {})
    if data["oscar"] is None:
        data["oscar"] = {}
    return data


def save(path: str, data: Dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.", suffix=".yaml", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cluster_id(data: Dict[str, Any], wanted: Optional[str]) -> str:
    clusters = data.get("oscar") or {}
    name = wanted or data.get("default")
    if not name:
        if len(clusters) == 1:
            return next(iter(clusters))
        raise ConfigError("no cluster given and no default set (oscar-python cluster default -s ID)")
    if name not in clusters:
        raise ConfigError(f"cluster {name!r} is not configured (known: {', '.join(sorted(clusters)) or 'none'})")
    return str(name)


def client_options(data: Dict[str, Any], name: str) -> Dict[str, Any]:
    """``Client`` options for cluster ``name``."""
    entry = (data.get("oscar") or {})[name] or {}
    options: Dict[str, Any] = {"cluster_id": name, "endpoint": entry.get("endpoint"),
                               "ssl": entry.get("ssl_verify", True)}
    if entry.get("auth_user"):
        options.update(user=entry["auth_user"], password=entry.get("auth_password") or "")
    elif entry.get("oidc_account_name"):
        options["shortname"] = entry["oidc_account_name"]
    elif entry.get("oidc_refresh_token") or entry.get("oidc_token"):
        if entry.get("oidc_token"):
            options["oidc_token"] = entry["oidc_token"]
        if entry.get("oidc_refresh_token"):
            options["refresh_token"] = entry["oidc_refresh_token"]
        if entry.get("oidc_token_endpoint"):
            options["token_endpoint"] = entry["oidc_token_endpoint"]
    return options
