"""Storage providers against real servers on loopback: S3 (moto server), WebDAV (wsgidav), OneData (CDMI emulator)."""
from __future__ import annotations

import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from oscar_python.client import Client
from oscar_python.exceptions import ProviderNotFoundError, StorageError, StorageTransferError
from oscar_python.storage import Storage


def new_bucket(s3_server) -> str:
    name = "bkt-" + uuid.uuid4().hex[:12]
    s3_server.boto3_client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_client(oscar_s3_emulator) -> Client:
    return Client(oscar_s3_emulator.options())


def test_minio_default_upload_download_list_delete(s3_client: Client, oscar_s3_server, tmp_path) -> None:
    bucket = new_bucket(oscar_s3_server)
    storage = s3_client.create_storage_client()
    assert storage.storage_providers["minio"]["default"]["endpoint"] == oscar_s3_server.url
    data = os.urandom(9 * 1024 * 1024 + 5)  # above the multipart threshold
    local = tmp_path / "blob.bin"
    local.write_bytes(data)
    progress = []
    assert storage.upload_file("minio.default", str(local), f"{bucket}/in/deep",
                               progress=lambda done, total: progress.append((done, total))) is None
    assert progress[-1] == (len(data), len(data))
    listing = storage.list_files_from_path("minio.default", f"{bucket}/in/deep")
    assert [o["Key"] for o in listing["Contents"]] == ["in/deep/blob.bin"] and listing["Prefix"] == "in/deep"
    # boto's list_objects answer, as upstream returned it
    assert listing["ResponseMetadata"]["HTTPStatusCode"] == 200 and "MaxKeys" in listing
    assert "Owner" in listing["Contents"][0]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert storage.download_file("minio.default", str(out_dir), f"{bucket}/in/deep/blob.bin") is None
    assert hashlib.sha256((out_dir / "blob.bin").read_bytes()).digest() == hashlib.sha256(data).digest()
    storage.download_file("minio.default", str(tmp_path / "renamed.bin"), f"{bucket}/in/deep/blob.bin")
    assert (tmp_path / "renamed.bin").read_bytes() == data
    storage.delete_file("minio.default", f"{bucket}/in/deep/blob.bin")
    assert storage.list_files_from_path("minio.default", bucket)["Contents"] == []


def test_providers_are_built_the_upstream_way(s3_client: Client, oscar_s3_server, tmp_path) -> None:
    from oscar_python._providers._minio import Minio
    bucket = new_bucket(oscar_s3_server)
    storage = s3_client.create_storage_client()
    assert storage.client_obj is s3_client  # upstream's attribute
    credentials = storage.storage_providers["minio"]["default"]
    minio = Minio(credentials=credentials)  # upstream: Minio(credentials), no name
    local = tmp_path / "direct.txt"
    local.write_text("direct")
    minio.upload_file(str(local), bucket)
    assert [o["Key"] for o in minio.list_files_from_path(bucket)["Contents"]] == ["direct.txt"]
    assert Minio("default", credentials).credentials == Minio(credentials).credentials  # the older order too


def test_listing_returns_every_key_past_1000(s3_client: Client, oscar_s3_server) -> None:
    bucket = new_bucket(oscar_s3_server)
    boto = oscar_s3_server.boto3_client()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: boto.put_object(Bucket=bucket, Key=f"many/k{i:05d}", Body=b""), range(1001)))
    boto.put_object(Bucket=bucket, Key="other/x", Body=b"")
    listing = s3_client.create_storage_client().list_files_from_path("minio.default", f"{bucket}/many")
    assert listing["KeyCount"] == 1001 and listing["Contents"][-1]["Key"] == "many/k01000"


def test_failed_download_leaves_nothing_behind(s3_client: Client, oscar_s3_server, tmp_path) -> None:
    bucket = new_bucket(oscar_s3_server)
    storage = s3_client.create_storage_client()
    keep = tmp_path / "missing.txt"
    keep.write_text("old content")
    with pytest.raises(StorageTransferError, match="minio.default"):
        storage.download_file("minio.default", str(tmp_path), f"{bucket}/missing.txt")
    assert keep.read_text() == "old content"
    with pytest.raises(StorageTransferError):
        storage.download_file("minio.default", str(tmp_path / "new.txt"), f"{bucket}/missing.txt")
    assert sorted(os.listdir(tmp_path)) == ["missing.txt"]
    with pytest.raises(StorageError):
        storage.upload_file("minio.default", str(keep), "no-such-bucket-here/x")
    # boto's own class too, as upstream let boto's errors through: except ClientError still works
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as caught:
        storage.list_files_from_path("minio.default", "no-such-bucket-here/x")
    assert isinstance(caught.value, StorageError) and caught.value.response["Error"]["Code"] == "NoSuchBucket"
    assert "minio.default" in str(caught.value) and caught.value.operation_name
    import copy
    import pickle
    for again in (pickle.loads(pickle.dumps(caught.value)), copy.copy(caught.value)):  # crosses processes
        assert type(again) is type(caught.value) and str(again) == str(caught.value)
        assert again.response == caught.value.response and isinstance(again, (StorageError, ClientError))
    with pytest.raises(ClientError):
        storage.download_file("minio.default", str(tmp_path), f"{bucket}/missing.txt")


def test_s3_provider_from_a_service_definition(s3_client: Client, oscar_s3_server, monkeypatch, tmp_path) -> None:
    bucket = new_bucket(oscar_s3_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", oscar_s3_server.url)  # AWS itself is out of reach here
    creds = {"access_key": "ak", "secret_key": "sk", "region": "eu-west-1"}
    s3_client.create_service({"name": "svc", "image": "i", "script": "s", "storage_providers": {"s3": {"aws": creds}}})
    storage = s3_client.create_storage_client("svc")
    (tmp_path / "a.txt").write_text("from s3")
    storage.upload_file("s3.aws", str(tmp_path / "a.txt"), bucket)
    assert [o["Key"] for o in storage.list_files_from_path("s3.aws", bucket)["Contents"]] == ["a.txt"]


def test_provider_ids_are_checked(s3_client: Client) -> None:
    s3_client.create_service({"name": "bare", "image": "i", "script": "s"})
    storage = s3_client.create_storage_client("bare")  # upstream: KeyError (no storage_providers)
    assert list(storage.storage_providers) == ["minio"]
    with pytest.raises(ProviderNotFoundError, match="unknown type 'rucio'") as err:
        storage.list_files_from_path("rucio.main", "x")
    assert isinstance(err.value, ValueError)
    with pytest.raises(KeyError, match="not defined in service 'bare'"):
        storage.list_files_from_path("webdav.none", "x")
    with pytest.raises(ValueError, match="type.name"):
        storage.list_files_from_path("minio", "x")
    assert storage._get_client("minio.default") is storage._get_client("minio.default")


def test_webdav_against_wsgidav(oscar_client: Client, webdav_server, tmp_path) -> None:
    oscar_client.create_service({"name": "dav", "image": "i", "script": "s",
                                 "storage_providers": {"webdav": {"dcache": webdav_server.credentials()}}})
    storage = oscar_client.create_storage_client("dav")
    data = os.urandom(300_000)
    (tmp_path / "photo.jpg").write_bytes(data)
    storage.upload_file("webdav.dcache", str(tmp_path / "photo.jpg"), "inputs/2024/june")
    assert os.path.exists(os.path.join(webdav_server.root, "inputs", "2024", "june", "photo.jpg"))
    assert storage.list_files_from_path("webdav.dcache", "inputs/2024") == ["june/"]
    assert storage.list_files_from_path("webdav.dcache", "inputs/2024/june") == ["photo.jpg"]
    out = tmp_path / "out"
    out.mkdir()
    storage.download_file("webdav.dcache", str(out), "inputs/2024/june/photo.jpg")
    assert (out / "photo.jpg").read_bytes() == data
    with pytest.raises(StorageTransferError, match="404"):
        storage.download_file("webdav.dcache", str(out), "inputs/nothing.jpg")
    assert sorted(os.listdir(out)) == ["photo.jpg"]
    storage.delete_file("webdav.dcache", "inputs/2024/june/photo.jpg")
    assert storage.list_files_from_path("webdav.dcache", "inputs/2024/june") == []


def test_webdav_wrong_password_raises(oscar_client: Client, webdav_server, tmp_path) -> None:
    creds = dict(webdav_server.credentials(), password="wrong")
    storage = Storage(oscar_client)
    storage.storage_providers["webdav"] = {"bad": creds}
    with pytest.raises(StorageError, match="401") as err:
        storage.list_files_from_path("webdav.bad", "")
    assert "wrong" not in str(err.value)


def test_onedata_against_the_cdmi_emulator(oscar_client: Client, onedata_emulator, tmp_path) -> None:
    oscar_client.create_service({"name": "od", "image": "i", "script": "s",
                                 "storage_providers": {"onedata": {"space": onedata_emulator.credentials()}}})
    storage = oscar_client.create_storage_client("od")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    storage.upload_file("onedata.space", str(tmp_path / "data.csv"), "/results/run1")
    listing = storage.list_files_from_path("onedata.space", "results")
    assert listing.status_code == 200 and listing.json()["children"] == ["run1/"]
    assert storage.list_files_from_path("onedata.space", "results/run1").json()["children"] == ["data.csv"]
    out = tmp_path / "out"
    out.mkdir()
    storage.download_file("onedata.space", str(out), "results/run1/data.csv")
    assert (out / "data.csv").read_text() == "a,b\n1,2\n"
    with pytest.raises(StorageTransferError, match="404"):  # upstream wrote the error body to the file
        storage.download_file("onedata.space", str(out), "results/run1/none.csv")
    assert sorted(os.listdir(out)) == ["data.csv"]
    storage.delete_file("onedata.space", "results/run1/data.csv")
    assert storage.list_files_from_path("onedata.space", "results/run1").json()["children"] == []
    bad = Storage(oscar_client)
    bad.storage_providers["onedata"] = {"x": dict(onedata_emulator.credentials(), token="nope")}
    with pytest.raises(StorageError, match="401"):
        bad.list_files_from_path("onedata.x", "")


def test_presigned_urls_and_upload_url(s3_client: Client, oscar_s3_server, serve_wsgi, tmp_path) -> None:
    from werkzeug.wrappers import Response
    bucket = new_bucket(oscar_s3_server)
    s3_client.create_bucket(bucket)
    boto = oscar_s3_server.boto3_client()
    boto.put_object(Bucket=bucket, Key="report.txt", Body=b"presigned content")
    link = s3_client.presign_bucket(bucket, "report.txt", "download", expires=120).json()
    # a URL outside the cluster: the client's basic credentials are not sent along
    assert s3_client.api.request("GET", link["url"]) == b"presigned content"
    source = serve_wsgi(lambda environ, start: Response(b"remote bytes", mimetype="text/csv")(environ, start))
    provider = s3_client.create_storage_client()._get_client("minio.default")
    provider.upload_url(source.url + "/data.csv", f"{bucket}/copied/data.csv", progress=False)
    copied = boto.get_object(Bucket=bucket, Key="copied/data.csv")
    assert copied["Body"].read() == b"remote bytes" and copied["ContentType"].startswith("text/csv")
