"""Import path kept from pyfirecrest (``from firecrest.Authorization import ClientCredentialsAuth``)."""
from .auth import ApiKeyAuth, ClientCredentialsAuth, TokenCommandAuth

__all__ = ["ClientCredentialsAuth", "TokenCommandAuth", "ApiKeyAuth"]
