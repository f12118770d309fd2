"""Stock preparation: birthplace x residence tables at two reference dates, from published releases.

Inputs (tidy frames; :func:`corridor.estimate.flows.store.read_inputs` reads them from the warehouse, the
only way published numbers reach an estimate):

* foreign-born stocks ``birthplace, residence, year, value`` (UN DESA International Migrant Stock,
  mid-year; a missing cell, ``..``, is a zero stock with status ``M`` kept for the uncertainty);
* population ``area, year, value`` (WPP; total population of the area of residence);
* births and deaths ``area, year, value`` (WPP, annual, calendar year).

Steps, each documented because each changes numbers:

1. **Common reference dates.** A stock (or population) at a date between two observed dates is
   interpolated linearly, as UN DESA interpolates between census rounds; beyond the last observed date
   it is extrapolated with the exponential growth rate of the last interval (UN DESA's practice for
   projecting stocks forward), capped at a growth factor of 2 and floored at 0.5. Interpolated and
   extrapolated cells get status ``E``; the prepared tables record which dates were extrapolated.
2. **Native-born** on the diagonal = population minus all foreign-born of the area (including those
   born in areas outside the system). A negative result is left to the estimation, which sets it to
   zero and warns (:func:`~corridor.estimate.flows.demographic_accounting.prepare`).
3. **Births and deaths** for a period ``t0-t1`` are the sums of the annual figures for the calendar
   years ``t0 .. t1-1`` (mid-year to mid-year periods approximated by calendar years).
4. **Areas** are those present in all sources (countries only; region aggregates are left out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.tables import StockTables

#: growth-factor bounds for extrapolated stocks
EXTRAPOLATION_BOUNDS = (0.5, 2.0)


@dataclass
class PreparedStocks:
    """Stock tables ready for estimation, with how each date was obtained."""

    tables: StockTables
    period: tuple[int, int]
    how: dict[int, str] = field(default_factory=dict)  # date -> "observed" / "interpolated" / "extrapolated"
    notes: list[str] = field(default_factory=list)


def years_at(date: float, years: Iterable[int]) -> tuple[str, tuple[int, ...]]:
    """How a table at ``date`` is obtained from tables at the observed ``years``, and from which: the date
    itself (``observed``), the nearest years before and after (``interpolated``), else the last (or first)
    two, or the only one (``extrapolated``); see the module docstring. The warehouse reads only these
    years (:func:`corridor.estimate.flows.warehouse_reads.stock_matrix`)."""
    years = sorted(years)
    if not years:
        raise InputError(f"no observations to bring to {date}")
    if date in years:
        return "observed", (int(date),)
    before = [y for y in years if y < date]
    after = [y for y in years if y > date]
    if before and after:
        return "interpolated", (before[-1], after[0])
    if len(years) == 1:
        return "extrapolated", (years[0],)
    return "extrapolated", (years[-2], years[-1]) if before else (years[0], years[1])


def value_at(series: dict[int, np.ndarray], date: float) -> tuple[np.ndarray, str]:
    """A table (any shape) at ``date`` from tables at observed years: observed, interpolated or
    extrapolated (see module docstring and :func:`years_at`)."""
    how, used = years_at(date, series)
    if len(used) == 1:
        return series[used[0]], how
    y0, y1 = used
    if how == "interpolated":
        w = (date - y0) / (y1 - y0)
        return (1 - w) * series[y0] + w * series[y1], how
    a, b = series[y0], series[y1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where((a > 0) & (b > 0), np.log(b / a) / (y1 - y0), 0.0)
    anchor, span = (b, date - y1) if date > y1 else (a, date - y0)
    factor = np.clip(np.exp(rate * span), *EXTRAPOLATION_BOUNDS)
    return anchor * factor, how


class StockSource:
    """Stocks, population, births and deaths indexed once on a fixed set of areas, ready to give the
    tables of any period (see module docstring)."""

    def __init__(self, stocks: pd.DataFrame, population: pd.DataFrame, births: pd.DataFrame,
                 deaths: pd.DataFrame, *, areas: list[str] | None = None, inputs: list[str] | None = None,
                 stock_status: str = "A", source_type: str = "estimate") -> None:
        if areas is None:
            common = (set(stocks.residence.unique()) & set(population.area.unique())
                      & set(births.area.unique()) & set(deaths.area.unique()))
            areas = sorted(common, key=lambda a: (len(a), a))
        self.areas = list(areas)
        self.inputs = list(inputs or [])
        self.stock_status, self.source_type = stock_status, source_type
        n = len(self.areas)
        idx = pd.Index(self.areas)
        bi = idx.get_indexer(stocks.birthplace)
        ri = idx.get_indexer(stocks.residence)
        years = stocks.year.to_numpy(dtype=int)
        vals = stocks.value.to_numpy(dtype=float)
        self.fb: dict[int, np.ndarray] = {}
        self.missing: dict[int, np.ndarray] = {}
        self.all_fb: dict[int, np.ndarray] = {}
        foreign = (bi != ri) | (bi < 0)
        for year in np.unique(years):
            sel = (years == year) & (ri >= 0)
            inside = sel & (bi >= 0) & (bi != ri)
            table = np.zeros((n, n))
            miss = np.zeros((n, n), dtype=bool)
            table[bi[inside], ri[inside]] = np.nan_to_num(vals[inside], nan=0.0)
            miss[bi[inside], ri[inside]] = np.isnan(vals[inside])
            self.fb[int(year)] = table
            self.missing[int(year)] = miss
            fsel = sel & foreign
            self.all_fb[int(year)] = np.bincount(ri[fsel], weights=np.nan_to_num(vals[fsel]), minlength=n)
        self.pop: dict[int, np.ndarray] = {}
        pa = idx.get_indexer(population.area)
        py = population.year.to_numpy(dtype=int)
        pv = population.value.to_numpy(dtype=float)
        for year in np.unique(py):
            sel = (py == year) & (pa >= 0)
            vec = np.full(n, np.nan)
            vec[pa[sel]] = pv[sel]
            self.pop[int(year)] = vec
        self.vital = {}
        for what, frame in (("births", births), ("deaths", deaths)):
            ai = idx.get_indexer(frame.area)
            keep = ai >= 0
            self.vital[what] = (ai[keep], frame.year.to_numpy(dtype=int)[keep],
                                frame.value.to_numpy(dtype=float)[keep])

    def _period_sum(self, what: str, t0: int, t1: int) -> np.ndarray:
        ai, yi, vi = self.vital[what]
        sel = (yi >= t0) & (yi < t1)
        n = len(self.areas)
        counts = np.bincount(ai[sel], minlength=n)
        short = [self.areas[i] for i in np.flatnonzero(counts != t1 - t0)]
        if short:
            raise InputError(f"{what} missing for some of the years {t0}-{t1 - 1} in {', '.join(short[:10])}")
        return np.bincount(ai[sel], weights=vi[sel], minlength=n)

    def tables(self, period: tuple[int, int]) -> PreparedStocks:
        """Birthplace x residence tables at ``period[0]`` and ``period[1]``."""
        t0, t1 = period
        if t1 <= t0:
            raise InputError(f"period {t0}-{t1} ends before it starts")
        n = len(self.areas)
        notes: list[str] = []
        how: dict[int, str] = {}
        tables, statuses = [], []
        for date in (t0, t1):
            fb, how_fb = value_at(self.fb, date)
            all_fb, _ = value_at(self.all_fb, date)
            pop, how_pop = value_at(self.pop, date)
            if np.isnan(pop).any():
                lacking = [self.areas[i] for i in np.flatnonzero(np.isnan(pop))]
                raise InputError(f"no population for {', '.join(lacking[:10])} at {date}")
            how[date] = how_fb if how_fb != "observed" else how_pop
            table = fb.copy()
            np.fill_diagonal(table, pop - all_fb)
            status = np.full((n, n), self.stock_status if how_fb == "observed" else "E", dtype=object)
            miss = self.missing.get(date)
            if miss is not None:
                status[miss] = "M"
            np.fill_diagonal(status, "E")  # native-born are derived: population minus foreign-born
            tables.append(table)
            statuses.append(status)
            if how[date] != "observed":
                notes.append(f"stocks at {date} {how[date]} from the observed dates (status E)")
        source = np.full((n, n), self.source_type, dtype=object)
        st = StockTables(list(self.areas), tables[0], tables[1], self._period_sum("births", t0, t1),
                         self._period_sum("deaths", t0, t1), statuses[0], statuses[1], source,
                         source.copy(), list(self.inputs))
        return PreparedStocks(st, period, how, notes)


# --- by sex ------------------------------------------------------------------------------------------

#: share of boys among births when no births by sex are available (sex ratio at birth 105)
MALE_BIRTH_SHARE = 105 / 205


def split_by_sex(frames: tuple[pd.DataFrame, ...], male_share: pd.DataFrame,
                 population_by_sex: dict[str, pd.DataFrame], sex: str) -> tuple[pd.DataFrame, ...]:
    """Stocks, population, births and deaths for one sex (``M`` or ``F``) from both-sexes frames.

    The UN DESA origin-destination table has no sex; corridor splits each destination's foreign-born
    by the share of men among its foreign-born (``male_share``: ``area, year, share``, from UN DESA's
    totals by sex and destination; interpolated to the stock's year), which assumes that share is the
    same for every birthplace. Population by sex is WPP (``population_by_sex['M'/'F']``). WPP 2024 has
    births and deaths for both sexes only: births are split with a sex ratio at birth of 105, deaths in
    proportion to the population by sex. Every figure made this way is an estimate (status ``E``)."""
    if sex not in ("M", "F"):
        raise InputError(f"sex must be M or F, not {sex!r}")
    stocks, _population, births, deaths = frames
    table = male_share.pivot(index="area", columns="year", values="share")
    cols = {}
    for y in sorted(stocks.year.unique()):
        if y in table.columns:
            cols[y] = table[y]
        else:
            lower = [c for c in table.columns if c < y]
            upper = [c for c in table.columns if c > y]
            if not lower or not upper:
                cols[y] = table[lower[-1] if lower else upper[0]]
                continue
            lo, hi = max(lower), min(upper)
            w = (y - lo) / (hi - lo)
            cols[y] = (1 - w) * table[lo] + w * table[hi]
    share_y = pd.DataFrame(cols).stack().rename("share").reset_index()
    share_y.columns = ["residence", "year", "share"]
    merged = stocks.merge(share_y, on=["residence", "year"], how="left")
    factor = merged.share.fillna(0.5).to_numpy()
    if sex == "F":
        factor = 1 - factor
    out_stocks = stocks.assign(value=stocks.value.to_numpy() * factor)
    out_pop = population_by_sex[sex]
    b_share = MALE_BIRTH_SHARE if sex == "M" else 1 - MALE_BIRTH_SHARE
    out_births = births.assign(value=births.value * b_share)
    both = population_by_sex["M"].merge(population_by_sex["F"], on=["area", "year"], suffixes=("_m", "_f"))
    mine = both["value_m"] if sex == "M" else both["value_f"]
    ratio = pd.DataFrame({"area": both.area, "y5": both.year, "ratio": mine / (both.value_m + both.value_f)})
    d = deaths.assign(y5=(deaths.year // 5) * 5).merge(ratio, on=["area", "y5"], how="left")
    out_deaths = pd.DataFrame({"area": d.area.to_numpy(), "year": d.year.to_numpy(),
                               "value": d.value.to_numpy() * d.ratio.fillna(0.5).to_numpy()})
    return out_stocks, out_pop, out_births, out_deaths
