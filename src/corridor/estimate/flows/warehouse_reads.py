"""Lean reads of the flow inputs from the warehouse: only the rows, columns and years an estimate uses.

:func:`~corridor.estimate.flows.store.read_inputs` used to read the whole ``MIG_STOCK`` dataflow of the
stock series in one selection (392k rows, every sex, every year) and filter it in pandas. The vintage rule
(:mod:`corridor.store.selection`) ranks every observation key in a window over all the rows it is given, so
that one read held about 140 MB in DuckDB and took 1-2 s, the largest part of the 534 MB peak of
``corridor flows estimate --period 2010-2015``. Here each read pushes its filters into the selection, where
they apply *before* the rule -- a filter on a key column (``sex``, ``age``, ``counterpart_area``,
``time_period``) selects whole keys, so the rule picks the same rows from them:

* the stock matrix (place of birth by residence, both sexes) one reference year at a time (about 55k
  rows each), and only the years the asked periods use (the choice the interpolation makes:
  :func:`~corridor.estimate.flows.stocks.years_at`);
* the foreign-born totals by sex (``counterpart_area = _T``, 12k rows) only when flows by sex are asked;
* population by sex only when flows by sex are asked; births and deaths only for the periods' years.

Every read goes through :meth:`corridor.store.warehouse.Warehouse.frame` on one open connection: the
selection's SQL written by the store itself, without loading Ibis (about 26 MB of the command's peak).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from corridor.estimate.flows.stocks import years_at
from corridor.store.selection import Selection

#: The columns a stock-matrix read returns (``unit_mult`` is added and applied by the scaled read).
MATRIX_COLUMNS = ("dataset_id", "ref_area", "counterpart_area", "value")


def stock_matrix(wh, series: str, dataset_ids: Sequence[str] | None, dates: Iterable[int] | None,
                 countries: set[str]) -> pd.DataFrame:
    """Foreign-born stocks ``dataset_id, birthplace, residence, year, value`` (both sexes, all ages; residence
    a country) at the reference years needed for ``dates`` (all years when ``dates`` is None), read one
    year at a time.

    The dates themselves are read first; when each has a matrix, nothing else is needed. Otherwise the
    candidate years are the periods of the series' both-sexes stocks in any vintage (a distinct, without the
    vintage rule); a candidate without a matrix (the 2020 table by sex has totals only) is dropped and the
    choice made again, until every year the dates use has been read
    (:func:`~corridor.estimate.flows.stocks.years_at`, the choice the interpolation makes)."""
    base = {"series": series, "dataset_ids": dataset_ids, "sex": "_T", "age": "_T"}

    def year_rows(year: int) -> pd.DataFrame | None:
        rows = wh.frame(Selection.of("MIG_STOCK", time_period=str(year), **base), scaled=True,
                        columns=MATRIX_COLUMNS)
        rows = rows[(rows.counterpart_area != "_T") & rows.ref_area.isin(countries)]
        return None if rows.empty else pd.DataFrame({
            "dataset_id": rows.dataset_id.to_numpy(), "birthplace": rows.counterpart_area.to_numpy(),
            "residence": rows.ref_area.to_numpy(), "year": year, "value": rows.value.to_numpy(dtype=float)})

    read: dict[int, pd.DataFrame | None] = {} if dates is None else {d: year_rows(d) for d in dates}
    want = [] if dates is None else list(dates)
    if dates is None or any(frame is None for frame in read.values()):
        candidates = {int(y) for y in wh.distinct(Selection.of("MIG_STOCK", vintages="all", **base), "time_period")
                      if str(y).isdigit()}
        while True:
            have = sorted(y for y in candidates if read.get(y, True) is not None)
            want = have if dates is None or not have else sorted({y for d in dates for y in years_at(d, have)[1]})
            todo = [y for y in want if y not in read]
            if not todo:
                break
            read.update((year, year_rows(year)) for year in todo)
    frames = [read[y] for y in want if read[y] is not None]
    if not frames:
        return pd.DataFrame(columns=["dataset_id", "birthplace", "residence", "year", "value"])
    return pd.concat(frames, ignore_index=True)


def vital_years(periods: Sequence[tuple[int, int]] | None) -> dict[str, int]:
    """The ``start_period``/``end_period`` bounds of the births and deaths the periods sum (calendar years
    ``t0 .. t1-1``); no bounds when every period is wanted (``None``)."""
    if not periods:
        return {}
    return {"start_period": min(p[0] for p in periods), "end_period": max(p[1] for p in periods) - 1}
