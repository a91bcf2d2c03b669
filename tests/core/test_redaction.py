"""Secrets never reach logs, reprs or exception texts, whatever the auth kind."""
from __future__ import annotations

import logging
import re
import socket
import traceback

import pytest

from archfx_cloud.api.auth import BasicAuth, OAuth2ClientCredentials, RefreshingAuth, TokenAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.redact import mask_headers, mask_url

PASSWORD = "pw-S3CRET-1"
QUERY_TOKEN = "qt-S3CRET-2"
USERINFO_PASSWORD = "ui-S3CRET-3"
CLIENT_SECRET = "demo-secret"


def test_nothing_secret_in_debug_logs_reprs_or_errors(demo, caplog):
    demo.app.clients["demo-client"] = CLIENT_SECRET
    bearer = demo.issue_token()
    refreshed = demo.issue_token()
    secrets = [PASSWORD, QUERY_TOKEN, USERINFO_PASSWORD, CLIENT_SECRET, bearer, refreshed]
    texts = []
    caplog.set_level(logging.DEBUG)
    auths = [TokenAuth(bearer, prefix="jwt"), TokenAuth(bearer, prefix="token"), BasicAuth("demo", PASSWORD),
             RefreshingAuth(bearer, refresh=lambda: refreshed),
             OAuth2ClientCredentials(demo.url + "/oauth/token", "demo-client", CLIENT_SECRET)]
    for auth in auths:
        with RestClient(demo.url, auth=auth, retries=0) as c:
            texts += [repr(auth), repr(c), repr(c.secure.x)]
            demo.app.expire_tokens()
            for call in (lambda: c.secure.get(access_token=QUERY_TOKEN),
                         lambda: c.status(404).get(password=PASSWORD, api_key=QUERY_TOKEN),
                         lambda: c.request("GET", demo.url.replace("http://", f"http://user:{USERINFO_PASSWORD}@")
                                           + "/status/500"),
                         lambda: c.format("bad-json").get(access_token=QUERY_TOKEN),
                         lambda: c.request("GET", f"http://127.0.0.1:{closed_port()}/x",
                                           params={"access_token": QUERY_TOKEN})):
                try:
                    call()
                except Exception as error:
                    texts += [str(error), repr(error), str(getattr(error, "url", "")),
                              "".join(traceback.format_exception(type(error), error, error.__traceback__))]
    texts.append(caplog.text)
    assert "GET" in caplog.text and "/status/404" in caplog.text  # logging really happened
    assert re.search(r"/status/404\S* -> 404 \(\d+\.\d ms\)", caplog.text)  # status and elapsed time
    assert "Traceback" in "\n".join(texts) and "ConnectionError" in "\n".join(texts)
    joined = "\n".join(texts)
    for secret in secrets:
        assert secret not in joined, secret


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mask_helpers():
    assert mask_url("https://u:p@h/x?token=abc&page=2") == "https://u:***@h/x?token=%2A%2A%2A&page=2".replace(
        "%2A%2A%2A", "***")
    assert mask_url("https://h/x?X-Amz-Signature=abc&X-Amz-Credential=def&a=1").count("***") == 2
    assert mask_headers({"Authorization": "x", "Cookie": "y", "X-Api-Key": "z", "Accept": "a"}) == {
        "Authorization": "***", "Cookie": "***", "X-Api-Key": "***", "Accept": "a"}
