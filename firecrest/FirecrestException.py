"""Import path kept from pyfirecrest (``firecrest.FirecrestException.NotFound`` ...)."""
from .exceptions import *  # noqa: F401,F403
from .exceptions import __all__  # noqa: F401
