"""The corridor web portal: server-rendered pages over the warehouse (issue 5, item 4).

``router`` holds the HTML pages; the application (``corridor.publish.app``) mounts it and serves
``STATIC_DIR`` at ``/static``. Pages: ``/`` (world map), ``/country/{m49}``, ``/corridor/{origin}/{destination}``,
``/explore``, ``/sources``,
``/balance/{m49}`` (development balance sheet), ``/ratifications``, the labour exchange's
``/labour-exchange/...`` (statistics, a worker's own page), ``/exchange/worker/{id}`` (a worker's fee
ledger and social-security periods). Page state lives in the query string so
that every view can be shared.
See ``docs/portal.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from .pages import (
    balance,
    corridor_page,
    country,
    exchange_stats,
    exchange_worker,
    explorer,
    home,
    ratifications,
    recruitment,
    sources,
)
from .rendering import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _page in (home, country, corridor_page, explorer, sources, balance, ratifications, exchange_stats,
              exchange_worker, recruitment):
    router.include_router(_page.router)

__all__ = ["router", "STATIC_DIR"]
