"""Bounded work (issue 11, item 5): heavy queries queue in their own lane and cannot starve light ones;
one address may have only a few queries waiting or running; a queued query whose client has gone is
dropped instead of being worked off.

Against the real server process (timings scale with one dump's time, measured first, as the machine's
load varies). Heavy query: ``/data/REFUGEES/all`` in SDMX-ML (every refugee stock, 93,936 rows, about
20 MB written by pysdmx) -- seconds of work each, kept out of the response caches by a ``startPeriod``
of its own (before every period, so the same rows). (It was ``/data/MIG_FLOW/all``, answered 413 after
reading one row past the limit; with the published observations in memory that 413 now comes from a
count in microseconds.) Light query: one country pair of ``MIG_STOCK``. That the abandoned ones
were dropped shows in the places they leave free: worked off, they would still hold three of the
address's four whole-dataflow places.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import httpx
import pytest

from corridor.publish.api.limits import POLL_SECONDS

#: a whole dataflow, written in full (``n``: a start year before every period, so that no cache answers it)
HEAVY = "/data/REFUGEES/all?format=sdmx-ml&startPeriod={n}"
LIGHT = "/data/MIG_STOCK/484.840._T?format=csv&startPeriod={year}&endPeriod={year}"


async def _get(client: httpx.AsyncClient, path: str, timeout: float) -> int | str:
    try:
        return (await client.get(path, timeout=timeout)).status_code
    except httpx.TimeoutException:
        return "gone"


def _one_heavy(server) -> float:
    started = time.monotonic()
    response = server.get(HEAVY.format(n=1900))
    assert response.status_code == 200 and len(response.content) > 10 * 2**20
    return time.monotonic() - started


@pytest.mark.slow

def _run(coroutine):
    """``asyncio.run`` in a thread of its own: the session's Playwright (browser tests) keeps an event loop
    running in the main thread, where ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_lanes_client_limit_and_abandoned_requests(server):
    single = _one_heavy(server)

    async def scenario() -> tuple[list[int | str], int | str, float]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            # eight dumps whose clients give up after a third of one dump's time, and meanwhile one light query
            heavy = [asyncio.create_task(_get(client, HEAVY.format(n=1901 + i), timeout=max(0.3, single / 3)))
                     for i in range(8)]
            await asyncio.sleep(0.3)
            light_started = time.monotonic()
            light = await _get(client, LIGHT.format(year=2019), timeout=60)
            light_seconds = time.monotonic() - light_started
            return [await t for t in heavy], light, light_seconds

    statuses, light, light_seconds = _run(scenario())
    assert light == 200 and light_seconds < single, (light_seconds, single)  # it did not wait for a dump
    assert statuses.count(429) == 4  # 8 dumps at once from one address: 4 may wait or run
    # their clients gave up: one dump running (it may still have finished in time), three queued
    assert statuses.count("gone") >= 3 and statuses.count("gone") + statuses.count(200) == 4, statuses
    # the queue was dropped (a waiting request looks for its client every POLL_SECONDS): of this address's
    # four whole-dataflow places, at most the one dump still running is taken, so four new dumps get at
    # most one 429 (worked off instead, the three abandoned ones would still hold three places)
    time.sleep(3 * POLL_SECONDS)

    async def four_more() -> list[int | str]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            return list(await asyncio.gather(*(_get(client, HEAVY.format(n=1911 + i), timeout=0.5) for i in range(4))))

    again = _run(four_more())
    assert again.count(429) <= 1, (single, again)


def test_a_streamed_answer_holds_its_slot_until_sent(server) -> None:
    """A streamed answer is written while it is sent, after the query ran: it keeps its heavy slot until
    the last piece (it used to give the slot back first, so any number of streams could be written at
    once). While one client reads a stream slowly, a second whole-dataflow query -- refused 413 from a
    count in microseconds once it has a slot -- waits; it is answered when the stream ends."""
    stream_path = "/data/REFUGEES/all?format=csv&startPeriod=1930"  # 93,936 rows: streamed
    other_path = "/data/MIG_FLOW/all?format=csv&startPeriod=1931"

    async def scenario() -> tuple[bool, int | str]:
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            for attempt in range(120):  # until the server has warmed up: alone, the 413 comes at once
                started = time.monotonic()
                status = await _get(client, f"/data/MIG_FLOW/all?format=csv&startPeriod={1800 + attempt}", 60)
                if status == 429:  # the dumps an earlier test abandoned are still being written for this address
                    await asyncio.sleep(1)
                    continue
                assert status == 413
                if time.monotonic() - started < 0.5:
                    break
            async with client.stream("GET", stream_path) as response:
                assert response.status_code == 200 and "content-length" not in response.headers
                pieces = response.aiter_bytes()
                await anext(pieces)
                other = asyncio.create_task(_get(client, other_path, timeout=120))
                await asyncio.sleep(2.0)
                waited = not other.done()
                async for _ in pieces:
                    pass
            return waited, await other

    waited, status = _run(scenario())
    assert waited and status == 413
