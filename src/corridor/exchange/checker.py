"""An independent check of a matching: feasibility (acceptability, capacities, quotas) and stability.

Written from the definitions, sharing no code with :mod:`corridor.exchange.assign`: plain
dictionaries and loops over every worker and every vacancy on their list, so that a mistake in the
fast algorithm cannot hide itself.

Definitions. A matching assigns each worker at most one vacancy on their list. It is *feasible* when
no vacancy holds more workers than its capacity and no group (agreement) holds more than its quota.
A pair (w, v) with v on w's list, w preferring v to their match (or being unmatched), *blocks* when
the vacancy and its agreement would take w, i.e. when

(a) v has a free place and its group has quota left (or no quota); or
(b) v holds a worker it ranks below w (w takes that place; the group's count is unchanged); or
(c) v has a free place, the group's quota is used up, and the group holds a pair -- possibly w's own
    current one -- ranked below (w, v) by the employers' order.

This is stability in the sense of matching with contracts (Hatfield & Milgrom 2005) when an agreement
keeps its best pairs under its vacancies' capacities and its quota. A matching is stable when it is
feasible and no pair blocks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Report:
    """What the checker found: empty lists mean feasible and stable."""

    not_acceptable: list[tuple[Hashable, Hashable]] = field(default_factory=list)
    over_capacity: list[Hashable] = field(default_factory=list)
    over_quota: list[Hashable] = field(default_factory=list)
    blocking_pairs: list[tuple[Hashable, Hashable]] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not (self.not_acceptable or self.over_capacity or self.over_quota)

    @property
    def stable(self) -> bool:
        return self.feasible and not self.blocking_pairs


def check(matching: Mapping[Hashable, Hashable | None],
          worker_prefs: Mapping[Hashable, Sequence[Hashable]],
          rank: Mapping[tuple[Hashable, Hashable], object],
          capacity: Mapping[Hashable, int],
          group: Mapping[Hashable, Hashable | None] | None = None,
          quota: Mapping[Hashable, int | None] | None = None,
          max_blocking: int | None = None) -> Report:
    """Check ``matching`` (worker -> vacancy or None).

    ``worker_prefs``: each worker's acceptable vacancies, best first; ``rank[(v, w)]``: the employers'
    order of pairs (lower is better; comparable across the vacancies of one group); ``capacity`` per
    vacancy; ``group`` of each vacancy and ``quota`` of each group (None: no limit).
    """
    group = group or {}
    quota = quota or {}
    report = Report()
    holders: dict[Hashable, list[Hashable]] = {v: [] for v in capacity}
    for w, v in matching.items():
        if v is None:
            continue
        if v not in worker_prefs.get(w, ()):
            report.not_acceptable.append((w, v))
        holders.setdefault(v, []).append(w)
    group_pairs: dict[Hashable, list[tuple[Hashable, Hashable]]] = {}
    for v, ws in holders.items():
        if len(ws) > capacity.get(v, 0):
            report.over_capacity.append(v)
        g = group.get(v)
        if g is not None:
            group_pairs.setdefault(g, []).extend((v, w) for w in ws)
    for g, pairs in group_pairs.items():
        q = quota.get(g)
        if q is not None and len(pairs) > q:
            report.over_quota.append(g)
    for w, prefs in worker_prefs.items():
        current = matching.get(w)
        for v in prefs:
            if v == current:
                break  # only vacancies w prefers to their match
            if _blocks(w, v, holders, group_pairs, rank, capacity, group, quota):
                report.blocking_pairs.append((w, v))
                if max_blocking is not None and len(report.blocking_pairs) >= max_blocking:
                    return report
    return report


def _blocks(w, v, holders, group_pairs, rank, capacity, group, quota) -> bool:  # noqa: ANN001 - see check()
    ws = holders.get(v, [])
    g = group.get(v)
    q = quota.get(g) if g is not None else None
    in_group = group_pairs.get(g, []) if g is not None else []
    free_place = len(ws) < capacity.get(v, 0)
    quota_left = q is None or len(in_group) < q
    if free_place and quota_left:
        return True  # (a)
    mine = rank[(v, w)]
    if any(rank[(v, u)] > mine for u in ws):
        return True  # (b)
    if free_place and not quota_left:
        return any(rank[pair] > mine for pair in in_group)  # (c)
    return False
