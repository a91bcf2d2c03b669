"""Configuration: upstream's variables and YAML layout, stored privately in the XDG directory."""
from __future__ import annotations

import io
import os
import stat
import sys

import pytest
import yaml

from pyremotedata import config
from pyremotedata.errors import ConfigError


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    values = {
        "PYREMOTEDATA_REMOTE_USERNAME": "alice",
        "PYREMOTEDATA_REMOTE_URI": "sftp.example.org:2022",
        "PYREMOTEDATA_REMOTE_DIRECTORY": "/projects/data",
        "PYREMOTEDATA_AUTO": "yes",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_config_is_written_to_the_xdg_directory_with_mode_0600(env, isolated_home) -> None:
    document = config.get_config()
    path = isolated_home / ".config" / "pyremotedata" / "pyremotedata_config.yaml"
    assert config.CONFIG_PATH == str(path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    section = document["implicit_mount"]
    assert document["validate"] is True
    assert (section["user"], section["remote"], section["default_remote_dir"], section["local_dir"]) == (
        "alice", "sftp.example.org:2022", "/projects/data", "")
    assert section["lftp"] == config.DEFAULT_LFTP_CONFIG
    assert yaml.safe_load(path.read_text()) == document
    assert not os.path.exists(config.LEGACY_CONFIG_PATH)


def test_config_path_follows_xdg_config_home_at_call_time(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert config.CONFIG_PATH == str(tmp_path / "elsewhere" / "pyremotedata" / "pyremotedata_config.yaml")


def test_sections_and_helpers(env) -> None:
    assert config.get_implicit_mount_config()["user"] == "alice"
    assert config.get_this_config("validate") is True
    assert config.get_mount_config()["remote"] == "sftp.example.org:2022"
    with pytest.raises(ConfigError):
        config.get_this_config("nope")
    assert config.get_environment_variables() == ("alice", "sftp.example.org:2022", "", "/projects/data")


def test_remove_config(env) -> None:
    config.get_config()
    assert os.path.exists(config.CONFIG_PATH)
    config.remove_config()
    assert not os.path.exists(config.CONFIG_PATH)
    config.remove_config()  # removing twice is fine


def test_corrupt_file_is_a_clear_error_naming_it(env) -> None:
    os.makedirs(os.path.dirname(config.CONFIG_PATH))
    with open(config.CONFIG_PATH, "w") as handle:
        handle.write("implicit_mount: [unclosed\n  : : :")
    with pytest.raises(ConfigError) as caught:
        config.get_config()
    assert config.CONFIG_PATH in str(caught.value)
    assert "remove_config" in str(caught.value)
    with open(config.CONFIG_PATH, "w") as handle:
        handle.write("just a string\n")
    with pytest.raises(ConfigError, match="implicit_mount"):
        config.get_config()


def test_validation_mismatch_in_auto_mode_raises_and_validate_false_keeps_edits(env, monkeypatch) -> None:
    config.get_config()
    monkeypatch.setenv("PYREMOTEDATA_REMOTE_USERNAME", "bob")
    with pytest.raises(ConfigError, match="PYREMOTEDATA_REMOTE_USERNAME"):
        config.get_config()
    assert config.get_config(validate=False)["implicit_mount"]["user"] == "alice"
    document = yaml.safe_load(open(config.CONFIG_PATH))
    document["validate"] = False
    with open(config.CONFIG_PATH, "w") as handle:
        yaml.safe_dump(document, handle)
    assert config.get_config()["implicit_mount"]["user"] == "alice"


def test_no_terminal_means_a_clear_error_not_a_hang(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a TTY
    with pytest.raises(ConfigError, match="no terminal"):
        config.ask_user("Remote username: ")
    with pytest.raises(ConfigError, match="interactive=False"):
        config.ask_user("Remote username: ", interactive=False)
    with pytest.raises(ConfigError, match="no terminal"):
        config.get_config()  # would have prompted "create it now?"


def test_auto_mode_names_the_missing_variables(monkeypatch) -> None:
    monkeypatch.setenv("PYREMOTEDATA_AUTO", "YES")
    monkeypatch.setenv("PYREMOTEDATA_REMOTE_URI", "host")
    with pytest.raises(ConfigError, match="PYREMOTEDATA_REMOTE_USERNAME"):
        config.get_config()


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_setup_on_a_terminal(monkeypatch) -> None:
    answers = iter(["y", "carol", "", "/tmp/prd-local", "/data"])
    monkeypatch.setattr(sys, "stdin", FakeTTY())
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    document = config.get_config()
    section = document["implicit_mount"]
    assert (section["user"], section["remote"], section["local_dir"], section["default_remote_dir"]) == (
        "carol", config.DEFAULT_REMOTE, "/tmp/prd-local", "/data")


def test_declining_to_create_raises_file_not_found(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeTTY())
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    with pytest.raises(FileNotFoundError):
        config.get_config()


def test_interactive_mismatch_regenerates(env, monkeypatch) -> None:
    config.get_config()
    monkeypatch.delenv("PYREMOTEDATA_AUTO")
    monkeypatch.setenv("PYREMOTEDATA_REMOTE_DIRECTORY", "/other")
    monkeypatch.setattr(sys, "stdin", FakeTTY())
    monkeypatch.setattr("builtins.input", lambda prompt="": "")
    assert config.get_config()["implicit_mount"]["default_remote_dir"] == "/other"


def test_legacy_location_is_still_read(monkeypatch, tmp_path) -> None:
    legacy = tmp_path / "pyremotedata_config.yaml"
    legacy.write_text(yaml.safe_dump({"validate": False, "implicit_mount": {"user": "old", "remote": "h"}}))
    monkeypatch.setattr(config, "LEGACY_CONFIG_PATH", str(legacy))
    assert config.get_config()["implicit_mount"]["user"] == "old"
    config.remove_config()
    assert not legacy.exists()


def test_deparse_args() -> None:
    assert config.deparse_args({"lftp": {"xfer:parallel": 5, "cmd:trace": False}}, "lftp") == \
        'set xfer:parallel "5"; set cmd:trace "no"'
    assert config.deparse_args({"mirror": {"P": 5, "use-cache": None}}, "mirror") == "-P 5 --use-cache"
