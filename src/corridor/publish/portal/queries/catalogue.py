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
           "datasets", "codes", "areas_in_use", "series_label"]


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
    return frame.where(frame.notna(), None).to_dict("records")


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
