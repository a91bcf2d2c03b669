"""The tour leg, and the in-memory S3 server it uses (also shipped for users without moto)."""
from __future__ import annotations

import os
import uuid

import pytest

from oscar_python.client import Client
from oscar_python.exceptions import StorageError
from oscar_python.testing import OscarEmulator
from oscar_python.testing.minis3 import MiniS3
from oscar_python.testing.tour import run


def test_tour_leg_runs_and_reports_each_step() -> None:
    lines = []
    run(lines.append)
    text = "\n".join(lines)
    assert "< Hello from the tour >" in text
    assert "remaining_jobs=2" in text and "6 jobs, statuses ['Succeeded']" in text
    assert "identical: True" in text and "cluster empty: True" in text


def test_minis3_serves_the_storage_provider(tmp_path) -> None:
    with MiniS3() as s3, OscarEmulator(s3_endpoint=s3.url, s3_access_key=s3.access_key,
                                       s3_secret_key=s3.secret_key) as emu:
        client = Client(emu.options())
        client.create_service({"name": "svc", "image": "i", "script": "s",
                               "input": [{"storage_provider": "minio.default", "path": "svc-in/x"}]})
        assert "svc-in" in s3.app.buckets  # created with the service, as OSCAR does
        storage = client.create_storage_client("svc")
        data = os.urandom(9 * 1024 * 1024)  # multipart
        (tmp_path / "big.bin").write_bytes(data)
        storage.upload_file("minio.default", str(tmp_path / "big.bin"), "svc-in/x")
        boto = storage._get_client("minio.default").client
        for i in range(12):
            boto.put_object(Bucket="svc-in", Key=f"x/small{i:02d}", Body=b"s")
        keys = [o["Key"] for o in storage._get_client("minio.default").client.get_paginator("list_objects_v2")
                .paginate(Bucket="svc-in", Prefix="x/", PaginationConfig={"PageSize": 5})
                .build_full_result()["Contents"]]
        assert len(keys) == 13 and keys[0] == "x/big.bin"
        storage.download_file("minio.default", str(tmp_path / "copy.bin"), "svc-in/x/big.bin")
        assert (tmp_path / "copy.bin").read_bytes() == data
        with pytest.raises(StorageError):
            storage.download_file("minio.default", str(tmp_path / "none.bin"), "svc-in/x/none")
        assert not (tmp_path / "none.bin").exists()


def test_minis3_rejects_unknown_access_keys(tmp_path) -> None:
    with MiniS3() as s3:
        from oscar_python.storage import Storage
        storage = Storage.__new__(Storage)
        storage.svc_name = None
        storage.storage_providers = {"minio": {"bad": dict(s3.credentials(), access_key="other")}}
        storage._clients = {}
        with pytest.raises(StorageError, match="InvalidAccessKeyId"):
            storage.list_files_from_path("minio.bad", "bucket-" + uuid.uuid4().hex[:6])


def test_minis3_pages_both_listing_versions() -> None:
    import boto3
    with MiniS3() as s3:
        client = boto3.client("s3", endpoint_url=s3.url, aws_access_key_id=s3.access_key,
                              aws_secret_access_key=s3.secret_key, region_name="us-east-1")
        client.create_bucket(Bucket="paged")
        for index in range(1003):
            client.put_object(Bucket="paged", Key=f"k{index:05d}", Body=b"")
        for operation in ("list_objects", "list_objects_v2"):  # marker / continuation token
            pages = list(client.get_paginator(operation).paginate(Bucket="paged"))
            keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
            assert len(pages) == 2 and keys == [f"k{index:05d}" for index in range(1003)], operation
