"""``/explore``: one page of a selection, the selection's size and datasets, the vintages on offer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..cache import per_warehouse
from .catalogue import datasets


def explorer_selection(wh: Warehouse, flow: str, filters: Mapping[str, str], *, start: str | None = None,
                       end: str | None = None, as_of: str | None = None) -> Selection:
    """The explorer's selection: public observations of ``flow`` with ``column=code`` filters, years
    ``start``..``end``; the latest vintage of each series, or, with ``as_of`` (a dataset id, release id or
    ``series:vintage``, resolved by the warehouse), the datasets it names (the rule applies among them).

    An unknown ``as_of`` raises :class:`~corridor.errors.InputError` (the page answers 400 with it).
    """
    ids = wh.resolve_as_of(as_of) if as_of else None
    return Selection.of(flow, dataset_ids=ids, start_year=start, end_year=end, **dict(filters))


@per_warehouse(maxsize=256)
def selection_size(wh: Warehouse, sel: Selection) -> tuple[int, list[str]]:
    """How many observations ``sel`` selects and the ids of their datasets (kept while the file is unchanged,
    so that paging through a dataflow pays for the count once)."""
    return wh.count(sel), wh.distinct(sel, "dataset_id")


def observations_page(wh: Warehouse, sel: Selection, *, limit: int = 100,
                      offset: int = 0) -> tuple[pd.DataFrame, int, list[str]]:
    """Rows ``offset`` .. ``offset + limit`` of ``sel`` (the selection's fixed order), the total and the
    ids of every dataset in the selection (not only on this page).

    Like :meth:`Warehouse.page`, with the total and dataset ids memoised per selection
    (:func:`selection_size`): the explorer pages through whole dataflows (440,000 rows for ``MIG_STOCK``).
    """
    total, ids = selection_size(wh, sel)
    return wh.select(sel, limit=limit, offset=offset), total, ids


@per_warehouse()
def flow_datasets(wh: Warehouse, flow: str) -> list[dict[str, Any]]:
    """Public datasets holding observations of ``flow`` (the vintages a reader may choose), by id."""
    ids = wh.distinct(Selection.of(flow, vintages="all"), "dataset_id")
    return sorted(datasets(wh, ids), key=lambda d: d["dataset_id"])
