"""The tour's pyremotedata leg runs end to end against a real sshd."""
from __future__ import annotations

from typing import List

import pytest

from pyremotedata.testing import sshd, tour


def test_pyremotedata_tour_leg(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines: List[str] = []
    tour.run(lines.append)
    text = "\n".join(lines)
    assert "OpenSSH sshd on 127.0.0.1:" in text
    assert "uploaded 300 files" in text
    assert "lists 300 files" in text
    assert "300 checksums matched; 0 local copies left" in text
    assert "gives this worker 75 of 300 files" in text
    assert "sync both: uploaded ['class_0/notes.txt'], downloaded ['class_1/sample_0001.bin']; index now lists 301" in text
    assert "came back intact=True; nothing ran (no PWNED file: True)" in text
    assert lines[-1] == "sshd stopped; its keys and files are gone"
    assert list(tmp_path.iterdir()) == []


def test_tour_says_what_to_install_when_tools_are_missing(monkeypatch) -> None:
    monkeypatch.setattr(tour, "missing_tools", lambda: ["sshd (openssh-server)", "lftp (lftp)"])
    lines: List[str] = []
    with pytest.raises(sshd.SSHDUnavailable):
        tour.run(lines.append)
    assert "apt-get install openssh-server lftp" in lines[0]
    assert "missing sshd (openssh-server), lftp (lftp)" in lines[0]


def test_missing_tools_are_detected_from_the_path(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sshd, "SSHD_CANDIDATES", ())
    assert sshd.missing_tools() == ["sshd (openssh-server)", "ssh-keygen (openssh-client)", "ssh (openssh-client)",
                                    "lftp (lftp)"]
    with pytest.raises(sshd.SSHDUnavailable, match="apt-get install openssh-server lftp"):
        sshd.LocalSFTPServer().start()
