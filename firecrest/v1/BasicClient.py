"""Import path kept from pyfirecrest (``firecrest.v1.BasicClient.Firecrest``)."""
from .client import Firecrest

__all__ = ["Firecrest"]
