"""FirecREST v1 client (drop-in for pyfirecrest's v1 client) on the shared REST core.

    import firecrest as fc
    client = fc.v1.Firecrest(firecrest_url=url, authorization=fc.ClientCredentialsAuth(cid, secret, token_url))
    client.all_systems()

``firecrest.Firecrest`` is the v1 client too (the name pyfirecrest 1.x/2.x users know).
"""
from . import FirecrestException as _legacy_exceptions_module  # noqa: F401  (loaded first: see below)
from . import v1
from .Authorization import ApiKeyAuth, ClientCredentialsAuth, TokenCommandAuth
from .tracing import correlation_id
from .exceptions import (ClientsCredentialsException, FirecrestException, HeaderException, NoJSONException,
                         NotFound, NotImplementedOnAPIversion, PollingIterException, StorageDownloadException,
                         StorageUploadException, UnauthorizedException, UnexpectedStatusException)
from .v1 import AsyncFirecrest, ExternalDownload, ExternalUpload, Firecrest

# ``firecrest.FirecrestException`` is both pyfirecrest's module name and its base exception; the
# module is imported above so that the name on the package is (and stays) the class, as upstream.

__version__ = "0.1.0"
__app_name__ = "firecrest"

__all__ = [
    "v1", "Firecrest", "AsyncFirecrest", "ExternalUpload", "ExternalDownload",
    "ClientCredentialsAuth", "TokenCommandAuth", "ApiKeyAuth", "correlation_id",
    "FirecrestException", "ClientsCredentialsException", "HeaderException", "NotFound", "NoJSONException",
    "NotImplementedOnAPIversion", "PollingIterException", "StorageDownloadException", "StorageUploadException",
    "UnauthorizedException", "UnexpectedStatusException", "__version__", "__app_name__",
]
