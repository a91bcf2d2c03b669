"""FirecREST v1 clients: ``Firecrest`` (blocking) and ``AsyncFirecrest`` (asyncio)."""
from .async_client import AsyncFirecrest
from .client import Firecrest
from .external import (AsyncExternalDownload, AsyncExternalStorage, AsyncExternalUpload, ExternalDownload,
                       ExternalStorage, ExternalUpload)

__all__ = ["Firecrest", "AsyncFirecrest", "ExternalUpload", "ExternalDownload", "ExternalStorage",
           "AsyncExternalUpload", "AsyncExternalDownload", "AsyncExternalStorage"]
