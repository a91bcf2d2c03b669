"""An S3-like object store for the emulator's staged transfers, on its own listener (origin).

* presigned POST forms (``key``, ``policy``, ``x-amz-*`` fields, then the ``file`` part),
  answered ``204`` like S3's default ``success_action_status``;
* presigned PUT URLs (``AWSAccessKeyId``, ``Expires``, ``Signature`` in the query, the file as
  the body), answered ``200`` with an ``ETag``;
* presigned GET links with ``Range``, ``If-Range`` and ``HEAD``, streamed from disk;
* S3's refusals as XML: an expired or tampered signature is ``403 AccessDenied``, a missing
  object ``404 NoSuchKey``, and a request that also carries an ``Authorization`` header is
  ``400 InvalidArgument`` ("Only one auth mechanism allowed"), which is what a client sending
  its FirecREST token to a presigned URL gets from real S3.
"""
from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import threading
import time
from typing import Any, Callable, Dict, Iterable, Optional, Tuple
from urllib.parse import quote, urlencode

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from .blobs import Blob

ACCESS_KEY = "EMULATORACCESSKEY"


def _xml_error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>")
    return Response(body, status=status, mimetype="application/xml")


class ObjectStore:
    """Buckets of immutable blobs; a WSGI app answering presigned requests."""

    def __init__(self, secret: bytes, spool_dir: Optional[str] = None, clock: Callable[[], float] = time.time) -> None:
        self.url = ""
        self._secret = secret
        self.spool_dir = spool_dir
        self.clock = clock
        self.objects: Dict[Tuple[str, str], Blob] = {}
        self.on_upload: Dict[Tuple[str, str], Callable[[Blob], None]] = {}
        self.lock = threading.Lock()
        self.requests_with_authorization = 0
        #: headers of every request received (tests check what reached the store)
        self.request_headers: list = []

    # ------------------------------------------------------------------ signing
    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def presigned_post(self, bucket: str, key: str, ttl: int) -> Tuple[str, Dict[str, str]]:
        """``(url, fields)`` of a form that lets anyone upload ``key`` until it expires."""
        now = self.clock()
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + ttl))
        policy = {"expiration": expiration, "conditions": [{"bucket": bucket}, {"key": key},
                                                           {"x-amz-algorithm": "AWS4-HMAC-SHA256"}]}
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        fields = {"key": key, "x-amz-algorithm": "AWS4-HMAC-SHA256",
                  "x-amz-credential": f"{ACCESS_KEY}/{date[:8]}/us-east-1/s3/aws4_request",
                  "x-amz-date": date, "policy": encoded, "x-amz-signature": self._sign(encoded)}
        return f"{self.url}/{quote(bucket)}", fields

    def presigned_put(self, bucket: str, key: str, ttl: int) -> Tuple[str, Dict[str, str]]:
        """``(url, query)`` that lets anyone PUT ``key`` as the request body until it expires."""
        expires = str(int(self.clock()) + ttl)
        path = f"/{quote(bucket)}/{quote(key)}"
        # signed as S3 signature v2 signs: verb, Content-MD5, Content-Type (none), expiry, resource
        return f"{self.url}{path}", {"AWSAccessKeyId": ACCESS_KEY, "Expires": expires,
                                     "Signature": self._sign(f"PUT\n\n\n{expires}\n{path}")}

    def presigned_get(self, bucket: str, key: str, ttl: int) -> str:
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.clock()))
        path = f"/{quote(bucket)}/{quote(key)}"
        query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                 "X-Amz-Credential": f"{ACCESS_KEY}/{date[:8]}/us-east-1/s3/aws4_request",
                 "X-Amz-Date": date, "X-Amz-Expires": str(ttl), "X-Amz-SignedHeaders": "host"}
        query["X-Amz-Signature"] = self._sign(f"GET\n{path}\n{date}\n{ttl}")
        return f"{self.url}{path}?{urlencode(query)}"

    # ------------------------------------------------------------------ contents
    def put(self, bucket: str, key: str, blob: Blob) -> None:
        with self.lock:
            self.objects[(bucket, key)] = blob

    def delete(self, bucket: str, key: str) -> bool:
        with self.lock:
            return self.objects.pop((bucket, key), None) is not None

    def expect_upload(self, bucket: str, key: str, callback: Callable[[Blob], None]) -> None:
        with self.lock:
            self.on_upload[(bucket, key)] = callback

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.request_headers.append({k.lower(): v for k, v in request.headers.items()})
        if request.headers.get("Authorization"):
            with self.lock:
                self.requests_with_authorization += 1
            response = _xml_error(400, "InvalidArgument", "Only one auth mechanism allowed; only the "
                                  "X-Amz-Algorithm query parameter, Signature query string parameter or the "
                                  "Authorization header should be specified")
        elif request.method == "POST":
            response = self._post(environ, request)
        elif request.method == "PUT":
            response = self._put(request)
        elif request.method in ("GET", "HEAD"):
            return self._get(request, environ, start_response)
        else:
            response = _xml_error(405, "MethodNotAllowed", "The specified method is not allowed")
        return response(environ, start_response)

    def _post(self, environ: dict, request: Request) -> Response:
        bucket = request.path.strip("/")
        stream, form, files = parse_form_data(environ, max_form_memory_size=1024 * 1024)
        policy = form.get("policy", "")
        if not policy or not hmac.compare_digest(self._sign(policy), form.get("x-amz-signature", "")):
            return _xml_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
        try:
            conditions = json.loads(base64.b64decode(policy))
        except ValueError:
            return _xml_error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
        expires = calendar.timegm(time.strptime(conditions["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
        if self.clock() > expires:
            return _xml_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        wanted = {k: v for c in conditions["conditions"] for k, v in c.items()}
        key = form.get("key", "")
        if wanted.get("bucket") != bucket or wanted.get("key") != key:
            return _xml_error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed")
        upload = files.get("file")
        if upload is None:
            return _xml_error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        blob = Blob.from_stream(upload.stream, self.spool_dir)
        with self.lock:
            self.objects[(bucket, key)] = blob
            callback = self.on_upload.pop((bucket, key), None)
        if callback is not None:
            callback(blob)
        return Response(status=204, headers={"ETag": f'"{id(blob):x}"', "Location": f"{self.url}/{bucket}/{key}"})

    def _put(self, request: Request) -> Response:
        parts = request.path.lstrip("/").split("/", 1)
        if len(parts) != 2:
            return _xml_error(400, "InvalidRequest", "A PUT needs a bucket and a key")
        bucket, key = parts
        path = f"/{quote(bucket)}/{quote(key)}"
        expires = request.args.get("Expires", "")
        signed = f"PUT\n{request.headers.get('Content-MD5', '')}\n{request.headers.get('Content-Type', '')}\n{expires}\n{path}"
        if not hmac.compare_digest(self._sign(signed), request.args.get("Signature", "")):
            return _xml_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
        if not expires.isdigit() or self.clock() > int(expires):
            return _xml_error(403, "AccessDenied", "Request has expired")
        if request.content_length is None:
            return _xml_error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
        blob = Blob.from_stream(request.stream, self.spool_dir, limit=request.content_length)
        with self.lock:
            self.objects[(bucket, key)] = blob
            callback = self.on_upload.pop((bucket, key), None)
        if callback is not None:
            callback(blob)
        return Response(status=200, headers={"ETag": f'"{id(blob):x}"'})

    def _get(self, request: Request, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        parts = request.path.lstrip("/").split("/", 1)
        if len(parts) != 2:
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")(environ, start_response)
        bucket, key = parts
        args = request.args
        path = f"/{quote(bucket)}/{quote(key)}"
        date, ttl = args.get("X-Amz-Date", ""), args.get("X-Amz-Expires", "0")
        if not hmac.compare_digest(self._sign(f"GET\n{path}\n{date}\n{ttl}"), args.get("X-Amz-Signature", "")):
            return _xml_error(403, "SignatureDoesNotMatch",
                              "The request signature we calculated does not match")(environ, start_response)
        try:
            signed_at = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return _xml_error(403, "AccessDenied", "X-Amz-Date is invalid")(environ, start_response)
        if self.clock() > signed_at + int(ttl):
            return _xml_error(403, "AccessDenied", "Request has expired")(environ, start_response)
        with self.lock:
            blob = self.objects.get((bucket, key))
        if blob is None:
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")(environ, start_response)
        etag = f'"{id(blob):x}-{blob.size}"'
        start, end, status = 0, blob.size, "200 OK"
        range_header = request.headers.get("Range", "")
        if_range = request.headers.get("If-Range")
        if range_header.startswith("bytes=") and (if_range is None or if_range == etag):
            first, _, last = range_header[6:].partition("-")
            try:
                start = int(first) if first else max(0, blob.size - int(last))
                end = min(blob.size, int(last) + 1) if (first and last) else blob.size
            except ValueError:
                start, end = 0, blob.size
            if start >= blob.size and blob.size > 0:
                start_response("416 Requested Range Not Satisfiable",
                               [("Content-Range", f"bytes */{blob.size}"), ("Content-Length", "0")])
                return [b""]
            status = "206 Partial Content"
        headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(end - start)),
                   ("ETag", etag), ("Accept-Ranges", "bytes"),
                   ("Content-Disposition", f'attachment; filename="{key.rsplit("/", 1)[-1]}"')]
        if status.startswith("206"):
            headers.append(("Content-Range", f"bytes {start}-{end - 1}/{blob.size}"))
        start_response(status, headers)
        if request.method == "HEAD":
            return [b""]
        return blob.chunks(start, end)
