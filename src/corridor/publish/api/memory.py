"""Giving memory back: glibc's allocator, told to keep fewer arenas and to return freed pages.

A served answer of a whole dataflow (up to ``--max-observations`` rows, a frame and a body of tens of
MB) is freed when it has been sent, but glibc keeps the freed pages in the arena of the thread that
used them -- and with one arena per worker thread (up to 8 per core by default), a server that has
answered a few dumps from different threads stays hundreds of MB larger (issue 11: 1.4-1.8 GB under
a client asking for full dumps). :func:`limit_arenas` (at start) caps the arenas at
:data:`ARENAS` (``mallopt(M_ARENA_MAX)``, glibc's ``MALLOC_ARENA_MAX``), and :func:`trim` (after a
heavy query) returns free pages at the top of each arena to the system (``malloc_trim(0)``). Both are
glibc calls; on another C library they do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

#: glibc's ``M_ARENA_MAX`` parameter of ``mallopt`` (malloc.h).
M_ARENA_MAX = -8
#: arenas at most (two cores; the event loop and the worker threads share them)
ARENAS = 2


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas of this process (arenas made later obey it); whether it was set."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas))


def trim() -> bool:
    """Return the free memory glibc holds to the system; whether any was returned."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))
