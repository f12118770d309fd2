"""What every page lists: the dataflows in the warehouse, the datasets' provenance, codes in use.

Also the dataflow ids the pages read, as constants checked against the registry
(:mod:`corridor.reference.dataflows`) when the module is imported, and the series ids they single out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.reference.dataflows import DIMENSION_COLUMNS, dataflow, dataflows
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import WORLD, area_name
from ..cache import per_warehouse


def _registered(*flow_ids: str) -> tuple[str, ...]:
    """The ids, each checked against the dataflow registry (an unknown id fails at import)."""
    return tuple(dataflow(flow_id).id for flow_id in flow_ids)


MIG_STOCK, MIG_FLOW, POP, REFUGEES, ASYLUM_SEEKERS, REMIT, REMIT_COST, CENSUS_QUESTION = _registered(
    "MIG_STOCK", "MIG_FLOW", "POP", "REFUGEES", "ASYLUM_SEEKERS", "REMIT", "REMIT_COST", "CENSUS_QUESTION")

#: Series (``datasets.series``, set by the release catalogue) the pages single out.
IMS_SERIES = "undesa-ims"  # UN DESA International Migrant Stock, every edition
WB_SERIES = "wb-bilateral-migration"  # World Bank bilateral migration matrix
WPP_POP_SERIES = "wpp-population"  # UN World Population Prospects, population

__all__ = ["WORLD", "MIG_STOCK", "MIG_FLOW", "POP", "REFUGEES", "ASYLUM_SEEKERS", "REMIT", "REMIT_COST",
           "CENSUS_QUESTION", "IMS_SERIES", "WB_SERIES", "WPP_POP_SERIES", "every_dataflow", "dataflow_summary",
           "datasets", "codes", "areas_in_use", "series_label", "split_withdrawn", "withdrawal_text"]


def every_dataflow() -> tuple[str, ...]:
    """Every registered dataflow id (a selection over all of them reads the whole warehouse)."""
    return tuple(dataflows())


@per_warehouse()
def dataflow_summary(wh: Warehouse) -> pd.DataFrame:
    """Dataflows holding public observations: dataflow, observations, datasets, first and last period.

    Counts every public vintage (what the warehouse holds), not only the latest.
    """
    return wh.summary(Selection.of(every_dataflow(), vintages="all"), by=("dataflow",))


@per_warehouse(maxsize=4)
def _all_datasets(wh: Warehouse) -> list[dict[str, Any]]:
    frame = wh.datasets()
    frame = frame[frame["access"] == "public"].astype(object)
    rows = frame.where(frame.notna(), None).to_dict("records")
    for row in rows:  # a withdrawal, from provenance (``corridor withdraw DATASET --reason``), as a reader sees it
        row["withdrawn"] = withdrawal_text(row)
    return rows


def withdrawal_text(row: dict[str, Any]) -> str | None:
    """``withdrawn on <date>: <reason>`` for a withdrawn dataset's provenance row, else None."""
    when = row.get("withdrawn_at")
    if when is None:
        return None
    day = when.date().isoformat() if hasattr(when, "date") else str(when)[:10]
    return f"withdrawn on {day}: {row.get('withdrawn_reason') or 'no reason recorded'}"


def split_withdrawn(wh: Warehouse, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rows of datasets still served, and the withdrawn datasets among ``frame``'s (id, title, what the
    withdrawal says): a page that lists every vintage (revisions) must not draw a withdrawn dataset as
    one; it names it as withdrawn instead."""
    if frame.empty or "dataset_id" not in frame:
        return frame, []
    gone = {d["dataset_id"]: d for d in datasets(wh, sorted(frame["dataset_id"].unique())) if d["withdrawn"]}
    if not gone:
        return frame, []
    return (frame[~frame["dataset_id"].isin(list(gone))],
            [{"dataset_id": i, "title": d.get("title"), "withdrawn": d["withdrawn"]} for i, d in sorted(gone.items())])


def datasets(wh: Warehouse, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Provenance rows of public datasets (all, or those named), newest vintage first per series."""
    rows = _all_datasets(wh)
    if ids is None:
        return list(rows)
    wanted = set(ids)
    return [r for r in rows if r["dataset_id"] in wanted]


@per_warehouse()
def codes(wh: Warehouse, flow: str, column: str) -> list[str]:
    """Distinct codes of one dimension column in a dataflow (every public vintage), totals first, by name."""
    if column not in DIMENSION_COLUMNS:
        raise ValueError(f"{column!r} is not a dimension column ({', '.join(DIMENSION_COLUMNS)})")
    found = wh.distinct(Selection.of(flow, vintages="all"), column)
    return sorted(found, key=lambda c: (not c.startswith("_"), area_name(c)))


@per_warehouse(maxsize=4)
def areas_in_use(wh: Warehouse) -> frozenset[str]:
    """Area codes that appear as REF_AREA or COUNTERPART_AREA of any public observation."""
    every = Selection.of(every_dataflow(), vintages="all")
    return frozenset(wh.distinct(every, "ref_area")) | frozenset(wh.distinct(every, "counterpart_area"))


def series_label(frame: pd.DataFrame) -> pd.Series:
    """``publisher · dataset id`` for each row (the legend of a chart with one line per dataset); an id's
    content hash (``est:flows:...@1a2b3c``) is left out of the legend (the table and tooltip keep it)."""
    return frame["publisher"].fillna("").str.split(",").str[0].str.replace("United Nations", "UN", regex=False) \
        + " · " + frame["dataset_id"].astype(str).str.split("@").str[0]
