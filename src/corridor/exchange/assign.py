"""Step (c) of matching: assignment with capacities, by deferred acceptance or by min-cost flow.

The market is a table of acceptable (eligible) pairs ``p``: ``worker[p]``, ``vacancy[p]``, the
worker's key ``worker_key[p]`` (lower = preferred by the worker) and the vacancy's key
``vacancy_key[p]`` (lower = ranked higher by the employer). Each vacancy has a ``capacity`` (its
open places) and may belong to a ``group`` (the bilateral agreement it is posted under) with a
``quota`` (places left in the agreement's period; -1 = none). Vacancies nest inside agreements, so the
constraints are laminar.

**Worker-proposing deferred acceptance** (Gale & Shapley 1962; with capacities as in Roth & Peranson
1999): every free worker proposes to the next vacancy on their list; a vacancy holds its best
proposals up to capacity; when an agreement's held places exceed its quota it rejects the
lowest-ranked pair it holds, in any of its vacancies. Holding the best pairs of a laminar family of
capacities is the greedy choice on a matroid, which is substitutable, so the result is stable (no
blocking pair, :mod:`corridor.exchange.checker` defines and verifies it) and the best stable
matching for every worker; proposing truthfully is a dominant strategy for workers.

**Tie-break** (documented, deterministic): a worker's equal keys are ordered by vacancy id, a
vacancy's and an agreement's equal keys by worker id -- ids are given in order of registration, so
ties go to the earlier record ("first come, first served").

**Min-cost flow** (option ``method="flow"``): source -> worker (1) -> vacancy (cost ``-weight``) ->
agreement (capacity) -> sink (quota), with a zero-cost bypass from each worker to the sink, solved
by ``networkx.network_simplex``: it maximises the total ``weight`` (the total score) subject to the
same capacities and quotas, and is not stable in general.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass
class PairTable:
    """Acceptable pairs and the capacities they share (see the module docstring); indices are 0-based
    positions (``worker_ids``/``vacancy_ids`` map them back to registry ids, which order ties)."""

    worker: np.ndarray
    vacancy: np.ndarray
    worker_key: np.ndarray
    vacancy_key: np.ndarray
    capacity: np.ndarray
    group: np.ndarray
    quota: np.ndarray
    weight: np.ndarray | None = None

    @property
    def n_workers(self) -> int:
        return int(self.worker.max()) + 1 if len(self.worker) else 0

    def proposal_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs sorted by worker, then worker key, then vacancy; and each worker's offsets into it."""
        order = np.lexsort((self.vacancy, self.worker_key, self.worker))
        counts = np.bincount(self.worker, minlength=self.n_workers)
        offsets = np.concatenate(([0], np.cumsum(counts)))
        return order, offsets

    def priority(self) -> np.ndarray:
        """Each pair's rank in the employers' order (vacancy key, then worker): lower is better."""
        order = np.lexsort((self.worker, self.vacancy_key))
        prio = np.empty(len(order), dtype=np.int64)
        prio[order] = np.arange(len(order))
        return prio


def _pop_worst(heap: list[int], held: np.ndarray, pair_of: np.ndarray) -> int:
    while True:
        p = int(pair_of[-heapq.heappop(heap)])
        if held[p]:
            return p


def _compact(heap: list[int], live: int, held: np.ndarray, pair_of: np.ndarray) -> list[int]:
    """Drop entries of pairs no longer held once they outnumber the live ones (bounded memory)."""
    if len(heap) <= 2 * live + 64:
        return heap
    kept = [e for e in heap if held[pair_of[-e]]]
    heapq.heapify(kept)
    return kept


def deferred_acceptance(t: PairTable) -> np.ndarray:
    """Worker-proposing deferred acceptance; returns the held pair index of each worker (-1: none).

    Heaps hold ``-priority`` (a plain int; the pair is recovered through the inverse permutation) and
    are compacted when rejected entries pile up, so memory stays proportional to the pairs held."""
    order, offsets = t.proposal_order()
    prio = t.priority()
    pair_of = np.empty_like(prio)
    pair_of[prio] = np.arange(len(prio))
    n_w, n_v = t.n_workers, len(t.capacity)
    n_g = len(t.quota)
    nxt = offsets[:-1].copy()
    end = offsets[1:]
    held = np.zeros(len(order), dtype=bool)
    count_v = np.zeros(n_v, dtype=np.int64)
    count_g = np.zeros(n_g, dtype=np.int64)
    heap_v: list[list[int]] = [[] for _ in range(n_v)]
    heap_g: list[list[int]] = [[] for _ in range(n_g)]
    cap, group, quota, vac, wrk = t.capacity, t.group, t.quota, t.vacancy, t.worker
    free = list(range(n_w - 1, -1, -1))
    while free:
        w = free.pop()
        if nxt[w] >= end[w]:
            continue
        p = int(order[nxt[w]])
        nxt[w] += 1
        v = int(vac[p])
        g = int(group[v])
        held[p] = True
        heapq.heappush(heap_v[v], -int(prio[p]))
        count_v[v] += 1
        if g >= 0:
            heapq.heappush(heap_g[g], -int(prio[p]))
            count_g[g] += 1
        rejected = -1
        if count_v[v] > cap[v]:
            rejected = _pop_worst(heap_v[v], held, pair_of)
        elif g >= 0 and quota[g] >= 0 and count_g[g] > quota[g]:
            rejected = _pop_worst(heap_g[g], held, pair_of)
        if rejected >= 0:
            held[rejected] = False
            rv = int(vac[rejected])
            count_v[rv] -= 1
            heap_v[rv] = _compact(heap_v[rv], int(count_v[rv]), held, pair_of)
            if g >= 0:
                count_g[g] -= 1
                heap_g[g] = _compact(heap_g[g], int(count_g[g]), held, pair_of)
            free.append(int(wrk[rejected]))
    out = np.full(n_w, -1, dtype=np.int64)
    idx = np.flatnonzero(held)
    out[wrk[idx]] = idx
    return out


def min_cost_flow(t: PairTable, scale: float = 1e6) -> np.ndarray:
    """The assignment maximising total ``weight`` under the capacities and quotas (module docstring)."""
    if t.weight is None:
        raise ValueError("min-cost flow needs a weight per pair")
    n_w = t.n_workers
    g = nx.DiGraph()
    g.add_node("s", demand=-n_w)
    g.add_node("t", demand=n_w)
    for w in range(n_w):
        g.add_edge("s", ("w", w), capacity=1, weight=0)
        g.add_edge(("w", w), "t", capacity=1, weight=0)
    for p in range(len(t.worker)):
        g.add_edge(("w", int(t.worker[p])), ("v", int(t.vacancy[p])), capacity=1,
                   weight=-int(round(float(t.weight[p]) * scale)))
    for v, cap in enumerate(t.capacity):
        grp = int(t.group[v])
        g.add_edge(("v", v), ("g", grp) if grp >= 0 else "t", capacity=int(cap), weight=0)
    total_cap = int(t.capacity.sum())
    for grp, q in enumerate(t.quota):
        g.add_edge(("g", grp), "t", capacity=int(q) if q >= 0 else total_cap, weight=0)
    _, flow = nx.network_simplex(g)
    out = np.full(n_w, -1, dtype=np.int64)
    pair_of = {(int(t.worker[p]), int(t.vacancy[p])): p for p in range(len(t.worker))}
    for w in range(n_w):
        for node, f in flow[("w", w)].items():
            if f and node != "t":
                out[w] = pair_of[(w, node[1])]
    return out
