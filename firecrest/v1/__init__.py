"""FirecREST v1 clients: ``Firecrest`` (blocking) and ``AsyncFirecrest`` (asyncio)."""
from .async_client import AsyncFirecrest
from .client import Firecrest
# Through the modules of pyfirecrest's names: loading each module binds the package attribute to
# it first, then the import below binds the class of the same name (as upstream's package does).
from .AsyncExternalStorage import AsyncExternalDownload, AsyncExternalStorage, AsyncExternalUpload
from .ExternalStorage import ExternalDownload, ExternalStorage, ExternalUpload

__all__ = ["Firecrest", "AsyncFirecrest", "ExternalUpload", "ExternalDownload", "ExternalStorage",
           "AsyncExternalUpload", "AsyncExternalDownload", "AsyncExternalStorage"]
