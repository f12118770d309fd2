"""The process's own memory: what the C library and the kernel keep that the process no longer uses.

Settings of the platform, not of corridor's data, each measured where it is used:

* :func:`no_huge_pages` -- transparent huge pages off for this process. Where the kernel backs every
  anonymous mapping with 2 MB pages (``/sys/kernel/mm/transparent_hugepage/enabled`` set to ``always``), a
  short command's scattered heap and DuckDB's and Arrow's buffers are rounded up to them:
  ``corridor flows estimate --period 2010-2015`` peaked at 275 MB with them, 250 MB without (and 255 MB under
  the ``madvise`` setting). ``corridor flows estimate`` calls it before its imports.
* :func:`limit_arenas` -- glibc's malloc arenas capped at :data:`ARENAS` (``mallopt(M_ARENA_MAX)``, glibc's
  ``MALLOC_ARENA_MAX``). A served answer of a whole dataflow (a frame and a body of tens of MB) is freed
  when it has been sent, but glibc keeps the freed pages in the arena of the thread that used them, one
  arena per worker thread (up to 8 per core by default): a server that had answered a few dumps from
  different threads stayed hundreds of MB larger (issue 11: 1.4-1.8 GB under a client asking for full
  dumps). The server calls it at start.
* :func:`release_free_heap` -- the C library's free heap given back to the kernel (``malloc_trim(0)``).
  glibc returns freed memory to the kernel on its own only from the top of a heap; what pandas, numpy and
  DuckDB free in the middle stays resident. The server calls it after each whole-dataflow query and once
  its state has read the published observations into memory (:mod:`corridor.publish.api.prewarm`), when
  about 190 MB of its 730 MB was such free heap (540 MB after, on the full warehouse).

All are Linux (glibc) calls; elsewhere they do nothing and say so (``False``).
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache

#: ``prctl`` option that turns transparent huge pages off for the calling process (``linux/prctl.h``)
PR_SET_THP_DISABLE = 41
#: glibc's ``M_ARENA_MAX`` parameter of ``mallopt`` (``malloc.h``)
M_ARENA_MAX = -8
#: arenas at most (two cores; the event loop and the worker threads share them)
ARENAS = 2


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)  # the C library the interpreter is linked with
    except OSError:
        return None


def _call(name: str, *args: int) -> int | None:
    """``name(*args)`` of the C library, or None where it has no such function (musl, another platform)."""
    libc = _libc()
    function = getattr(libc, name, None) if libc is not None else None
    return None if function is None else int(function(*args))


def no_huge_pages() -> bool:
    """Turn transparent huge pages off for the rest of this process and its children (Linux's
    ``prctl(PR_SET_THP_DISABLE)``, ``man 2 prctl``); True if done."""
    return _call("prctl", PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas of this process (arenas made later obey it, ``man 3 mallopt``); whether it
    was set."""
    return _call("mallopt", M_ARENA_MAX, arenas) == 1


def release_free_heap() -> bool:
    """Give the C library's free heap back to the kernel (glibc's ``malloc_trim(0)``, ``man 3 malloc_trim``:
    every arena, not only the top of a heap); True if memory was released. It holds each arena's lock while
    it walks it (milliseconds): call it after large work, not per request."""
    return _call("malloc_trim", 0) == 1
