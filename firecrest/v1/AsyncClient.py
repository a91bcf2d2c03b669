"""Import path kept from pyfirecrest (``firecrest.v1.AsyncClient.AsyncFirecrest``)."""
from .async_client import AsyncFirecrest

__all__ = ["AsyncFirecrest"]
