"""Bounded work per process: concurrency lanes for warehouse queries, a limit per client address, and
queued requests dropped when their client has gone (issue 11, item 5: four concurrent full-flow
queries pushed a cached query's p99 from 6 ms to 2.4 s, and after an overload the server worked off
abandoned requests for about a minute).

A data query that is not answered from a cache runs in the thread pool. Before it starts it takes a
slot in one of two lanes: **heavy** (a key that leaves its first dimension open -- every country --
without first/last N: up to the whole dataflow) or **light** (everything else). Each lane has its own
small number of slots (:data:`HEAVY_SLOTS`, :data:`LIGHT_SLOTS`), so dumps queue behind dumps and never
take the slots of one-country queries; cache hits do not queue at all. A client address may have
:data:`PER_CLIENT_HEAVY` heavy and :data:`PER_CLIENT_LIGHT` light queries waiting or running at once
(counted apart, so its own dumps do not block its light queries); one more is answered 429 with
``Retry-After``.
While a request waits for a slot, the server looks every :data:`POLL_SECONDS` whether its client is
still connected; a request whose client has gone is dropped before any work is done, and one that
waited :data:`MAX_WAIT_SECONDS` is answered 503 with ``Retry-After``. (A query already running in
DuckDB runs to its end; what is bounded is the queue behind it.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import Request

from corridor.publish.api.errors import ApiError

HEAVY_SLOTS = 1
LIGHT_SLOTS = 4
PER_CLIENT_HEAVY = 4
PER_CLIENT_LIGHT = 8
POLL_SECONDS = 0.25
MAX_WAIT_SECONDS = 30.0


class ClientGone(Exception):  # noqa: N818 - a condition, not an error of the service
    """The client closed the connection while its request waited: nothing is sent."""


@dataclass
class Limits:
    """The lanes and per-client counts of one server process (see the module docstring)."""

    heavy_slots: int = HEAVY_SLOTS
    light_slots: int = LIGHT_SLOTS
    per_client_heavy: int = PER_CLIENT_HEAVY
    per_client_light: int = PER_CLIENT_LIGHT
    max_wait: float = MAX_WAIT_SECONDS
    #: requests dropped because their client had gone, and refused with 429 / 503 (for logs and tests)
    abandoned: int = 0
    refused: int = 0
    timed_out: int = 0
    _in_flight: dict[tuple[str, bool], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lanes: dict[tuple[int, bool], asyncio.Semaphore] = field(default_factory=dict)

    def _lane(self, heavy: bool) -> asyncio.Semaphore:
        """The lane's semaphore for the running event loop (one per loop: uvicorn runs one per worker)."""
        key = (id(asyncio.get_running_loop()), heavy)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = asyncio.Semaphore(self.heavy_slots if heavy else self.light_slots)
        return lane

    def _enter(self, client: tuple[str, bool]) -> None:
        limit = self.per_client_heavy if client[1] else self.per_client_light
        with self._lock:
            count = self._in_flight.get(client, 0)
            if count >= limit:
                self.refused += 1
                kind = "whole-dataflow " if client[1] else ""
                raise ApiError(429, f"too many {kind}queries at once from this address (at most {limit} "
                                    "waiting or running); wait for an answer before asking again",
                               headers={"Retry-After": "1"})
            self._in_flight[client] = count + 1

    def _leave(self, client: tuple[str, bool]) -> None:
        with self._lock:
            count = self._in_flight.get(client, 1) - 1
            if count <= 0:
                self._in_flight.pop(client, None)
            else:
                self._in_flight[client] = count

    @asynccontextmanager
    async def slot(self, request: Request, *, heavy: bool) -> AsyncIterator[None]:
        """Hold a slot of the heavy or light lane for the ``with`` block (429, 503 or
        :class:`ClientGone` instead, see the module docstring)."""
        client = (request.client.host if request.client else "?", heavy)
        self._enter(client)
        try:
            lane = self._lane(heavy)
            started = time.monotonic()
            while True:
                try:
                    await asyncio.wait_for(lane.acquire(), timeout=POLL_SECONDS)
                    break
                except TimeoutError:
                    if await request.is_disconnected():
                        self.abandoned += 1
                        raise ClientGone from None
                    if time.monotonic() - started > self.max_wait:
                        self.timed_out += 1
                        raise ApiError(503, f"the server is busy: this query waited {self.max_wait:.0f} s for "
                                            "a slot; try again later", headers={"Retry-After": "10"}) from None
            try:
                yield
            finally:
                lane.release()
        finally:
            self._leave(client)
