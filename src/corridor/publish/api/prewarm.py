"""Pre-warming a served state: its published observations read and the common query shapes compiled.

In a background thread after start (:func:`start`), in this order:

1. **the published observations** of every dataflow, smallest first, into the memory index
   (:func:`published`; :mod:`corridor.store.published`): from then on an anonymous query of the latest
   vintages is answered from memory, without DuckDB -- about 5 CPU-seconds for the full warehouse;
2. **the statements** of the common data-query shapes (:func:`shapes`): the store compiles a selection
   once per *shape* (:mod:`corridor.store.statements`) -- which dimension columns are filtered, whether
   first/last N and a period list are given, not the codes themselves -- and the first query of a shape
   would pay Ibis's compile (50-300 ms on this machine); this serves the queries memory does not answer
   (``asOf``, token holders). Compiling reads nothing; the statements are kept per process;
3. :func:`settle`: the objects alive now frozen out of the garbage collector, the free heap given back to
   the kernel, and a shorter GIL switch interval.

Before it, while the state is built, the memory index reads each dataflow's period codes (a small
distinct list each, which ``startPeriod``/``endPeriod`` are turned into). The thread reads on a cursor
of its own; a state that closes first stops it and interrupts its query (:meth:`ServiceState.close`).
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time

from corridor.process_memory import release_free_heap
from corridor.publish.api.data import ANSWER_COLUMNS
from corridor.publish.api.index import key_selection
from corridor.publish.api.state import ServiceState
from corridor.publish.security import PUBLIC
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

log = logging.getLogger("corridor.serve")
_ANY = ("_T",)  # a code stands for any: the shape does not depend on it


def periods(state: ServiceState) -> None:
    """Read each dataflow's period codes into the memory index now, on the root connection (at build
    time, before the state serves: a background thread on the state's connection could keep a retired
    state from closing)."""
    if state.index is not None:
        for flow_id in state.catalog.flows:
            state.index.periods(state.root, flow_id)


def shapes(state: ServiceState) -> int:
    """Compile the common shapes of every dataflow (see the module docstring; reads nothing); how many
    selections were prepared."""
    started, done = time.perf_counter(), 0
    limit = state.max_observations + 1  # as :func:`corridor.publish.api.data.fetch` reads
    for flow in state.catalog.flows.values():
        if state.closing.is_set():
            break
        columns = [d.column for d in flow.dimensions]
        for given in (columns, columns[:1]):
            key = {c: list(_ANY) if c in given else None for c in columns}
            for options in ({}, {"time_period": _ANY}, {"last_n": 1}, {"time_period": _ANY, "last_n": 1}):
                sel = key_selection(flow, key, access=frozenset({PUBLIC}), dataset_ids=None, series=None,
                                    first_n=None, **{"last_n": None, **options})
                Warehouse.prepare(sel, limit=limit, columns=ANSWER_COLUMNS)
                done += 1
    log.info("pre-warmed %d data-query statements in %.1f s", done, time.perf_counter() - started)
    return done


def published(state: ServiceState) -> int:
    """Read every dataflow's published observations into the memory index (smallest dataflow first:
    each is answered from memory as soon as it is read); how many observations are held."""
    if state.index is None:
        return 0
    started, rows = time.perf_counter(), 0
    with state.new_warehouse() as wh:  # its own cursor, closed after; the state interrupts it when it closes
        state.background_cursor = wh
        try:
            sizes = wh.summary(Selection.of(list(state.catalog.flows)), by=("dataflow",))
            size = dict(zip(sizes["dataflow"], sizes["observations"], strict=True))
            for flow_id in sorted(state.catalog.flows, key=lambda f: size.get(f, 0)):
                if state.closing.is_set():
                    return rows
                rows += state.index.publish(wh, flow_id, ANSWER_COLUMNS).rows
        finally:
            state.background_cursor = None
    log.info("published observations in memory: %d in %.1f s", rows, time.perf_counter() - started)
    return rows


def prewarm(state: ServiceState) -> int:
    """Everything at once, in this thread: the period codes, the published observations and the
    statements (see the module docstring)."""
    periods(state)
    published(state)
    return shapes(state)


#: Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005). A whole
#: dataflow being written in the heavy lane holds the GIL for seconds; every step of a light request on
#: the event loop then waited up to the default 5 ms for it, and a request of ~10 steps took 50-150 ms.
SWITCH_INTERVAL = 0.0005


def settle() -> None:
    """Move every object alive now (modules, structures, the published tables) out of the garbage
    collector's view (``gc.freeze``): they live as long as the process, and a full collection then
    walks only what requests create. Without it a full collection, which walks the million objects of
    pandas, Ibis, pysdmx and FastAPI, paused the server for tens of milliseconds at random requests
    (the p99 of distinct queries). The heap the reads freed goes back to the kernel
    (:func:`corridor.process_memory.release_free_heap`: 730 -> 540 MB on the full warehouse). Then the GIL's
    switch interval is shortened (:data:`SWITCH_INTERVAL`)."""
    gc.collect()
    gc.freeze()
    release_free_heap()
    sys.setswitchinterval(SWITCH_INTERVAL)


def start(state: ServiceState) -> threading.Thread:
    """Read the period codes now, then the published observations and the statements in a daemon
    thread (errors are logged: a dataflow not in memory, or a cold statement, is only slower)."""
    periods(state)

    def run() -> None:
        try:
            published(state)
            shapes(state)
        except Exception:  # noqa: BLE001 - pre-warming must never stop a server
            if not state.closing.is_set():  # else: interrupted because the state closed
                log.exception("pre-warming the memory index and data-query statements")
        settle()

    thread = threading.Thread(target=run, name="prewarm", daemon=True)
    state.background = thread
    thread.start()
    return thread
