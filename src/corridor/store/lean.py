"""A command's memory kept low while it reads a few selections and writes a few datasets of tens of thousands
of rows (``corridor flows estimate --period 2010-2015``: issue 9 asks for a peak under 300 MB, whole process).
Not for a long-lived process (the server has its own limits) nor an ingest of a large table (it raises DuckDB's
limit where it must, :mod:`corridor.store.write_stream`).

Measured on that command (``ru_maxrss``, 2-core machine; ``benchmarks/flows_benchmark.py`` part 2), these
held memory that the command never needed again:

* **Arrow's default memory pool** (mimalloc in the pyarrow wheels) keeps the pages of freed buffers for reuse:
  the pandas -> Arrow conversion of the write and the reads' Arrow results stayed resident (about 45 MB).
  The system allocator (``pyarrow.system_memory_pool``) returns them (Arrow's documentation, "Memory
  Management": the pool is chosen by ``pyarrow.set_memory_pool``);
* **DuckDB's buffer pool** keeps the blocks it read up to its ``memory_limit`` (80% of RAM by default): the
  vintage rule's window over each selection left about 20-30 MB of blocks cached. A limit of
  :data:`LEAN_MEMORY` bounds the cache; what does not fit (the rule's window, a checkpoint) spills to disk
  (DuckDB's documentation, "Memory management"), and the key check of a large write raises it for its own
  query (:func:`corridor.store.write_stream.memory_limit`). What cannot spill -- a query's materialised result --
  must fit: the ``--out`` read of every estimate of a warehouse failed at 32 MB ("Out of Memory Error") and runs
  after the block, and in the full test suite ``test_cli_vintage_option``'s estimate read still ran out at
  32 MB (30.3 of 30.5 MiB used), so the bound is 48 MB (peak 276 MB, median of 5; 64 MB gave 288-294 MB,
  128 MB about 300 MB);
* (not this module: every write) a text column held as a categorical, the estimate's interval sentence on
  each of its 40k rows, goes to DuckDB as an Arrow dictionary instead of a 13 MB column of strings
  (:func:`corridor.store.write_stream.validated_stream`).

Together: 387 -> about 265 MB at a 32 MB bound, 276 MB at 48 MB, same datasets (same rows, same ids). Since the
store's checks no longer load pandera (:mod:`corridor.store.validate`) and the command turns transparent huge
pages off for itself (:func:`corridor.process_memory.no_huge_pages`, also called at the start of the command,
before the imports), 251 MB; the project's CI had measured 324 MB where this machine measured 276.
``docs/methods-flows.md`` ("Performance") has the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from corridor.process_memory import no_huge_pages

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

#: DuckDB's memory limit in a lean session.
LEAN_MEMORY = "48MB"


@contextmanager
def lean(wh: Warehouse, *, memory_limit: str = LEAN_MEMORY) -> Iterator[None]:
    """Inside the block, Arrow allocates from the system allocator (for the rest of the process: memory it
    frees goes back) and ``wh``'s DuckDB works within ``memory_limit`` (restored after)."""
    import pyarrow as pa

    from corridor.store.write_stream import memory_limit as limited

    pa.set_memory_pool(pa.system_memory_pool())
    no_huge_pages()
    with limited(wh._con, memory_limit):
        yield

