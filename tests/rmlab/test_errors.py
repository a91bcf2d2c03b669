"""rmlab.errors: upstream names and codes, the error JSON both ways, builtin compatibility."""
from __future__ import annotations

import builtins
import logging

import pytest

from archfx_cloud.api.exceptions import HttpClientError, HttpNotFoundError, HttpServerError, HttpUnauthorizedError
from rmlab import errors


@pytest.mark.parametrize("name, code", [
    ("ClientError", 400), ("AuthenticationError", 401), ("ForbiddenError", 403), ("NotFoundError", 404),
    ("MethodNotAllowed", 405), ("VersionError", 410), ("ExpiredSessionError", 440), ("ExpiredTokenError", 498),
    ("InternalServerError", 500), ("NotImplementedError", 501), ("BadGatewayError", 502),
    ("ServiceUnavailableError", 503), ("GatewayTimeoutError", 504)])
def test_http_classes_keep_upstream_codes(name: str, code: int) -> None:
    assert errors.exception_type_to_http_code(name) == code
    exc = errors.http_code_to_exception(code, "text")
    assert type(exc).__name__ == name
    assert exc.status_code == code and str(exc) == "text"
    assert errors.exception_to_http_code(exc) == code


def test_unmapped_codes_and_names() -> None:
    assert isinstance(errors.http_code_to_exception(418, "teapot"), errors.HTTPRequestError)
    assert errors.exception_type_to_http_code("NoSuchError") == 500
    assert errors.exception_type_to_http_code("LogicError") == 500


def test_builtin_and_core_compatibility() -> None:
    assert issubclass(errors.ValueError, builtins.ValueError)
    assert issubclass(errors.RuntimeError, builtins.RuntimeError)
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.NotImplementedError, builtins.NotImplementedError)
    assert issubclass(errors.DataValidationError, builtins.ValueError)
    assert issubclass(errors.NotFoundError, HttpNotFoundError)
    assert issubclass(errors.AuthenticationError, HttpUnauthorizedError)
    assert issubclass(errors.ExpiredTokenError, HttpClientError)
    assert issubclass(errors.BadGatewayError, HttpServerError)


def test_error_json_round_trip() -> None:
    body = errors.error_handler(errors.NotFoundError("no flight X"), errors.ClientError("bad city"))
    assert [e["type"] for e in body["errors"]] == ["NotFoundError", "ClientError"]
    assert body["errors"][0] == {"type": "NotFoundError", "content": "no flight X", "code": 404,
                                 "traceback": "hidden"}
    made = errors.make_errors_from_json(*body["errors"])
    assert isinstance(made, errors.MultipleError)
    assert [type(e) for e in made.errors] == [errors.NotFoundError, errors.ClientError]
    single = errors.make_errors_from_json(body["errors"][1], status_code=400)
    assert isinstance(single, errors.ClientError) and str(single) == "bad city" and single.status_code == 400


def test_error_handler_flattens_multiple_and_hides_html(caplog: pytest.LogCaptureFixture) -> None:
    body = errors.error_handler(errors.MultipleError(errors.ClientError("a"), errors.LogicError("<html><body>x")))
    assert [e["content"] for e in body["errors"]] == ["a", "Omitted HTML content"]
    with caplog.at_level(logging.DEBUG, logger=""):
        try:
            raise errors.ClientError("with trace")
        except errors.ClientError as exc:
            traced = errors.error_handler(exc)
    assert "Traceback" in traced["errors"][0]["traceback"]


def test_unknown_type_becomes_unhandled() -> None:
    made = errors.make_errors_from_json({"type": "QuotaError", "content": "too much", "code": 429})
    assert isinstance(made, errors.UnhandledError)
    assert "Original type: QuotaError" in str(made)


def test_error_from_response_shapes() -> None:
    assert isinstance(errors.error_from_response(400, {"detail": "x"}, '{"detail": "x"}', {}), errors.UnknownError)
    assert isinstance(errors.error_from_response(503, "down", "down", {}), errors.ServiceUnavailableError)
    assert isinstance(errors.error_from_response(
        498, {"errors": [{"type": "ExpiredTokenError", "content": "Token expired", "code": 498}]}, "", {}),
        errors.ExpiredTokenError)


def test_raise_from_list() -> None:
    errors.raise_from_list([])
    with pytest.raises(FileNotFoundError):
        errors.raise_from_list([FileNotFoundError("a")])
    with pytest.raises(errors.MultipleError) as info:
        errors.raise_from_list([FileNotFoundError("a"), TypeError("b")])
    assert len(info.value.errors) == 2


def test_data_validation_error_names_source_line_and_field() -> None:
    exc = errors.DataValidationError("expected an integer", source="table.aircraft.csv", line=3,
                                     field="Seat capacity")
    assert str(exc) == "table.aircraft.csv, line 3, field 'Seat capacity': expected an integer"
    assert exc.reason == "expected an integer"
