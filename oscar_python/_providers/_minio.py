"""MinIO (``minio.<name>``): S3 at a given endpoint; ``minio.default`` is the cluster's own."""
from __future__ import annotations

from typing import Any, Dict

from ._s3 import S3

DEFAULT_ENDPOINT = "http://minio-service.minio:9000"


class Minio(S3):
    """Credentials ``endpoint``, ``verify``, ``access_key``, ``secret_key``, ``region``."""

    TYPE = "minio"

    def _client_kwargs(self) -> Dict[str, Any]:
        kwargs = super()._client_kwargs()
        verify = self.credentials.get("verify", True)
        if isinstance(verify, str):
            verify = verify.strip().lower() not in ("false", "0", "no", "off")
        kwargs.update(endpoint_url=self.credentials.get("endpoint") or DEFAULT_ENDPOINT, verify=verify)
        kwargs["region_name"] = kwargs["region_name"] or "us-east-1"
        return kwargs
