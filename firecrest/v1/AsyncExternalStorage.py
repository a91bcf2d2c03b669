"""Import path kept from pyfirecrest (``firecrest.v1.AsyncExternalStorage.AsyncExternalUpload`` ...)."""
from .external import AsyncExternalDownload, AsyncExternalStorage, AsyncExternalUpload

__all__ = ["AsyncExternalStorage", "AsyncExternalUpload", "AsyncExternalDownload"]
