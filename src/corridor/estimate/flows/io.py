"""Tidy CSV inputs and outputs for flow estimation, with validation.

Inputs (UTF-8 CSV with a header):

* stocks: ``origin,destination,stock`` (origin = place of birth, destination = place of residence;
  origin = destination rows are the native-born); optional ``status`` (SDMX OBS_STATUS of the cell)
  and ``source`` (census/register/survey/estimate) columns, kept with the tables;
* births: ``area,births``; deaths: ``area,deaths``;
* prior (optional): ``origin,destination,weight``.

Areas may be any labels (M49 codes, ISO alpha-3, regions, sub-national areas) as long as every file
uses the same set. A pair missing from a stock file is a zero stock; a native-born row missing for an
area, a value that is blank or not a number, a negative stock, a duplicated pair or an area present in
one file and missing from another is an :class:`~corridor.errors.InputError` naming the file, row and
column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.tables import StockTables

STATUS_CODES = {"A", "E", "I", "F", "P", "U"}


def _read(path: str | Path, required: list[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as CSV: {exc}", file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
                         f" (found {', '.join(frame.columns)})", file=str(path))
    for c in frame.columns:
        frame[c] = frame[c].str.strip()
    if frame.empty:
        raise InputError("no data rows", file=str(path))
    return frame


def _labels(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    blank = frame.index[frame[column] == ""]
    if len(blank):
        raise InputError("missing area label", file=str(path), row=int(blank[0]) + 2, column=column)


def _numbers(frame: pd.DataFrame, column: str, path: str | Path, *, what: str) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        shown = raw.iloc[i]
        missing = shown in ("", "..", "-", "NA", "NaN", "nan")
        reason = "missing value" if missing else f"not a number: {shown!r}"
        raise InputError(f"{reason} ({what} must be a number; missing is not zero)", file=str(path),
                         row=i + 2, column=column)
    neg = values < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise InputError(f"negative {what}: {raw.iloc[i]}", file=str(path), row=i + 2, column=column)
    return values.to_numpy(dtype=float)


def read_stocks(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Read and validate one stock table; returns the tidy frame (with float ``stock``) and the path."""
    frame = _read(path, ["origin", "destination", "stock"])
    for c in ("origin", "destination"):
        _labels(frame, c, path)
    frame["stock"] = _numbers(frame, "stock", path, what="stock")
    dup = frame.duplicated(["origin", "destination"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"pair origin={frame.origin.iloc[i]!r}, destination={frame.destination.iloc[i]!r} "
                         "appears twice", file=str(path), row=i + 2)
    if "status" in frame.columns:
        frame.loc[frame["status"] == "", "status"] = "A"
        bad = ~frame["status"].isin(STATUS_CODES)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"unknown OBS_STATUS {frame.status.iloc[i]!r} (use one of "
                             f"{', '.join(sorted(STATUS_CODES))}; missing stocks cannot be used)",
                             file=str(path), row=i + 2, column="status")
    return frame, str(path)


def read_area_values(path: str | Path, column: str) -> pd.DataFrame:
    """Read ``area,<column>`` (births or deaths)."""
    frame = _read(path, ["area", column])
    _labels(frame, "area", path)
    frame[column] = _numbers(frame, column, path, what=column)
    dup = frame.duplicated("area")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"area {frame.area.iloc[i]!r} appears twice", file=str(path), row=i + 2,
                         column="area")
    return frame


def _check_same_areas(areas: list[str], found: set[str], path: str, column: str) -> None:
    ref = set(areas)
    extra = sorted(found - ref)
    missing = sorted(ref - found)
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"area(s) missing from this file: {', '.join(missing[:10])}"
                         + (" ..." if len(missing) > 10 else ""))
        if extra:
            parts.append(f"area(s) not in the other files: {', '.join(extra[:10])}"
                         + (" ..." if len(extra) > 10 else ""))
        raise InputError("the files do not use the same areas: " + "; ".join(parts), file=path, column=column)


def _matrix(frame: pd.DataFrame, index: dict[str, int], column: str, fill: object) -> np.ndarray:
    n = len(index)
    out = np.full((n, n), fill, dtype=float if column == "stock" else object)
    rows, cols = frame.origin.map(index).to_numpy(), frame.destination.map(index).to_numpy()
    out[rows, cols] = frame[column].to_numpy()
    return out


def read_tables(stocks_start: str | Path, stocks_end: str | Path, births: str | Path,
                deaths: str | Path) -> StockTables:
    """Read the four tidy CSV files into :class:`StockTables`, checking that they describe the same areas.

    The area order is that of the start stock file (first appearance of a label as origin or
    destination)."""
    s0, p0 = read_stocks(stocks_start)
    s1, p1 = read_stocks(stocks_end)
    areas = list(dict.fromkeys(list(s0.origin) + list(s0.destination)))
    _check_same_areas(areas, set(s1.origin) | set(s1.destination), p1, "origin/destination")
    for frame, path in ((s0, p0), (s1, p1)):
        have = set(frame.origin[frame.origin == frame.destination])
        lacking = [a for a in areas if a not in have]
        if lacking:
            raise InputError(f"no native-born row (origin = destination) for "
                             f"area(s) {', '.join(lacking[:10])}"
                             " -- the stock table must give the native-born population of every area",
                             file=path, column="origin")
    b = read_area_values(births, "births")
    _check_same_areas(areas, set(b.area), str(births), "area")
    d = read_area_values(deaths, "deaths")
    _check_same_areas(areas, set(d.area), str(deaths), "area")
    index = {a: i for i, a in enumerate(areas)}
    bv = np.zeros(len(areas))
    bv[b.area.map(index).to_numpy()] = b.births.to_numpy()
    dv = np.zeros(len(areas))
    dv[d.area.map(index).to_numpy()] = d.deaths.to_numpy()
    st0 = _matrix(s0, index, "status", "A") if "status" in s0.columns else None
    st1 = _matrix(s1, index, "status", "A") if "status" in s1.columns else None
    so0 = _matrix(s0, index, "source", None) if "source" in s0.columns else None
    so1 = _matrix(s1, index, "source", None) if "source" in s1.columns else None
    inputs = [f"file:{Path(p).name}" for p in (stocks_start, stocks_end, births, deaths)]
    return StockTables(areas, _matrix(s0, index, "stock", 0.0), _matrix(s1, index, "stock", 0.0), bv, dv,
                       st0, st1, so0, so1, inputs)


def read_prior(path: str | Path, areas: list[str]) -> np.ndarray:
    """Read a prior ``origin,destination,weight`` into an origin x destination matrix (missing pairs: 0)."""
    frame = _read(path, ["origin", "destination", "weight"])
    for c in ("origin", "destination"):
        _labels(frame, c, path)
    frame["weight"] = _numbers(frame, "weight", path, what="weight")
    unknown = sorted((set(frame.origin) | set(frame.destination)) - set(areas))
    if unknown:
        raise InputError(f"area(s) not in the stock tables: {', '.join(unknown[:10])}", file=str(path))
    index = {a: i for i, a in enumerate(areas)}
    out = np.zeros((len(areas), len(areas)))
    out[frame.origin.map(index).to_numpy(), frame.destination.map(index).to_numpy()] = frame.weight.to_numpy()
    return out
