"""One transaction for several writes (:meth:`corridor.store.warehouse.Warehouse.batch`).

Each :meth:`~corridor.store.warehouse.Warehouse.write_dataset` is atomic on its own: a transaction,
a commit, a flush of DuckDB's write-ahead log and, every 16 MB of log, a checkpoint. A command that
writes many small datasets (126 flow estimates for every method, period and sex) paid that per
dataset: about 0.3 s each on the 2-core machines, most of the run. In a batch the writes share one
transaction: each is still validated before anything of it is inserted, the batch commits once at
the end, and an error anywhere rolls every write of the batch back (nothing half-written).
DuckDB writes full row groups of a large transaction to the file as it goes ("optimistic writes"),
so a batch's memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse


@contextmanager
def batch(wh: Warehouse, con: Any, *, checkpoint: bool = False) -> Iterator[Warehouse]:
    """Run the block's writes on ``wh`` in one transaction on its connection ``con``; commit at the
    end, roll everything back on an error. Batches do not nest.

    ``checkpoint``: after the commit, merge what was written into the file (DuckDB's ``CHECKPOINT``). Large
    batches write their row groups straight to the file and leave the write-ahead log small, so DuckDB's
    automatic checkpoint (by log size) never runs and the one made when the warehouse closes has to merge
    everything written since it opened, at a memory cost that grows faster than the data (1.75 GB for
    the 126 flow estimates); a checkpoint every few batches keeps it bounded."""
    from corridor.store.warehouse import WarehouseError

    if wh.read_only:
        raise WarehouseError(f"warehouse {wh.path} is open read-only")
    if wh._batch:
        raise WarehouseError("a batch of writes is already open on this warehouse (batches do not nest)")
    con.execute("BEGIN TRANSACTION")
    wh._batch = True
    try:
        yield wh
        con.execute("COMMIT")
        if checkpoint:
            con.execute("CHECKPOINT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        wh._batch = False
