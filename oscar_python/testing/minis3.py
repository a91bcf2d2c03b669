"""A small S3-compatible object store (what a cluster's MinIO does for oscar_python), in memory.

Enough of the S3 REST API for boto3's everyday calls with path-style addressing: list/create/
delete buckets, ``ListObjectsV2`` (pages of ``max-keys`` with continuation tokens), put/get/
head/delete object (``Range`` honoured), and multipart uploads. Signatures are not verified;
the access key in the ``Authorization`` header must be the configured one. Use it where
moto is not installed (the tour does); the tests use moto's server.

    with MiniS3() as s3:
        OscarEmulator(s3_endpoint=s3.url, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key)
"""
from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, Tuple
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from archfx_cloud.testing.server import LocalServer

__all__ = ["MiniS3", "MiniS3App"]

_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _xml(body: str, status: int = 200) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>' + body, status=status, mimetype="application/xml")


def _error(code: str, message: str, status: int) -> Response:
    return _xml(f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>", status)


def _decode_aws_chunked(raw: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (chunk signatures and trailers dropped)."""
    out = bytearray()
    pos = 0
    while True:
        end = raw.index(b"\r\n", pos)
        size = int(raw[pos:end].split(b";", 1)[0], 16)
        pos = end + 2
        if size == 0:
            return bytes(out)
        out += raw[pos:pos + size]
        pos += size + 2


class MiniS3App:
    def __init__(self, access_key: str) -> None:
        self.access_key = access_key
        self.lock = threading.Lock()
        self.buckets: Dict[str, Dict[str, Tuple[bytes, float, str, str]]] = {}
        self.created: Dict[str, float] = {}
        self.uploads: Dict[str, Dict[int, bytes]] = {}

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if f"Credential={self.access_key}/" not in auth and request.args.get("X-Amz-Credential", "").split("/")[0] \
                != self.access_key:
            return _error("InvalidAccessKeyId", "The access key does not exist", 403)
        bucket, _, key = request.path.lstrip("/").partition("/")
        with self.lock:
            if not bucket:
                return self.list_buckets()
            if not key:
                return self.bucket_op(request, bucket)
            if bucket not in self.buckets:
                return _error("NoSuchBucket", f"bucket {bucket} does not exist", 404)
            return self.object_op(request, bucket, key)

    # ------------------------------------------------------------------ buckets
    def list_buckets(self) -> Response:
        items = "".join(f"<Bucket><Name>{escape(b)}</Name><CreationDate>{_iso(self.created[b])}</CreationDate></Bucket>"
                        for b in sorted(self.buckets))
        return _xml(f'<ListAllMyBucketsResult xmlns="{_NS}"><Owner><ID>emulator</ID></Owner>'
                    f"<Buckets>{items}</Buckets></ListAllMyBucketsResult>")

    def bucket_op(self, request: Request, bucket: str) -> Response:
        if request.method == "PUT":
            if bucket in self.buckets:
                return _error("BucketAlreadyOwnedByYou", "bucket exists", 409)
            self.buckets[bucket] = {}
            self.created[bucket] = time.time()
            return Response(status=200, headers={"Location": "/" + bucket})
        if bucket not in self.buckets:
            return _error("NoSuchBucket", f"bucket {bucket} does not exist", 404)
        if request.method == "HEAD":
            return Response(status=200)
        if request.method == "DELETE":
            if self.buckets[bucket]:
                return _error("BucketNotEmpty", "bucket is not empty", 409)
            del self.buckets[bucket]
            return Response(status=204)
        if request.method == "GET":
            return self.list_objects(request, bucket)
        return _error("MethodNotAllowed", request.method, 405)

    def list_objects(self, request: Request, bucket: str) -> Response:
        prefix = request.args.get("prefix", "")
        max_keys = min(int(request.args.get("max-keys", 1000)), 1000)
        v2 = request.args.get("list-type") == "2"  # ListObjectsV2; else ListObjects (v1, ``marker``)
        token = request.args.get("continuation-token") or request.args.get("start-after") or ""
        start = base64.urlsafe_b64decode(token.encode()).decode() if request.args.get("continuation-token") else token
        if not v2:
            start = request.args.get("marker", "")
        keys = sorted(k for k in self.buckets[bucket] if k.startswith(prefix) and k > start)
        page, more = keys[:max_keys], len(keys) > max_keys
        contents = "".join(
            f"<Contents><Key>{escape(k)}</Key><LastModified>{_iso(self.buckets[bucket][k][1])}</LastModified>"
            f"<ETag>&quot;{self.buckets[bucket][k][2]}&quot;</ETag><Size>{len(self.buckets[bucket][k][0])}</Size>"
            f"<StorageClass>STANDARD</StorageClass></Contents>" for k in page)
        if not more:
            next_token = ""
        elif v2:
            next_token = (f"<NextContinuationToken>{base64.urlsafe_b64encode(page[-1].encode()).decode()}"
                          f"</NextContinuationToken>")
        else:
            next_token = f"<Marker>{escape(start)}</Marker><NextMarker>{escape(page[-1])}</NextMarker>"
        return _xml(f'<ListBucketResult xmlns="{_NS}"><Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>'
                    f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>"
                    f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>{next_token}{contents}</ListBucketResult>")

    # ------------------------------------------------------------------ objects
    @staticmethod
    def _payload(request: Request) -> bytes:
        raw = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if "aws-chunked" in encoding or request.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
            return _decode_aws_chunked(raw)
        return raw

    def object_op(self, request: Request, bucket: str, key: str) -> Response:
        objects = self.buckets[bucket]
        if request.method == "POST" and "uploads" in request.args:
            upload_id = uuid.uuid4().hex
            self.uploads[upload_id] = {}
            return _xml(f'<InitiateMultipartUploadResult xmlns="{_NS}"><Bucket>{escape(bucket)}</Bucket>'
                        f"<Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>")
        upload_id = request.args.get("uploadId")
        if upload_id is not None:
            return self.multipart(request, bucket, key, upload_id)
        if request.method == "PUT":
            data = self._payload(request)
            etag = hashlib.md5(data).hexdigest()
            objects[key] = (data, time.time(), etag, request.headers.get("Content-Type", "binary/octet-stream"))
            return Response(status=200, headers={"ETag": f'"{etag}"'})
        entry = objects.get(key)
        if entry is None:
            return _error("NoSuchKey", "The specified key does not exist.", 404) if request.method != "HEAD" \
                else Response(status=404)
        if request.method == "DELETE":
            del objects[key]
            return Response(status=204)
        data, modified, etag, content_type = entry
        response = Response(data if request.method == "GET" else b"", status=200, mimetype=content_type)
        response.headers["ETag"] = f'"{etag}"'
        response.headers["Last-Modified"] = datetime.fromtimestamp(modified, tz=timezone.utc).strftime(
            "%a, %d %b %Y %H:%M:%S GMT")
        response.headers["Accept-Ranges"] = "bytes"
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(len(data))
            return response
        if request.range is not None:
            return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
        return response

    def multipart(self, request: Request, bucket: str, key: str, upload_id: str) -> Response:
        parts = self.uploads.get(upload_id)
        if parts is None:
            return _error("NoSuchUpload", "unknown upload id", 404)
        if request.method == "PUT":
            data = self._payload(request)
            parts[int(request.args["partNumber"])] = data
            return Response(status=200, headers={"ETag": f'"{hashlib.md5(data).hexdigest()}"'})
        if request.method == "DELETE":
            del self.uploads[upload_id]
            return Response(status=204)
        if request.method == "POST":
            data = b"".join(parts[n] for n in sorted(parts))
            del self.uploads[upload_id]
            etag = hashlib.md5(data).hexdigest() + f"-{len(parts)}"
            self.buckets[bucket][key] = (data, time.time(), etag, "binary/octet-stream")
            return _xml(f'<CompleteMultipartUploadResult xmlns="{_NS}"><Bucket>{escape(bucket)}</Bucket>'
                        f"<Key>{escape(key)}</Key><ETag>&quot;{etag}&quot;</ETag></CompleteMultipartUploadResult>")
        return _error("MethodNotAllowed", request.method, 405)


class MiniS3:
    """:class:`MiniS3App` on a real local HTTP server."""

    region = "us-east-1"

    def __init__(self, access_key: str = "minio-access", secret_key: str = "minio-secret-key") -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.app = MiniS3App(access_key)
        self._server = LocalServer(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    def credentials(self) -> Dict[str, Any]:
        return {"endpoint": self.url, "verify": False, "access_key": self.access_key,
                "secret_key": self.secret_key, "region": self.region}

    def create_bucket(self, name: str) -> None:
        with self.app.lock:
            self.app.buckets.setdefault(name, {})
            self.app.created.setdefault(name, time.time())

    def start(self) -> "MiniS3":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> "MiniS3":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
