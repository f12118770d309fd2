"""``rollUp=true`` on a data query: an office's own areas summed into the area the key asks for, marked.

``GET /data/MIG_STOCK/826.372?rollUp=true`` answers UN DESA's and the World Bank's rows for the United
Kingdom as published and, beside them, the rows of user datasets whose areas lie in the United Kingdom
(Scotland's census zones, registered with ``corridor register``) summed into it. The sum, its status and
its mark -- ``computed roll-up of user areas <list> into 826``, the parts missing, the registered areas
not covered -- are made by the store (:func:`corridor.store.rollup.roll_up`); this module only widens the
key to the user areas inside each area asked for and keeps the answer to the areas asked for.

An area dimension of the key with one code rolls into that code (Scotland's zones into Scotland when the
key asks for ``U_S92000003``); an open position or several codes roll each user area into its M49 area.
The mark is a column of its own (``rollup``), so roll-ups are answered in ``csv`` and ``json`` only:
SDMX-ML, SDMX-CSV and JSON-stat carry the registered attributes and would drop it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from corridor.publish.api.errors import ApiError
from corridor.publish.api.keys import DataQuery
from corridor.store.rollup import roll_up, user_descendants

#: Formats whose rows carry the ``rollup`` column.
ROLLUP_FORMATS = ("csv", "json")
AREA_COLUMNS = ("ref_area", "counterpart_area")


def parse_roll_up(text: str | None, writer_id: str) -> bool:
    """``rollUp``: ``true`` or ``false`` (default); 400 for anything else or for a format without the mark."""
    value = (text or "").strip().lower()
    if value not in ("", "false", "true"):
        raise ApiError(400, f"rollUp={text!r} must be true or false")
    if value == "true" and writer_id not in ROLLUP_FORMATS:
        raise ApiError(400, f"rollUp=true is answered in {' or '.join(ROLLUP_FORMATS)} (format=csv), which carry "
                            f"the roll-up mark; {writer_id} has no column for it")
    return value == "true"


def _area_columns(query: DataQuery) -> list[str]:
    """The warehouse columns of the area dimensions of the query's dataflow (the keys of its selection)."""
    return [d.column for d in query.flow.dimensions if d.column in AREA_COLUMNS]


def widened(query: DataQuery) -> DataQuery:
    """The query with every area code of its key joined by the user areas that lie in it."""
    selection = dict(query.selection)
    for column in _area_columns(query):
        codes = selection.get(column)
        if codes:
            selection[column] = list(dict.fromkeys([c for code in codes for c in (code, *user_descendants(code))]))
    return replace(query, selection=selection)


def rolled(frame: pd.DataFrame, query: DataQuery) -> pd.DataFrame:
    """The selected rows with user areas rolled up (:func:`corridor.store.rollup.roll_up`), kept to the
    areas the (unwidened) key asks for."""
    for column in _area_columns(query):
        codes = query.selection.get(column)
        frame = roll_up(frame, column, codes[0] if codes and len(codes) == 1 else None)
        if codes:
            frame = frame[frame[column].isin(codes)]
    return frame.reset_index(drop=True)
