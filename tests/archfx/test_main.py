"""archfx_cloud.utils.main.BaseMain: options, .ini tokens, password sources, hooks; against the emulator."""
from __future__ import annotations

import argparse
import io
import logging
import subprocess
import sys
import textwrap
from typing import List, Type

import pytest

import archfx_cloud.utils.main as main_module
from archfx_cloud.utils.main import CONFIG, BaseMain
from archfx_cloud.testing.emulator import ArchFxEmulator


def script_for(emu: ArchFxEmulator) -> Type[BaseMain]:
    """A BaseMain whose ``--server dev`` is the emulator, recording the hooks it runs."""

    class Script(BaseMain):
        SERVER_DOMAINS = dict(BaseMain.SERVER_DOMAINS, dev=emu.url)

        def __init__(self, *args, **kwargs) -> None:
            self.calls: List[str] = []
            super().__init__(*args, **kwargs)

        def before_login(self) -> None:
            self.calls.append("before_login")

        def after_login(self) -> None:
            self.calls.append("after_login")
            self.orgs = self.api.org.get()["count"]

        def logout(self) -> None:
            self.calls.append("logout")
            super().logout()

        def after_logout(self) -> None:
            self.calls.append("after_logout")

    return Script


def no_prompt(*args, **kwargs) -> str:
    raise AssertionError("getpass must not be called")


def write_ini(tmp_path, text: str) -> str:
    path = tmp_path / "creds.ini"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_options_dests_and_defaults(tmp_path) -> None:
    work = BaseMain(config_path=str(tmp_path / "none.ini"), argv=[])
    assert (work.args.email, work.args.server_type, work.args.customer) == (None, "prod", "arch")
    assert work.get_domain() == "https://arch.archfx.io"
    work = BaseMain(config_path=str(tmp_path / "none.ini"), argv=["-u", "me@x.io", "--customer", "acme"])
    assert work.args.email == "me@x.io" and work.get_domain() == "https://acme.archfx.io"
    work = BaseMain(config_path=str(tmp_path / "none.ini"), argv=["--user", "me@x.io", "--server", "dev"])
    assert work.get_domain() == "http://localhost"


def test_stage_and_unknown_servers_are_usage_errors(tmp_path, capsys) -> None:
    work = BaseMain(config_path=str(tmp_path / "none.ini"), argv=["--server", "stage"])
    with pytest.raises(SystemExit) as info:
        work.get_domain()  # upstream: KeyError
    assert info.value.code == 2
    assert "--server stage: no domain is configured" in capsys.readouterr().err
    work = BaseMain(config_path=str(tmp_path / "none.ini"), argv=["--server", "qa"])
    with pytest.raises(SystemExit) as info:
        work.get_domain()
    assert info.value.code == 2 and "--server qa: no domain is configured" in capsys.readouterr().err

    class WithQa(BaseMain):  # upstream subclasses handle their own servers in get_domain
        def get_domain(self) -> str:
            return "https://qa.example.org" if self.args.server_type == "qa" else super().get_domain()

    assert WithQa(config_path=str(tmp_path / "none.ini"), argv=["--server", "qa"]).get_domain() == \
        "https://qa.example.org"


def test_parse_args_patch_point_still_applies(monkeypatch, tmp_path) -> None:
    wanted = argparse.Namespace(email="p@x.io", server_type="dev", customer="arch", password_stdin=False)
    monkeypatch.setattr("archfx_cloud.utils.main.argparse.ArgumentParser.parse_args", lambda self, *a: wanted)
    assert BaseMain(config_path=str(tmp_path / "none.ini")).args is wanted


def test_ini_token_logs_in_with_exactly_two_requests(archfx_emulator: ArchFxEmulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", no_prompt)
    ini = write_ini(tmp_path, f"""
        [c-arch]
        token = {archfx_emulator.token}
    """)
    work = script_for(archfx_emulator)(config_path=ini, argv=["--server", "dev"])
    work.main()
    assert work.calls == ["before_login", "after_login", "logout", "after_logout"]
    assert work.orgs == 0
    requests_seen = [r for r in archfx_emulator.app.requests]
    assert requests_seen == [("GET", "/api/v1/auth/user-info/"), ("GET", "/api/v1/org/"),
                             ("POST", "/api/v1/auth/logout/")]
    assert set(archfx_emulator.app.auth_headers) == {f"token {archfx_emulator.token}"}


def test_ini_jwt_pair_is_refreshed_when_the_access_token_expired(archfx_emulator: ArchFxEmulator, tmp_path,
                                                                monkeypatch) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", no_prompt)
    access, refresh = archfx_emulator.issue_jwt()
    archfx_emulator.expire_access_tokens()
    ini = write_ini(tmp_path, f"""
        [c-acme]
        jwt_access = {access}
        jwt_refresh = {refresh}
    """)
    work = script_for(archfx_emulator)(config_path=ini, argv=["--server", "dev", "--customer", "acme"])
    work.main()
    assert work.calls[-1] == "after_logout"
    paths = [p for _, p in archfx_emulator.app.requests]
    assert paths[:3] == ["/api/v1/auth/user-info/", "/api/v1/auth/api-jwt-refresh/", "/api/v1/auth/user-info/"]


def test_empty_section_sends_no_jwt_none_and_falls_back_to_password(archfx_emulator: ArchFxEmulator, tmp_path,
                                                                    monkeypatch) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", lambda *a, **k: archfx_emulator.password)
    ini = write_ini(tmp_path, "[c-arch]\n")
    work = script_for(archfx_emulator)(config_path=ini, argv=["--server", "dev", "-u", archfx_emulator.email])
    work.main()
    assert work.calls == ["before_login", "after_login", "logout", "after_logout"]
    assert archfx_emulator.app.requests[0] == ("POST", "/api/v1/auth/login/")
    assert archfx_emulator.app.auth_headers[0] is None  # upstream sent "Authorization: jwt None"
    assert not [h for h in archfx_emulator.app.auth_headers if h and h.endswith(" None")]


def test_rejected_token_falls_back_to_password(archfx_emulator: ArchFxEmulator, tmp_path, monkeypatch) -> None:
    prompts = []
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass",
                        lambda *a, **k: prompts.append(1) or archfx_emulator.password)
    ini = write_ini(tmp_path, "[c-arch]\ntoken = revoked\n")
    work = script_for(archfx_emulator)(config_path=ini, argv=["--server", "dev", "-u", archfx_emulator.email])
    work.main()
    assert prompts == [1] and "after_login" in work.calls


def test_failed_password_login_skips_the_work(archfx_emulator: ArchFxEmulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", lambda *a, **k: "wrong")
    work = script_for(archfx_emulator)(config_path=str(tmp_path / "none.ini"),
                                       argv=["--server", "dev", "-u", archfx_emulator.email])
    work.main()
    assert work.calls == ["before_login"]


def test_missing_user_exits_1(archfx_emulator: ArchFxEmulator, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", no_prompt)
    work = script_for(archfx_emulator)(config_path=str(tmp_path / "none.ini"), argv=["--server", "dev"])
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as info:
        work.main()
    assert info.value.code == 1
    assert "User email is required: --user" in caplog.text


def test_password_stdin(archfx_emulator: ArchFxEmulator, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("archfx_cloud.utils.main.getpass.getpass", no_prompt)
    monkeypatch.setattr(sys, "stdin", io.StringIO(archfx_emulator.password + "\n"))
    work = script_for(archfx_emulator)(config_path=str(tmp_path / "none.ini"),
                                       argv=["--server", "dev", "-u", archfx_emulator.email, "--password-stdin"])
    work.main()
    assert work.calls[-1] == "after_logout"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    work = script_for(archfx_emulator)(config_path=str(tmp_path / "none.ini"),
                                       argv=["--server", "dev", "-u", archfx_emulator.email, "--password-stdin"])
    with pytest.raises(SystemExit) as info:
        work.main()
    assert info.value.code == 1


def test_without_a_terminal_a_piped_password_is_read_as_getpass_would(archfx_emulator, monkeypatch,
                                                                     tmp_path) -> None:
    monkeypatch.setattr(main_module, "_terminal_available", lambda: False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(archfx_emulator.password + "\n"))
    work = script_for(archfx_emulator)(config_path=str(tmp_path / "none.ini"),
                                       argv=["--server", "dev", "-u", archfx_emulator.email])
    work.main()
    assert work.calls[-1] == "after_logout"


def test_no_terminal_no_token_no_password_fails_instead_of_hanging(tmp_path) -> None:
    code = textwrap.dedent("""
        from archfx_cloud.utils.main import BaseMain
        BaseMain(config_path="none.ini", argv=["-u", "me@example.com", "--server", "dev"]).main()
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, stdin=subprocess.PIPE,
                          capture_output=True, timeout=60, start_new_session=True)
    assert done.returncode == 1
    assert b"no terminal to ask for one" in done.stderr and b"--password-stdin" in done.stderr


def test_each_instance_reads_its_own_config(tmp_path) -> None:
    first = tmp_path / "a.ini"
    first.write_text("[c-a]\ntoken = A\n")
    second = tmp_path / "b.ini"
    second.write_text("[c-b]\ntoken = B\n")
    one = BaseMain(config_path=str(first), argv=[])
    two = BaseMain(config_path=str(second), argv=[])
    assert one.config.sections() == ["c-a"] and two.config.sections() == ["c-b"]
    # upstream's module-level CONFIG is loaded too, for scripts that read extra keys through it
    assert {"c-a", "c-b"} <= set(CONFIG.sections()) and CONFIG["c-b"]["token"] == "B"
    assert main_module.CONFIG is CONFIG


def test_after_login_default_logs_no_work(archfx_emulator: ArchFxEmulator, tmp_path, caplog) -> None:
    class Plain(BaseMain):
        SERVER_DOMAINS = dict(BaseMain.SERVER_DOMAINS, dev=archfx_emulator.url)

    ini = write_ini(tmp_path, f"[c-arch]\ntoken = {archfx_emulator.token}\n")
    with caplog.at_level(logging.INFO):
        Plain(config_path=ini, argv=["--server", "dev"]).main()
    assert "No actual work done" in caplog.text
