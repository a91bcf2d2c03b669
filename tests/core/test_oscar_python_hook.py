"""The re-exported ``requests`` classes that oscar_python builds its upstream-compatible errors on."""
from __future__ import annotations

import requests

from archfx_cloud.api import exceptions
from archfx_cloud.api.client import RestClient


class CompatNotFound(exceptions.HttpNotFoundError, exceptions.RequestsHTTPError):
    """What a service package declares to keep ``except requests.HTTPError`` working."""


def test_reexports_are_requests_own_classes() -> None:
    assert exceptions.RequestsHTTPError is requests.exceptions.HTTPError
    assert exceptions.RequestsResponse is requests.Response


def test_a_compat_error_raised_from_the_error_hook_is_both(demo) -> None:
    def hook(response):
        if response.status_code == 404:
            return CompatNotFound("gone", response=response, status_code=404, method="GET", url=response.url)
        return None

    with RestClient(demo.url, error_hook=hook, retries=0) as client:
        try:
            client.request("GET", demo.url + "/no/such/thing")
        except requests.HTTPError as err:
            assert isinstance(err, exceptions.HttpNotFoundError)
            assert err.response is not None and err.response.status_code == 404
            assert err.status_code == 404
        else:
            raise AssertionError("a 404 must raise")
