"""The corridor web portal: server-rendered pages over the warehouse (issue 5, item 4).

``router`` holds the HTML pages; the application (``corridor.publish.app``) mounts it and serves
``STATIC_DIR`` at ``/static``. Pages: ``/`` (world map), ``/country/{m49}``, ``/corridor/{origin}/{destination}``,
``/explore``, ``/sources``, the labour exchange's ``/labour-exchange/...`` (statistics, a worker's own page).
Page state lives in the query string so that every view can be shared.
See ``docs/portal.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from .pages import corridor_page, country, exchange_stats, exchange_worker, explorer, home, sources
from .rendering import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _page in (home, country, corridor_page, explorer, sources, exchange_stats, exchange_worker):
    router.include_router(_page.router)

__all__ = ["router", "STATIC_DIR"]
