"""The seed README's example, verbatim apart from the three values, against the local server.

The example reads everything from ``PYREMOTEDATA_*`` variables; the only extra one is
``PYREMOTEDATA_SSH_OPTIONS``, which carries the throw-away server's key and known_hosts file.
"""
from __future__ import annotations

import contextlib
import io
import os
import textwrap

SEED_EXAMPLE = textwrap.dedent('''
    # Set the environment variables (only necessary in a non-interactive setting)
    # If you are simply running this as a Python script,
    # you can omit these lines and you will be prompted to set them interactively
    import os
    os.environ["PYREMOTEDATA_REMOTE_USERNAME"] = "username"
    os.environ["PYREMOTEDATA_REMOTE_URI"] = "storage.example.com"
    os.environ["PYREMOTEDATA_REMOTE_DIRECTORY"] = "/MY_PROJECT/DATASETS"
    os.environ["PYREMOTEDATA_AUTO"] = "yes"

    from pyremotedata.implicit_mount import IOHandler

    handler = IOHandler()

    with handler as io:
        print(io.ls())

    # The configuration is persistent, but can be removed using the following:
    from pyremotedata.config import remove_config
    remove_config()
''')


def test_seed_readme_example_runs_against_the_local_server(pyremotedata_sshd, pyremotedata_workspace,
                                                           monkeypatch) -> None:
    (pyremotedata_workspace.path("images")).mkdir()
    (pyremotedata_workspace.path("labels.csv")).write_text("a,b\n")
    env = pyremotedata_sshd.environ()
    monkeypatch.setenv("PYREMOTEDATA_SSH_OPTIONS", env["PYREMOTEDATA_SSH_OPTIONS"])
    for name in ("PYREMOTEDATA_REMOTE_USERNAME", "PYREMOTEDATA_REMOTE_URI", "PYREMOTEDATA_REMOTE_DIRECTORY",
                 "PYREMOTEDATA_AUTO"):
        monkeypatch.setenv(name, "")  # registered with monkeypatch so the example's writes are undone
    code = (SEED_EXAMPLE.replace('"username"', repr(env["PYREMOTEDATA_REMOTE_USERNAME"]))
            .replace('"storage.example.com"', repr(env["PYREMOTEDATA_REMOTE_URI"]))
            .replace('"/MY_PROJECT/DATASETS"', repr(pyremotedata_workspace.remote_dir)))
    from pyremotedata import config

    created = []
    original = config.create_default_config
    monkeypatch.setattr(config, "create_default_config",
                        lambda *a, **k: (original(*a, **k), created.append(config.CONFIG_PATH)))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "seed_readme_example", "exec"), {"__name__": "__seed__"})
    assert printed.getvalue().strip() == "['images/', 'labels.csv']"
    assert created and not os.path.exists(created[0])  # written, then removed by remove_config()
