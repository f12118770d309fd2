"""``/corridor/{origin}/{destination}``: everything the warehouse holds for one pair."""

from __future__ import annotations

import pandas as pd

from corridor.reference.dataflows import dataflow
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from .catalogue import every_dataflow, series_label
from .indicators import SECTION_DATAFLOWS

#: Recruitment costs (SDG 10.7.1) have their own section on the corridor page (pages/recruitment.py).
SDG_10_7_1 = "SDG_10_7_1"


def corridor_observations(wh: Warehouse, origin: str, destination: str) -> pd.DataFrame:
    """Everything the warehouse holds for migrants from ``origin`` in ``destination``: every dataflow,
    every vintage, totals over age. Dataflows are read with REF_AREA = destination and COUNTERPART_AREA
    = origin, except those whose registered view is ``reverse`` (money sent home: REF_AREA = origin)."""
    # shown by their own sections: the development section and the SDG 10.7.1 section
    flows = [f for f in every_dataflow() if f not in (*SECTION_DATAFLOWS, SDG_10_7_1)]
    forward = [f for f in flows if not dataflow(f).view.reverse]
    backward = [f for f in flows if dataflow(f).view.reverse]
    parts = [wh.select(Selection.of(forward, ref_area=destination, counterpart_area=origin, age="_T",
                                    vintages="all"), scaled=True),
             wh.select(Selection.of(backward, ref_area=origin, counterpart_area=destination, age="_T",
                                    vintages="all"), scaled=True)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    frame["series_label"] = series_label(frame)
    return frame
