"""The corridor page's panel of observed register flows (``MIG_FLOW_REG``), beside the estimated flows.

Register counts are *observed* movements: the migrations a country's register or statistics recorded
during a year (or a longer period), under that country's definition (the 12-month criterion of EU
Regulation 862/2007 for Eurostat's tables). An estimated flow (``MIG_FLOW``) is a model's figure for
migrants over a five-year period, with an interval. The panel sits next to the estimates and says which
is which; the two are never added together, nor are the destination's immigration and the origin's
emigration (the same movement recorded twice, by two countries' rules). All ages are drawn over time;
age groups, where the source gives them (a user's register table by age), are listed for the latest
period of each dataset and direction.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.store.warehouse import Warehouse

from .. import charts
from ..concepts import concept
from ..queries import catalogue
from ..queries.corridor import MIG_FLOW_REG
from ..sections import view_of

COLUMNS = ["time_period", "value", "lower", "upper", "interval", "obs_status", "unit_measure", "dataset_id",
           "series_label", "vintage", "direction_label", "age", "age_label", "topic"]


def register_panel(wh: Warehouse, frame: pd.DataFrame, origin: str, destination: str) -> dict[str, Any] | None:
    """The panel for one sex's rows of :func:`~..queries.corridor.register_flows` (None if there are none)."""
    if frame.empty:
        return None
    all_ages = frame[frame["age"] == "_T"].sort_values(["series_label", "time_period"])
    by_age = frame[frame["age"] != "_T"]
    ids = sorted(frame["dataset_id"].unique())
    meta = {d["dataset_id"]: d for d in catalogue.datasets(wh, ids)}
    rows = charts.records(all_ages, COLUMNS)
    spec = charts.time_series([dict(r) for r in rows], y_title=view_of(MIG_FLOW_REG).value_title, width=760,
                              height=260) if all_ages["time_period"].nunique() > 1 else None
    ages = []
    for (dataset_id, direction), group in by_age.groupby(["dataset_id", "direction_label"], sort=True):
        latest = group[group["time_period"] == max(group["time_period"])]
        ages.append({"dataset_id": dataset_id, "direction": direction, "period": latest["time_period"].iloc[0],
                     "rows": charts.records(latest.sort_values("age", key=_age_order), COLUMNS)})
    return {
        "dataflow": MIG_FLOW_REG, "template": "sections/register_flows.html", "view": view_of(MIG_FLOW_REG),
        "spec": spec, "rows": rows, "ages": ages, "pair": (destination, origin),
        "datasets": [{**meta[i], "concept_info": concept(meta[i].get("concept"))} for i in ids if i in meta],
    }


def _age_order(ages: pd.Series) -> pd.Series:
    """Age groups by their lower bound (``Y5T9`` before ``Y10T14``), unknown age last."""
    lower = ages.str.extract(r"^Y(\d+)")[0].astype(float)
    return lower.fillna(1e6)
