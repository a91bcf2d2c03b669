"""Import path kept from pyfirecrest (``firecrest.v1.ExternalStorage.ExternalUpload`` ...)."""
from .external import ExternalDownload, ExternalStorage, ExternalUpload

__all__ = ["ExternalStorage", "ExternalUpload", "ExternalDownload"]
