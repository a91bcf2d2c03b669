"""The slug classes and gid helpers under the name the upstream README uses (``utils.gid``).

Upstream 0.17.0 has no such module (it lives on from iotile-cloud); the README's example
reads naturally as ``from archfx_cloud.utils.gid import ArchFxDeviceSlug``, so this module
re-exports :mod:`archfx_cloud.utils.slugs` and :mod:`archfx_cloud.utils.convert`.
"""
from __future__ import annotations

from .convert import *  # noqa: F401,F403
from .convert import __all__ as _convert_all
from .slugs import *  # noqa: F401,F403
from .slugs import __all__ as _slugs_all

__all__ = list(_slugs_all) + list(_convert_all)
