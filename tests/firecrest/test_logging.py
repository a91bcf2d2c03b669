"""What the client logs: useful at DEBUG, never a token, a secret or a presigned signature."""
from __future__ import annotations

import logging

import firecrest as fc

HOME = "/home/test_user"


def test_debug_logs_hold_no_secrets(emu, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="firecrest")
    auth = fc.ClientCredentialsAuth(emu.client_id, emu.client_secret, emu.token_url)
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    client.polling_sleep_times = [0.01] * 500
    client.submit("cluster", script_str="#!/bin/bash\necho hi\n")
    (tmp_path / "f.bin").write_bytes(b"x" * 1000)
    client.simple_upload("cluster", str(tmp_path / "f.bin"), HOME)
    down = client.external_download("cluster", f"{HOME}/f.bin")
    down.poll_seconds = 0.01
    down.finish_download(str(tmp_path / "g.bin"), progress=False)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET" in text and "/tasks?tasks=" in text and "-> 200" in text  # every request is logged
    token = auth.get_access_token()
    signature = down.object_storage_link.split("X-Amz-Signature=")[1]
    for secret in (token, emu.client_secret, signature):
        assert secret not in text
    assert any("finished with status" in r.getMessage() for r in caplog.records if r.name == "firecrest")


def test_disable_client_logging(client, caplog) -> None:
    caplog.set_level(logging.INFO, logger="firecrest")
    client.disable_client_logging = True
    client.submit("cluster", script_str="#!/bin/bash\n")
    assert not [r for r in caplog.records if r.name == "firecrest" and r.levelno >= logging.INFO]
    client.disable_client_logging = False
    client.submit("cluster", script_str="#!/bin/bash\n")
    assert [r for r in caplog.records if r.name == "firecrest" and "job submission task" in r.getMessage()]
