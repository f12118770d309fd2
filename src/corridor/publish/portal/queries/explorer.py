"""``/explore``: one page of a selection, the selection's size and datasets, the vintages on offer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from corridor.store.selection import KEY_COLUMNS, Selection
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


#: Columns of an explorer row: the observation key, the value and its attributes (its unit: money is
#: shown with its currency), the dataset.
ROW_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "value", "lower", "upper", "interval", "obs_status", "unit_mult",
                                "unit_measure", "dataset_id")


@per_warehouse(maxsize=6)
def selection_rows(wh: Warehouse, sel: Selection) -> pd.DataFrame:
    """Every row of ``sel`` in the selection's order (:meth:`Warehouse.select`), explorer columns only,
    codes held as categoricals (``MIG_STOCK`` whole: 440,000 rows in about 20 MB).

    A cache of the store's result, kept while the warehouse file is unchanged (six selections at most):
    the vintage rule is a window over the whole selection, so a page read with ``LIMIT``/``OFFSET``
    costs as much as the whole selection (about 3 s for ``MIG_STOCK``), every page again; sliced from
    here, a page costs milliseconds after the first.
    """
    frame = wh.select(sel, columns=ROW_COLUMNS)  # only the explorer's columns are read (no provenance)
    return frame.astype({c: "category" for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])})


def observations_page(wh: Warehouse, sel: Selection, *, limit: int = 100,
                      offset: int = 0) -> tuple[pd.DataFrame, int, list[str]]:
    """Rows ``offset`` .. ``offset + limit`` of ``sel`` (the selection's fixed order), the total and the
    ids of every dataset in the selection (not only on this page): :meth:`Warehouse.page`, sliced from
    the cached rows (:func:`selection_rows`)."""
    rows = selection_rows(wh, sel)
    ids = sorted(str(v) for v in rows["dataset_id"].dropna().unique())
    page = rows.iloc[offset:offset + limit]
    page = page.astype({c: object for c in page.columns if isinstance(page[c].dtype, pd.CategoricalDtype)})
    return page.reset_index(drop=True), len(rows), ids


@per_warehouse()
def flow_datasets(wh: Warehouse, flow: str) -> list[dict[str, Any]]:
    """Public datasets holding observations of ``flow`` (the vintages a reader may choose), by id."""
    ids = wh.distinct(Selection.of(flow, vintages="all"), "dataset_id")
    return sorted(datasets(wh, ids), key=lambda d: d["dataset_id"])
