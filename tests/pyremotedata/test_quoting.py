"""Quoting: whatever a name contains, lftp's own parser reads it back as exactly one argument."""
from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyremotedata.errors import UnsupportedPathError
from pyremotedata.lftp import LftpProcess
from pyremotedata.quoting import (glob_escape, lftp_glob_quote, lftp_quote, needs_glob, newline_glob, safe_relative,
                                  sftp_batch_quote)

NASTY = ["plain", "with space", 'dq"uote', "sq'uote", "semi;colon", "amp&er", "pi|pe", "gt>lt<", "$(touch x)",
         "`touch y`", "!bang", "-dash", "~tilde", "back\\slash", "tab\there", "cr\rhere", "star*", "q?",
         "br[ack]et", "#hash", "ünï©ødé", "trailing\\", "\\\"\\!", "&&", "||", "a b ; c && d"]


@pytest.fixture(scope="module")
def lftp():
    process = LftpProcess().start()
    yield process
    process.close()


def echo_back(lftp: LftpProcess, quoted: str) -> str:
    # "x" glued in front keeps echo from reading a leading "-n" as its option
    result = lftp.run(f"echo x{quoted}", timeout=10)
    assert result.ok, result.stderr
    return result.stdout[-1][1:]


@pytest.mark.parametrize("name", NASTY)
def test_lftp_reads_back_exactly_what_was_quoted(lftp: LftpProcess, name: str) -> None:
    assert echo_back(lftp, lftp_quote(name)) == name


text_without_newline = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\x00"),
                               min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(text_without_newline)
def test_any_text_round_trips_through_lftps_parser(lftp: LftpProcess, text: str) -> None:
    assert echo_back(lftp, lftp_quote(text)) == text


def test_glob_escaped_text_is_matched_literally_by_lftps_glob(lftp: LftpProcess, tmp_path) -> None:
    names = ["star*", "q?", "br[ack]et", "back\\slash", "plain"]
    for name in names:
        (tmp_path / name).write_text(name)
    (tmp_path / "starX").write_text("decoy")
    (tmp_path / "qZ").write_text("decoy")
    assert lftp.run(f"open {lftp_quote('file:' + str(tmp_path))}", timeout=10).ok
    unescaped = lftp.run(f"glob -a echo {lftp_quote(str(tmp_path / 'q?'))}", timeout=10)
    assert sorted(unescaped.stdout[0].split(" ")) == [str(tmp_path / "q?"), str(tmp_path / "qZ")]  # a real glob
    for name in names:
        result = lftp.run(f"glob -a echo {lftp_glob_quote(str(tmp_path / name))}", timeout=10)
        assert result.ok, result.stderr
        assert result.stdout == [str(tmp_path / name)]


def test_newline_cannot_be_quoted_but_reaches_the_file_through_a_unique_glob(lftp: LftpProcess, tmp_path) -> None:
    with pytest.raises(UnsupportedPathError):
        lftp_quote("a\nb")
    assert needs_glob("a\nb") and not needs_glob("a b")
    target = tmp_path / "new\nline*"
    target.write_text("x")
    (tmp_path / "new\nline").write_text("decoy")
    assert lftp.run(f"open {lftp_quote('file:' + str(tmp_path))}", timeout=10).ok
    pattern = newline_glob(str(target))
    assert "\n" not in pattern
    result = lftp.run(f"glob -a echo {pattern}", timeout=10)
    assert result.ok and result.stdout == [str(tmp_path / "new"), "line*"]  # echo prints the newline


def test_newline_in_a_directory_is_refused() -> None:
    with pytest.raises(UnsupportedPathError):
        newline_glob("dir\nname/file")
    with pytest.raises(UnsupportedPathError):
        lftp_quote("nul\x00")


def test_relative_paths_that_look_like_options_home_or_urls_get_a_dot_slash() -> None:
    assert safe_relative("-rf") == "./-rf"
    assert safe_relative("~root") == "./~root"
    assert safe_relative("file:x") == "./file:x"
    assert safe_relative("sftp://host/x") == "./sftp://host/x"
    assert safe_relative("dir/a:b") == "dir/a:b"
    assert safe_relative("/abs/-x") == "/abs/-x"
    assert safe_relative("plain") == "plain"


def test_glob_escape_covers_every_wildcard() -> None:
    assert glob_escape("a*b?c[d]e\\f") == "a\\*b\\?c\\[d\\]e\\\\f"
    assert glob_escape(string.ascii_letters) == string.ascii_letters


def test_sftp_batch_quote_escapes_quotes_and_backslashes_only() -> None:
    assert sftp_batch_quote('/a "b"\\c*') == '"/a \\"b\\"\\\\c*"'
    with pytest.raises(UnsupportedPathError):
        sftp_batch_quote("relative")
    with pytest.raises(UnsupportedPathError):
        sftp_batch_quote("/new\nline")
