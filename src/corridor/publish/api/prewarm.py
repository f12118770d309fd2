"""Pre-warming a served state: the statements of the common data-query shapes compiled before anyone asks.

The store compiles a selection once per *shape* (:mod:`corridor.store.statements`): which dimension
columns are filtered, whether first/last N and a period list are given -- not the codes, periods or N
themselves. The first query of a shape still pays Ibis's compile (50-300 ms on this machine), so right
after start a server would answer its first distinct queries slowly. :func:`prewarm` compiles, for
every dataflow, the shapes an anonymous data query takes with the whole key given and with only the
reference area given, each with and without ``startPeriod``/``endPeriod`` and ``lastNObservations``.
Compiling reads nothing, and runs in a background thread (:func:`start`) so that it does not delay
the start; the compiled statements are kept per process, across snapshot switches. Before it, while
the state is built, the memory index reads each dataflow's period codes (a small distinct list each,
which ``startPeriod``/``endPeriod`` are turned into; they belong to the state).
"""

from __future__ import annotations

import logging
import threading
import time

from corridor.publish.api.data import ANSWER_COLUMNS
from corridor.publish.api.index import key_selection
from corridor.publish.api.state import ServiceState
from corridor.publish.security import PUBLIC
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


def prewarm(state: ServiceState) -> int:
    """Both at once, in this thread: the period codes and the statements (see the module docstring)."""
    periods(state)
    return shapes(state)


def start(state: ServiceState) -> threading.Thread:
    """Read the period codes now, then compile the statements in a daemon thread (errors are logged:
    a cold statement is only slower)."""
    periods(state)

    def run() -> None:
        try:
            shapes(state)
        except Exception:  # noqa: BLE001 - pre-warming must never stop a server
            log.exception("pre-warming data-query statements")

    thread = threading.Thread(target=run, name="prewarm-statements", daemon=True)
    thread.start()
    return thread
