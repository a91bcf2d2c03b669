"""The configuration file and the environment variables that fill it.

The YAML layout, the variable names and ``PYREMOTEDATA_AUTO=yes`` are upstream's::

    validate: true            # set false to keep manual edits
    implicit_mount:
      user: ...               # PYREMOTEDATA_REMOTE_USERNAME
      remote: ...             # PYREMOTEDATA_REMOTE_URI (may carry a port: host:2222)
      local_dir: ...          # PYREMOTEDATA_LOCAL_DIRECTORY ("" -> a temporary directory)
      default_remote_dir: ... # PYREMOTEDATA_REMOTE_DIRECTORY
      lftp: {setting: value, ...}

What changed: the file lives in the user's configuration directory
(``$XDG_CONFIG_HOME/pyremotedata/pyremotedata_config.yaml``, else
``~/.config/pyremotedata/...``) instead of inside site-packages, and is written with mode
0600. A file at the old location is still read. A corrupt file raises :class:`ConfigError`
naming it. Questions are only asked on a terminal: without one (CI, cron, no stdin) a missing
value is a clear error instead of a hang.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Optional, Tuple

import yaml

from . import main_logger
from .errors import ConfigError

log = main_logger.getChild("config")

ENVIRONMENT_VARIABLES = (
    "PYREMOTEDATA_REMOTE_USERNAME",
    "PYREMOTEDATA_REMOTE_URI",
    "PYREMOTEDATA_LOCAL_DIRECTORY",
    "PYREMOTEDATA_REMOTE_DIRECTORY",
)
AUTO_VARIABLE = "PYREMOTEDATA_AUTO"
CONFIG_FILENAME = "pyremotedata_config.yaml"
#: Where upstream kept the file (inside the installed package); still read when present.
LEGACY_CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), CONFIG_FILENAME)
DEFAULT_REMOTE = "io.erda.au.dk"
DEFAULT_REMOTE_DIRECTORY = "/"

#: lftp settings applied at mount (the config file's ``lftp`` section and ``lftp_settings``
#: override them). Same keys as upstream; values chosen by measurement on a loopback OpenSSH
#: server (see README): 64 KiB SFTP packets with 16 in flight beat upstream's 20 KiB x 512
#: for large files and used a tenth of the memory.
DEFAULT_LFTP_CONFIG: Dict[str, Any] = {
    "net:limit-rate": 0,
    "xfer:parallel": 5,
    "mirror:parallel-directories": "on",
    "ftp:sync-mode": "off",
    "cmd:parallel": 1,
    "net:connection-limit": 0,
    "cmd:verify-path": "on",
    "cmd:verify-host": "on",
    "sftp:auto-confirm": "yes",
    "sftp:size-read": "0x10000",
    "sftp:size-write": "0x10000",
    "sftp:max-packets-in-flight": 16,
    "xfer:verify": "off",
    "cmd:interactive": "false",
    "cmd:trace": "false",
    "xfer:clobber": "true",
}

_ENV_TO_KEY = {
    "PYREMOTEDATA_REMOTE_USERNAME": "user",
    "PYREMOTEDATA_REMOTE_URI": "remote",
    "PYREMOTEDATA_LOCAL_DIRECTORY": "local_dir",
    "PYREMOTEDATA_REMOTE_DIRECTORY": "default_remote_dir",
}


def config_dir() -> str:
    """The per-user directory for pyremotedata's configuration (XDG on POSIX)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return os.path.join(os.environ["APPDATA"], "pyremotedata")
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "pyremotedata")


def config_path() -> str:
    """Where the configuration file is written (and read first)."""
    return os.path.join(config_dir(), CONFIG_FILENAME)


def __getattr__(name: str) -> Any:
    # CONFIG_PATH follows $XDG_CONFIG_HOME at the time it is read, not at import time.
    if name == "CONFIG_PATH":
        return config_path()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _existing_config_path() -> Optional[str]:
    for path in (config_path(), LEGACY_CONFIG_PATH):
        if os.path.isfile(path):
            return path
    return None


def is_auto() -> bool:
    """``PYREMOTEDATA_AUTO=yes`` (any case): never ask questions."""
    return os.environ.get(AUTO_VARIABLE, "").strip().lower() == "yes"


def _has_terminal() -> bool:
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (AttributeError, ValueError):
        return False


def ask_user(question: str, interactive: bool = True) -> str:
    """Ask on the terminal; refuse (instead of hanging) when there is no terminal."""
    if not interactive:
        raise ConfigError(f"Cannot ask user for input when interactive=False: {question}")
    if not _has_terminal():
        raise ConfigError(
            f"pyremotedata needs an answer to {question!r} but there is no terminal to ask on. "
            f"Set {', '.join(ENVIRONMENT_VARIABLES[:2])} (and optionally the other PYREMOTEDATA_* "
            f"variables) and {AUTO_VARIABLE}=yes.")
    return input(question)


def get_environment_variables(interactive: bool = True) -> Tuple[str, str, str, str]:
    """``(user, uri, local_dir, remote_dir)`` from the environment, asking for what is missing."""
    interactive = interactive and not is_auto()
    env = {name: os.environ.get(name) for name in ENVIRONMENT_VARIABLES}
    missing = [name for name in ENVIRONMENT_VARIABLES[:2] if not env[name]]
    if missing and not interactive:
        raise ConfigError(
            f"Missing environment variable(s) {', '.join(missing)}; set them, or unset "
            f"{AUTO_VARIABLE} to be asked interactively.")
    user = env["PYREMOTEDATA_REMOTE_USERNAME"] or ask_user("Remote username: ", interactive).strip()
    uri = env["PYREMOTEDATA_REMOTE_URI"]
    if not uri:
        uri = ask_user(f"Remote URI (default {DEFAULT_REMOTE}): ", interactive).strip() or DEFAULT_REMOTE
    local_dir = env["PYREMOTEDATA_LOCAL_DIRECTORY"]
    if local_dir is None:
        local_dir = (ask_user("Local directory (empty: a temporary directory): ", interactive).strip()
                     if interactive else "")
    remote_dir = env["PYREMOTEDATA_REMOTE_DIRECTORY"]
    if not remote_dir:
        remote_dir = (ask_user(f"Default remote directory (default {DEFAULT_REMOTE_DIRECTORY}): ",
                               interactive).strip() if interactive else "") or DEFAULT_REMOTE_DIRECTORY
    if not user:
        raise ConfigError("A remote username is required (PYREMOTEDATA_REMOTE_USERNAME).")
    return user, uri, local_dir, remote_dir


def remove_config() -> None:
    """Delete the configuration file (and upstream's copy inside the package, if any)."""
    for path in (config_path(), LEGACY_CONFIG_PATH):
        try:
            os.remove(path)
            log.info("Removed config file %s", path)
        except FileNotFoundError:
            pass


def _write_private(path: str, text: str) -> None:
    """Write ``text`` readable by the owner only (the file names a user and a host)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def create_default_config(interactive: bool = True) -> None:
    """Write the configuration from the environment (asking for what is missing)."""
    user, uri, local_dir, remote_dir = get_environment_variables(interactive)
    document = {
        "validate": True,
        "implicit_mount": {
            "user": user,
            "remote": uri,
            "local_dir": local_dir,
            "default_remote_dir": remote_dir,
            "lftp": dict(DEFAULT_LFTP_CONFIG),
        },
    }
    header = ("# pyremotedata configuration. Set 'validate: false' to keep manual edits;\n"
              "# otherwise it is checked against the PYREMOTEDATA_* environment variables.\n")
    path = config_path()
    _write_private(path, header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    log.info("Wrote config file %s", path)


def _load(path: str) -> Dict[str, Any]:
    try:
        with open(path, "r", encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The pyremotedata config file {path} is not valid YAML ({exc}). "
                          f"Fix it, or delete it with pyremotedata.config.remove_config().") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"The pyremotedata config file {path} is not UTF-8 text ({exc}). "
                          f"Delete it with pyremotedata.config.remove_config().") from exc
    if not isinstance(document, dict) or not isinstance(document.get("implicit_mount"), dict):
        raise ConfigError(f"The pyremotedata config file {path} has no 'implicit_mount' section. "
                          f"Fix it, or delete it with pyremotedata.config.remove_config().")
    lftp = document["implicit_mount"].get("lftp")
    if lftp is not None and not isinstance(lftp, dict):
        raise ConfigError(f"The 'lftp' section of {path} must be a mapping of lftp settings.")
    return document


def _mismatches(section: Dict[str, Any]) -> Dict[str, Tuple[Any, str]]:
    found = {}
    for name, key in _ENV_TO_KEY.items():
        value = os.environ.get(name)
        if value is not None and str(section.get(key, "")) != value:
            found[name] = (section.get(key), value)
    return found


def get_config(validate: bool = True) -> Dict[str, Any]:
    """The configuration, created from the environment when there is none yet.

    With ``validate`` and ``validate: true`` in the file, values that differ from the
    environment regenerate the file (interactive) or raise :class:`ConfigError` (auto mode).
    """
    auto = is_auto()
    path = _existing_config_path()
    if path is None:
        if not auto:
            answer = ask_user(f"No pyremotedata config at {config_path()}. Create it now? (y/n): ")
            if answer.strip().lower() not in ("y", "yes"):
                raise FileNotFoundError(f"No pyremotedata config file at {config_path()}")
        create_default_config(interactive=not auto)
        path = config_path()
    document = _load(path)
    if validate and document.get("validate", False):
        mismatched = _mismatches(document["implicit_mount"])
        if mismatched:
            names = ", ".join(sorted(mismatched))
            if auto:
                raise ConfigError(
                    f"The config file {path} does not match the environment ({names}). Remove it with "
                    f"pyremotedata.config.remove_config() or set 'validate: false' in it.")
            log.info("Config %s differs from the environment (%s); regenerating it", path, names)
            remove_config()
            create_default_config(interactive=True)
            document = _load(config_path())
    return document


def get_this_config(this: str, **kwargs: Any) -> Any:
    """One top-level section of the configuration."""
    document = get_config(**kwargs)
    if this not in document:
        raise ConfigError(f"The pyremotedata config has no {this!r} section.")
    return document[this]


def get_mount_config(**kwargs: Any) -> Dict[str, Any]:
    """The ``mount`` section (files written by this version use ``implicit_mount``)."""
    document = get_config(**kwargs)
    return document.get("mount") or document["implicit_mount"]


def get_implicit_mount_config(**kwargs: Any) -> Dict[str, Any]:
    """The ``implicit_mount`` section: user, remote, directories and lftp settings."""
    return get_this_config("implicit_mount", **kwargs)


def render_setting(value: Any) -> str:
    """An lftp setting value as text (YAML turns ``on``/``yes`` into booleans)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def deparse_args(config: Dict[str, Any], what: str) -> str:
    """Render a configuration section as lftp command text.

    ``deparse_args(cfg, "lftp")`` gives ``set k v; set k2 v2``; any other section is rendered
    as options (``-k v`` / ``--key v``) the way :meth:`ImplicitMount.format_options` does.
    """
    from .quoting import lftp_quote

    section = config.get(what, config) if isinstance(config, dict) else config
    if not isinstance(section, dict):
        raise ConfigError(f"Config section {what!r} is not a mapping")
    if what == "lftp":
        return "; ".join(f"set {key} {lftp_quote(render_setting(value))}" for key, value in section.items())
    parts = []
    for key, value in section.items():
        flag = f"-{key}" if len(key) == 1 else f"--{key}"
        parts.append(flag if value is None or value == "" else f"{flag} {render_setting(value)}")
    return " ".join(parts)
