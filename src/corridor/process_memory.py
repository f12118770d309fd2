"""The process's own memory: what the C library and the kernel keep that the process no longer uses.

Two settings of the platform, not of corridor's data, each measured where it is used:

* :func:`no_huge_pages` -- transparent huge pages off for this process. Where the kernel backs every
  anonymous mapping with 2 MB pages (``/sys/kernel/mm/transparent_hugepage/enabled`` set to ``always``), a
  short command's scattered heap and DuckDB's and Arrow's buffers are rounded up to them:
  ``corridor flows estimate --period 2010-2015`` peaked at 275 MB with them, 250 MB without (and 255 MB under
  the ``madvise`` setting). ``corridor flows estimate`` calls it before its imports.
* :func:`release_free_heap` -- the C library's free heap given back to the kernel. glibc's ``malloc`` returns
  freed memory to the kernel only from the top of its heaps; what pandas, numpy and DuckDB free in the middle
  stays resident. After a served state has read its published observations into memory
  (:mod:`corridor.publish.api.prewarm`) about 190 MB of the server's 730 MB was such free heap
  (``malloc_trim(0)`` took it to 540 MB on the full warehouse).

Both are Linux (glibc) calls; elsewhere they do nothing and say so (``False``).
"""

from __future__ import annotations

import ctypes
import sys

#: ``prctl`` option that turns transparent huge pages off for the calling process (``linux/prctl.h``)
PR_SET_THP_DISABLE = 41


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def no_huge_pages() -> bool:
    """Turn transparent huge pages off for the rest of this process and its children (Linux's
    ``prctl(PR_SET_THP_DISABLE)``, ``man 2 prctl``); True if done."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return False
    return libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0


def release_free_heap() -> bool:
    """Give the C library's free heap back to the kernel (glibc's ``malloc_trim(0)``, ``man 3 malloc_trim``:
    every arena, not only the top of the heap); True if memory was released. It holds each arena's lock
    while it walks it (milliseconds): call it after large work, not per request."""
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_trim"):  # musl and other C libraries have none
        return False
    return libc.malloc_trim(0) == 1
