"""Estimated flows (``MIG_FLOW``) on the portal: which estimate a panel shows, chosen by a stated rule.

Every flow estimate is its own dataset (one per method and period, ``est:flows:<method>:<period>:<sex>``),
so "the first dataset by id" would be the oldest period of one method. The rule instead:

1. **Vintage**: the latest of each method's series (the store's vintage rule, :class:`Selection`).
2. **Period**: the most recent period the country has estimates for.
3. **Method**: the first of :data:`HEADLINE_METHODS` that has estimates for that period.
   ``da_pb_closed`` leads because its world totals fall inside the 67-87 million movers per five years
   that Azose & Raftery (2019, PNAS 116(1)) publish, while the minimum-migration accounts
   (``da_min_*``; Abel & Sander 2014) count only the moves needed to turn one stock table into the next
   — a lower bound, which for one corridor can be implausibly small (docs/methods-flows.md).

The reader can switch period and method (query string ``flow_period``, ``flow_method``); the page says
which were chosen and why. The interval shown is the one stored with each number (its ``interval`` text
says what it is), never re-derived here; the other methods' figures for the same corridor are shown beside
the chosen one, so a method that disagrees is explained, not just printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor.reference.codes import codes
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import area_name, is_country
from .catalogue import MIG_FLOW

#: Methods in the order the panels prefer them (see the module docstring for the reason).
HEADLINE_METHODS: tuple[str, ...] = ("da_pb_closed", "da_ind_closed", "da_min_closed", "da_min_open",
                                     "mig_rate", "sd_rev_neg", "sd_drop_neg")

HEADLINE_REASON = (
    "The pseudo-Bayes demographic account (da_pb_closed) is shown first: its world totals fall inside the "
    "range Azose & Raftery (2019) publish, whereas the minimum-migration method counts only the moves needed "
    "to reconcile the two stock tables (a lower bound)."
)

#: What a reader must know about a method's figures for one corridor (docs/methods-flows.md).
METHOD_CAVEATS: dict[str, str] = {
    "da_min_closed": "Minimum migration (stayer assumption, Abel & Sander 2014): only the moves needed to turn "
                     "the start stocks into the end stocks are counted, so this is a lower bound; for a single "
                     "corridor it can be far below the other methods (a few hundred where pseudo-Bayes gives "
                     "hundreds of thousands).",
    "da_min_open": "Minimum migration with moves to and from outside the system (Abel 2013): a lower bound, "
                   "like da_min_closed.",
    "da_ind_closed": "Independence (no stayer assumption, Azose & Raftery 2019): moves are spread in proportion to "
                     "the start and end distributions, which overstates churn; an upper reading.",
    "da_pb_closed": "Pseudo-Bayes (Azose & Raftery 2019): a weighted combination of the minimum-migration and "
                    "independence tables; corridor's headline method.",
}

#: Two methods whose figures for one corridor differ by more than this factor are flagged.
DISAGREEMENT_FACTOR = 5.0


@dataclass(frozen=True)
class FlowChoice:
    """The estimate a panel shows and what the reader could switch to."""

    period: str
    method: str
    periods: tuple[str, ...]
    methods: tuple[str, ...]
    by_rule: bool
    notes: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        """Why this period and method are shown (the rule, or the reader's choice)."""
        if not self.by_rule:
            return f"Showing {self.period}, method {self.method}, as chosen."
        lead = f"Most recent period ({self.period}), latest estimate of each method; method {self.method}"
        return f"{lead}. {HEADLINE_REASON}" if self.method == "da_pb_closed" else f"{lead} (the first available " \
            f"of {', '.join(HEADLINE_METHODS)})."


def method_label(method: str) -> str:
    """The METHOD codelist's label of a method id (the id itself when unlisted)."""
    return codes("METHOD").get(method, method)


def choose(frame: pd.DataFrame, period: str | None = None, method: str | None = None) -> FlowChoice:
    """Period and method by the rule of the module docstring; a requested period or method that has
    no estimates falls back to the rule and says so in ``notes``."""
    periods = tuple(sorted(frame["time_period"].unique(), reverse=True))
    notes: list[str] = []
    if period is not None and period not in periods:
        notes.append(f"No estimates for period {period}; showing the most recent.")
        period = None
    chosen_period = period or periods[0]
    available = set(frame.loc[frame["time_period"] == chosen_period, "method"])
    methods = tuple([m for m in HEADLINE_METHODS if m in available] + sorted(available - set(HEADLINE_METHODS)))
    if method is not None and method not in methods:
        notes.append(f"No {method} estimates for {chosen_period}; showing the headline method.")
        method = None
    return FlowChoice(chosen_period, method or methods[0], periods, methods,
                      by_rule=period is None and method is None, notes=tuple(notes))


def country_flows(wh: Warehouse, m49: str) -> pd.DataFrame:
    """Every estimated flow between ``m49`` and a country (both directions, both sexes, all birthplaces),
    every period and method (latest vintage of each method's series), missing values left out."""
    both = pd.concat([wh.select(Selection.of(MIG_FLOW, **side, birthplace="_T", sex="_T", age="_T",
                                             include_missing=False), scaled=True)
                      for side in ({"ref_area": m49}, {"counterpart_area": m49})], ignore_index=True)
    if both.empty:
        return both
    countries = both["ref_area"].map(is_country).astype(bool) & both["counterpart_area"].map(is_country).astype(bool)
    return both[countries & (both["ref_area"] != both["counterpart_area"]).astype(bool)]


def _compare(frame: pd.DataFrame, choice: FlowChoice) -> pd.DataFrame:
    """The chosen period's figures of every method, one column per method, by (origin, destination)."""
    same = frame[frame["time_period"] == choice.period]
    return same.pivot_table(index=["counterpart_area", "ref_area"], columns="method", values="value",
                            aggfunc="first")


def _ratio(a: float, b: float) -> float:
    """How many times the larger of two flows is the smaller (infinite when one is 0 and the other not)."""
    low, high = sorted((a, b))
    if high <= 0:
        return 1.0
    return high / low if low > 0 else float("inf")


def flows_for(wh: Warehouse, m49: str, *, period: str | None = None, method: str | None = None,
              n: int = 8) -> dict[str, Any] | None:
    """The flows panel of a country: the chosen estimate (:func:`choose`) between ``m49`` and its ``n``
    largest partners as a chord matrix, the rows with their stored intervals, the other methods' figures
    beside each row and a flag where methods disagree by more than :data:`DISAGREEMENT_FACTOR`."""
    frame = country_flows(wh, m49)
    if frame.empty:
        return None
    choice = choose(frame, period, method)
    shown = frame[(frame["time_period"] == choice.period) & (frame["method"] == choice.method)]
    partner = shown["counterpart_area"].where(shown["ref_area"] == m49, shown["ref_area"])
    volume = shown.assign(partner=partner).groupby("partner")["value"].sum().sort_values(ascending=False)
    areas = [m49, *[a for a in volume.index[:n] if a != m49]]
    # only the country's own flows: a chord of flows *among* its partners would be dominated by them
    matrix = [[0.0] * len(areas) for _ in areas]
    index = {a: i for i, a in enumerate(areas)}
    for origin, dest, value in zip(shown["counterpart_area"], shown["ref_area"], shown["value"], strict=True):
        if origin in index and dest in index:
            matrix[index[origin]][index[dest]] = float(value)
    compare = _compare(frame, choice)
    rows = []
    for row in shown.sort_values("value", ascending=False).to_dict("records"):
        others = compare.loc[(row["counterpart_area"], row["ref_area"])].dropna().to_dict() \
            if (row["counterpart_area"], row["ref_area"]) in compare.index else {}
        others = {m: v for m, v in others.items() if m != choice.method}
        rows_value = float(row["value"])
        ratio = max([_ratio(rows_value, float(v)) for v in others.values()] + [1.0])
        rows.append({**row, "origin": area_name(row["counterpart_area"]), "destination": area_name(row["ref_area"]),
                     "others": others, "disagree": ratio > DISAGREEMENT_FACTOR})
    return {"names": [area_name(a) for a in areas], "matrix": matrix, "choice": choice,
            "period": choice.period, "method": choice.method, "method_label": method_label(choice.method),
            "dataset_id": str(shown["dataset_id"].iloc[0]), "rows": rows,
            "interval": next((t for t in shown["interval"].dropna()), None),
            "caveats": {m: METHOD_CAVEATS[m] for m in choice.methods if m in METHOD_CAVEATS}}


def corridor_flows(frame: pd.DataFrame) -> pd.DataFrame:
    """Estimated flows of one corridor (rows of ``MIG_FLOW`` from the corridor page's read), one row per
    period and method, the latest vintage of each method's series (the page reads every vintage)."""
    flows = frame[(frame["dataflow"] == MIG_FLOW) & (frame["birthplace"].isin(["_T"]))]
    if flows.empty:
        return flows
    flows = flows.sort_values(["vintage", "ingested_at"]).drop_duplicates(["series", "time_period", "method"],
                                                                            keep="last")
    return flows.sort_values(["time_period", "method"])
