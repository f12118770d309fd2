"""``/corridor/{origin}/{destination}``: everything the warehouse holds for one pair.

Observed register flows (``MIG_FLOW_REG``) are read apart (:func:`register_flows`): the movement from
origin to destination is recorded twice over, as immigration by the destination (previous residence
the origin) and as emigration by the origin (next residence the destination), each under its own
country's definition, by age where the source gives it.
"""

from __future__ import annotations

import pandas as pd

from corridor.reference.codes import codes
from corridor.reference.dataflows import dataflow
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import area_name
from .catalogue import every_dataflow, series_label
from .indicators import SECTION_DATAFLOWS

#: Recruitment costs (SDG 10.7.1) have their own section on the corridor page (pages/recruitment.py).
SDG_10_7_1 = "SDG_10_7_1"
#: Observed register flows: their own panel beside the estimated flows (:func:`register_flows`).
MIG_FLOW_REG = "MIG_FLOW_REG"


def corridor_observations(wh: Warehouse, origin: str, destination: str) -> pd.DataFrame:
    """Everything the warehouse holds for migrants from ``origin`` in ``destination``: every dataflow,
    every vintage, totals over age. Dataflows are read with REF_AREA = destination and COUNTERPART_AREA
    = origin, except those whose registered view is ``reverse`` (money sent home: REF_AREA = origin)."""
    # shown by their own sections: the development section and the SDG 10.7.1 section
    flows = [f for f in every_dataflow() if f not in (*SECTION_DATAFLOWS, SDG_10_7_1, MIG_FLOW_REG)]
    forward = [f for f in flows if not dataflow(f).view.reverse]
    backward = [f for f in flows if dataflow(f).view.reverse]
    frame = _both_sides(wh, (Selection.of(forward, ref_area=destination, counterpart_area=origin, age="_T",
                                          vintages="all"),
                             Selection.of(backward, ref_area=origin, counterpart_area=destination, age="_T",
                                          vintages="all")))
    if not frame.empty:
        frame["series_label"] = series_label(frame)
    return frame


def _both_sides(wh: Warehouse, selections: tuple[Selection, ...]) -> pd.DataFrame:
    """The rows of every selection (scaled to units), one frame; empty when none has any."""
    parts = [p for p in (wh.select(sel, scaled=True) for sel in selections) if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def register_flows(wh: Warehouse, origin: str, destination: str) -> pd.DataFrame:
    """Observed register flows from ``origin`` to ``destination``, every vintage, every sex and age: the
    destination's immigration from the origin (``IMM``, REF_AREA = destination) and the origin's emigration
    to the destination (``EMI``, REF_AREA = origin), with ``reported_by``, ``direction_label`` and
    ``age_label`` for the page. The two directions count the same movement twice, each by its own
    country's rules: they are listed apart, never added up (nor added to an estimate)."""
    frame = _both_sides(wh, (
        Selection.of(MIG_FLOW_REG, ref_area=destination, counterpart_area=origin, topic="IMM", vintages="all"),
        Selection.of(MIG_FLOW_REG, ref_area=origin, counterpart_area=destination, topic="EMI", vintages="all")))
    if frame.empty:
        return frame
    immigration = frame["topic"] == "IMM"
    frame["reported_by"] = frame["ref_area"].map(area_name)
    frame["direction_label"] = ("immigration recorded by " + frame["reported_by"]).where(
        immigration, "emigration recorded by " + frame["reported_by"])
    ages = codes("AGE")
    frame["age_label"] = frame["age"].map(lambda a: "all ages" if a == "_T" else ages.get(a, a))
    frame["series_label"] = frame["direction_label"] + " · " + frame["dataset_id"]
    return frame.sort_values(["topic", "dataset_id", "time_period", "age"]).reset_index(drop=True)
