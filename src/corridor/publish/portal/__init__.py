"""The corridor web portal: server-rendered pages over the warehouse (issue 5, item 4).

``router`` holds the HTML pages; the application (``corridor.publish.app``) mounts it and serves
``STATIC_DIR`` at ``/static``. Pages: ``/`` (world map), ``/country/{m49}``, ``/corridor/{origin}/{destination}``,
``/explore``, ``/sources``,
``/balance/{m49}`` (development balance sheet), ``/ratifications``. Page state lives in the query string
so that every view can be shared.
See ``docs/portal.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from .pages import balance, corridor_page, country, explorer, home, ratifications, sources
from .rendering import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _page in (home, country, corridor_page, explorer, sources, balance, ratifications):
    router.include_router(_page.router)

__all__ = ["router", "STATIC_DIR"]
