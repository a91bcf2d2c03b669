"""DataError: a ValueError always; also typedargs' KeyValueException when typedargs is importable.

typedargs is not a dependency, so both cases run in a fresh interpreter with a stand-in
``typedargs`` package first on ``sys.path``: one that provides ``KeyValueException`` (written
after typedargs 1.x) and one whose import fails.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archfx_cloud.reports import exceptions
from archfx_cloud.reports.exceptions import DataError

FAKE_TYPEDARGS = '''
class KeyValueException(Exception):
    def __init__(self, msg, **kwargs):
        self.params = kwargs
        self.msg = msg
        super(KeyValueException, self).__init__()

    def format(self, exclude_class=False):
        return "typedargs format"

    def to_dict(self):
        return {"reason": self.msg, "type": self.__class__.__name__, "params": self.params}

    def __str__(self):
        return self.format()
'''

CHECK = '''
import json, sys
from archfx_cloud.reports.exceptions import DataError, KEY_VALUE_EXCEPTION
from archfx_cloud.reports.report import ArchFXDataPoint
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
out = {"typedargs": KEY_VALUE_EXCEPTION is not None, "value_error": issubclass(DataError, ValueError)}
try:
    from typedargs.exceptions import KeyValueException
except ImportError:
    KeyValueException = None
out["is_kve"] = KeyValueException is not None and issubclass(DataError, KeyValueException)
caught = []
for bad in (lambda: ArchFXDataPoint(None, 1, 1.0), lambda: ArchFXFlexibleDictionaryReport(b"\\xc1", False, False)):
    try:
        try:
            bad()
        except KeyValueException if KeyValueException is not None else ():
            caught.append("KeyValueException")
    except ValueError as exc:
        caught.append("ValueError")
out["caught"] = caught
error = DataError("bad thing", index=3)
out["str"] = str(error)
out["args"] = list(error.args)
out["dict"] = error.to_dict()
out["format_msg"] = error.format_msg()
print(json.dumps(out))
'''


def _run_with(tmp_path: Path, typedargs_exceptions: str) -> Any:
    package = tmp_path / "typedargs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "exceptions.py").write_text(typedargs_exceptions)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_with_typedargs_data_error_is_also_a_key_value_exception(tmp_path: Path) -> None:
    out = _run_with(tmp_path, FAKE_TYPEDARGS)
    assert out["typedargs"] and out["is_kve"] and out["value_error"]
    assert out["caught"] == ["KeyValueException", "KeyValueException"]  # upstream's except clause still works
    assert out["str"] == "bad thing (index=3)" and out["args"] == ["bad thing"]
    assert out["dict"] == {"reason": "bad thing", "type": "DataError", "params": {"index": 3}}
    assert out["format_msg"] == "bad thing (index=3)"


def test_without_typedargs_data_error_is_a_value_error(tmp_path: Path) -> None:
    out = _run_with(tmp_path, "raise ImportError('typedargs is not installed here')\n")
    assert out == {"typedargs": False, "value_error": True, "is_kve": False, "caught": ["ValueError", "ValueError"],
                   "str": "bad thing (index=3)", "args": ["bad thing"],
                   "dict": {"reason": "bad thing", "type": "DataError", "params": {"index": 3}},
                   "format_msg": "bad thing (index=3)"}


def test_in_this_environment() -> None:
    try:
        from typedargs.exceptions import KeyValueException  # type: ignore[import-not-found]
    except ImportError:
        assert exceptions.KEY_VALUE_EXCEPTION is None
        assert DataError.__mro__[1:] == (ValueError, Exception, BaseException, object)
    else:  # pragma: no cover - typedargs is not installed in this repository's venv
        assert issubclass(DataError, KeyValueException)
    error = DataError("x", a=1)
    assert isinstance(error, ValueError) and error.msg == "x" and error.params == {"a": 1}
    with pytest.raises(ValueError, match="^x \\(a=1\\)$"):
        raise error
