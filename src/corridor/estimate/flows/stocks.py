"""Stock preparation: birthplace x residence tables at two reference dates, from published releases.

Inputs (tidy frames, whatever their origin -- the warehouse or the mirror files):

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

from dataclasses import dataclass, field
from pathlib import Path

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


def value_at(series: dict[int, np.ndarray], date: float) -> tuple[np.ndarray, str]:
    """A table (any shape) at ``date`` from tables at observed years: observed, interpolated or
    extrapolated (see module docstring)."""
    years = sorted(series)
    if not years:
        raise InputError(f"no observations to bring to {date}")
    if date in series:
        return series[int(date)], "observed"
    before = [y for y in years if y < date]
    after = [y for y in years if y > date]
    if before and after:
        y0, y1 = before[-1], after[0]
        w = (date - y0) / (y1 - y0)
        return (1 - w) * series[y0] + w * series[y1], "interpolated"
    if len(years) == 1:
        return series[years[0]], "extrapolated"
    y0, y1 = (years[-2], years[-1]) if before else (years[0], years[1])
    a, b = series[y0], series[y1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where((a > 0) & (b > 0), np.log(b / a) / (y1 - y0), 0.0)
    anchor, span = (b, date - y1) if before else (a, date - y0)
    factor = np.clip(np.exp(rate * span), *EXTRAPOLATION_BOUNDS)
    return anchor * factor, "extrapolated"


def build_tables(stocks: pd.DataFrame, population: pd.DataFrame, births: pd.DataFrame,
                 deaths: pd.DataFrame, period: tuple[int, int], *, areas: list[str] | None = None,
                 inputs: list[str] | None = None, stock_status: str = "A",
                 source_type: str = "estimate") -> PreparedStocks:
    """Birthplace x residence tables at ``period[0]`` and ``period[1]`` (see module docstring).

    ``stocks`` has columns ``birthplace, residence, year, value`` (value NaN = missing);
    ``population``, ``births``, ``deaths`` have ``area, year, value`` (persons, not thousands)."""
    t0, t1 = period
    if t1 <= t0:
        raise InputError(f"period {t0}-{t1} ends before it starts")
    if areas is None:
        common = (set(stocks.residence) & set(population.area) & set(births.area) & set(deaths.area))
        areas = sorted(common, key=lambda a: (len(a), a))
    index = {a: i for i, a in enumerate(areas)}
    n = len(areas)
    notes: list[str] = []
    fb_by_year: dict[int, np.ndarray] = {}
    missing_by_year: dict[int, np.ndarray] = {}
    all_fb_by_year: dict[int, np.ndarray] = {}
    for year, grp in stocks.groupby("year"):
        year = int(year)
        in_res = grp[grp.residence.isin(index)]
        inside = in_res[in_res.birthplace.isin(index) & (in_res.birthplace != in_res.residence)]
        table = np.zeros((n, n))
        miss = np.zeros((n, n), dtype=bool)
        b = inside.birthplace.map(index).to_numpy()
        r = inside.residence.map(index).to_numpy()
        vals = inside.value.to_numpy(dtype=float)
        table[b, r] = np.nan_to_num(vals, nan=0.0)
        miss[b, r] = np.isnan(vals)
        fb_by_year[year] = table
        missing_by_year[year] = miss
        tot = np.zeros(n)
        foreign = in_res[in_res.birthplace != in_res.residence]
        np.add.at(tot, foreign.residence.map(index).to_numpy(),
                  np.nan_to_num(foreign.value.to_numpy(dtype=float)))
        all_fb_by_year[year] = tot
    pop_by_year: dict[int, np.ndarray] = {}
    for year, grp in population[population.area.isin(index)].groupby("year"):
        vec = np.full(n, np.nan)
        vec[grp.area.map(index).to_numpy()] = grp.value.to_numpy(dtype=float)
        pop_by_year[int(year)] = vec
    how: dict[int, str] = {}
    tables = []
    statuses = []
    for date in (t0, t1):
        fb, how_fb = value_at(fb_by_year, date)
        all_fb, _ = value_at(all_fb_by_year, date)
        pop, how_pop = value_at(pop_by_year, date)
        if np.isnan(pop).any():
            lacking = [areas[i] for i in np.flatnonzero(np.isnan(pop))]
            raise InputError(f"no population for {', '.join(lacking[:10])} at {date}")
        how[date] = how_fb if how_fb != "observed" else how_pop
        table = fb.copy()
        np.fill_diagonal(table, pop - all_fb)
        status = np.full((n, n), stock_status if how_fb == "observed" else "E", dtype=object)
        miss = missing_by_year.get(date)
        if miss is not None:
            status[miss] = "M"
        np.fill_diagonal(status, "E")  # native-born are derived: population minus foreign-born
        tables.append(table)
        statuses.append(status)
        if how[date] == "extrapolated":
            notes.append(f"stocks at {date} extrapolated from the last observed dates (status E)")
        elif how[date] == "interpolated":
            notes.append(f"stocks at {date} interpolated between observed dates (status E)")
    years = list(range(t0, t1))

    def period_sum(frame: pd.DataFrame, what: str) -> np.ndarray:
        sub = frame[frame.area.isin(index) & frame.year.isin(years)]
        counts = sub.groupby("area").year.nunique()
        short = [a for a in areas if counts.get(a, 0) != len(years)]
        if short:
            raise InputError(f"{what} missing for some of the years {t0}-{t1 - 1} in "
                             f"{', '.join(short[:10])}")
        out = np.zeros(n)
        np.add.at(out, sub.area.map(index).to_numpy(), sub.value.to_numpy(dtype=float))
        return out

    source = np.full((n, n), source_type, dtype=object)
    st = StockTables(list(areas), tables[0], tables[1], period_sum(births, "births"),
                     period_sum(deaths, "deaths"), statuses[0], statuses[1], source, source.copy(),
                     list(inputs or []))
    return PreparedStocks(st, period, how, notes)


# --- the real case read straight from the mirror files (no warehouse needed) -------------------------

IMS_2019_OD = "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
WPP2019_POP = ("wpp2019/popM.txt", "wpp2019/popF.txt")
WPP2024_MISC = "wpp2024/misc1dt.rda"


def _resolve_ims(names: list[str]) -> dict[str, str]:
    from corridor.reference.areas import resolve_names

    return resolve_names(names, source="undesa_ims_2019")


def mirror_frames(mirror: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """IMS 2019 OD stocks, WPP 2019 population (persons) and WPP 2024 births/deaths from the mirror."""
    import pyreadr

    from corridor.reference.areas import area_table

    od = pd.read_csv(mirror / IMS_2019_OD, na_values=["..", "-"], keep_default_na=False)
    origins = list(od.columns[2:])
    codes = _resolve_ims(origins + list(od.Dest.unique()))
    kind = area_table().kind.to_dict()
    od = od[od.Dest.map(lambda d: kind.get(codes[d]) == "country")]
    long = od.melt(id_vars=["Year", "Dest"], var_name="origin", value_name="value")
    stocks = pd.DataFrame({
        "birthplace": long.origin.map(codes).to_numpy(),
        "residence": long.Dest.map(codes).to_numpy(),
        "year": long.Year.astype(int).to_numpy(),
        "value": pd.to_numeric(long.value, errors="coerce").to_numpy(),
    })
    pops = []
    for name in WPP2019_POP:
        frame = pd.read_csv(mirror / name, sep="\t")
        pops.append(frame.drop(columns=["name", "age"]).groupby("country_code").sum())
    pop = (pops[0] + pops[1]).stack().reset_index()
    pop.columns = ["area", "year", "value"]
    population = pd.DataFrame({"area": pop.area.astype(int).astype(str), "year": pop.year.astype(int),
                               "value": pop.value.astype(float) * 1000})  # WPP: thousands
    misc = pyreadr.read_r(str(mirror / WPP2024_MISC))["misc1dt"]
    base = pd.DataFrame({"area": misc.country_code.astype(int).astype(str), "year": misc.year.astype(int)})
    births = base.assign(value=misc.births.astype(float).to_numpy() * 1000)
    deaths = base.assign(value=misc.deaths.astype(float).to_numpy() * 1000)
    return stocks, population, births, deaths


def tables_from_mirror(mirror: Path, period: tuple[int, int] = (2010, 2015),
                       frames: tuple[pd.DataFrame, ...] | None = None) -> PreparedStocks:
    """The real case of the issue: IMS 2019 stocks, WPP 2019 population, WPP 2024 births/deaths, for
    the areas present in all three (199 for 2010-2015)."""
    stocks, population, births, deaths = frames if frames is not None else mirror_frames(mirror)
    inputs = ["undesa-ims-2019-od", "wpp2019-population", "wpp2024-misc1dt"]
    return build_tables(stocks, population, births, deaths, period, inputs=inputs)
