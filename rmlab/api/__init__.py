"""``API``: every RMLab API in one asynchronous context manager.

    async with API() as api:                    # credentials from RMLAB_* variables
        await api.upload_batch_core(0, airline_items="airlines.csv", ...)
        dates, items, schedules, flights = await api.trigger_simulation(0)
"""
from __future__ import annotations

from .._api.base import APIBaseInternal, BaseURL
from .fetch import APIFetchCore, APIFetchFlightData, APIFetchParametric
from .observability import APIObservability
from .operations import APIOptimization, APISimulation
from .persistence import APIPersistence
from .remove import APIRemove
from .upload import (APIUploadCore, APIUploadCustomersModels, APIUploadFlightData, APIUploadParametric,
                     APIUploadPricingModels)

__all__ = ["API", "APIBaseInternal", "BaseURL", "APISimulation", "APIOptimization", "APIUploadCore",
           "APIUploadParametric", "APIUploadCustomersModels", "APIUploadPricingModels", "APIUploadFlightData",
           "APIRemove", "APIFetchCore", "APIFetchFlightData", "APIFetchParametric", "APIObservability",
           "APIPersistence"]


class API(APISimulation, APIOptimization, APIUploadCore, APIUploadParametric, APIUploadCustomersModels,
          APIUploadPricingModels, APIUploadFlightData, APIRemove, APIFetchCore, APIFetchFlightData,
          APIFetchParametric, APIObservability, APIPersistence):
    """Upload, fetch, remove, operations, observability and persistence, over one session.

    ``API(workgroup=None, username=None, password=None, app_url=None, admin_url=None, *,
    max_concurrency=16, verify=True)``. Calls awaited together overlap, at most
    ``max_concurrency`` requests at a time.
    """
