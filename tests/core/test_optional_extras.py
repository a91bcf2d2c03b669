"""A plain install (no extras) must not break pytest for users: every pytest11 plugin of this
repository imports without werkzeug, moto, wsgidav, boto3, typer or tqdm."""
import subprocess
import sys
import textwrap

BLOCKED = ("werkzeug", "moto", "wsgidav", "boto3", "botocore", "typer", "rich", "tqdm")


def run_without_extras(code: str) -> subprocess.CompletedProcess:
    prelude = textwrap.dedent(f"""
        import sys
        for name in {BLOCKED!r}:
            sys.modules[name] = None   # 'import name' now raises ImportError
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)


def test_every_pytest_plugin_imports_without_the_optional_extras():
    result = run_without_extras("""
        from importlib.metadata import entry_points
        import importlib
        eps = entry_points()
        plugins = [ep for ep in (eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", []))
                   if ep.value.split(".")[0] in ("archfx_cloud", "oscar_python", "firecrest", "rmlab", "pyremotedata")]
        assert len(plugins) == 5, plugins
        for ep in plugins:
            importlib.import_module(ep.value)
        print("plugins imported")
        try:
            import werkzeug  # the block really is in place
        except ImportError:
            print("werkzeug blocked")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plugins", "imported", "werkzeug", "blocked"], result.stdout


def test_an_emulator_without_werkzeug_names_the_extra():
    result = run_without_extras("""
        import oscar_python.testing as testing
        testing.OscarEmulator
    """)
    assert result.returncode != 0
    assert "remote-service-clients[emulators]" in result.stderr, result.stderr
