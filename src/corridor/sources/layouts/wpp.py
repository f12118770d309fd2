"""UN World Population Prospects: population (WPP 2019 text files), births, deaths and net migration
(WPP 2024 R data files), as published by the R packages ``wpp2019`` / ``wpp2024``.

All WPP figures are in thousands (``UNIT_MULT`` 3) and are UN estimates (OBS_STATUS ``E``). Areas are
M49 codes already (``country_code``), checked against the codelist. Population is published by sex and
five-year age group; the totals over age and sex are added as ``method = derived-sum`` rows so that
every consumer uses the same sums.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import area_table
from corridor.reference.codes import wpp_age_code
from corridor.sources.cells import check_header, check_unique, parse_cells, wide_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

#: Heading rows of WPP's group listings: not areas, their "values" are rounding noise. Such rows are
#: refused and counted (``rows_rejected``), never silently dropped.
HEADING_ROWS = {"1802": "World Bank income groups", "1840": "Geographic regions"}


def _drop_headings(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    heading = table["country_code"].astype(str).str.strip().isin(HEADING_ROWS)
    return table.loc[~heading].reset_index(drop=True), int(heading.sum())


def _check_codes(codes: pd.Series, rows: pd.Series, *, file: str, column: str = "country_code") -> pd.Series:
    """M49 codes as strings; an unknown code is an error naming every unknown code."""
    text = codes.astype(str).str.strip()
    known = set(area_table()["m49"].astype(str))
    unknown = sorted(set(text) - known)
    if unknown:
        first = int(rows[text == unknown[0]].iloc[0])
        raise InputError(f"{len(unknown)} code(s) not in the M49 codelist: {', '.join(unknown)}",
                         file=file, row=first, column=column)
    return text


def _population_file(path: Path, sex: str) -> pd.DataFrame:
    name = path.name
    table = read_csv_text(path, sep="\t")
    check_header(list(table.columns[:3]), ["country_code", "name", "age"], file=name, row=1)
    table["_row"] = np.arange(2, len(table) + 2)
    check_unique(table, ["country_code", "age"], file=name)
    years = [c for c in table.columns if c.isdigit()]
    if not years:
        raise InputError("no year columns after country_code, name, age", file=name, row=1)
    labels = table["age"].unique()
    ages_by_label = {}
    for label in labels:
        try:
            ages_by_label[label] = wpp_age_code(label)
        except InputError as exc:
            row = int(table.loc[table["age"] == label, "_row"].iloc[0])
            raise InputError(exc.reason, file=name, row=row, column="age") from None
    ages = table["age"].map(ages_by_label)
    codes = _check_codes(table["country_code"], table["_row"], file=name)
    cells = wide_cells(table, years)  # year after year, as melt would give them
    values, status = parse_cells(cells.raw, file=name, rows=cells.by_row(table["_row"]),
                                 columns=cells.by_column(years), status="E")
    return pd.DataFrame({"ref_area": cells.by_row(codes), "age": cells.by_row(ages),
                         "time_period": cells.by_column(years), "value": values.to_numpy(),
                         "obs_status": status.to_numpy(), "sex": sex})


@layout("wpp2019-population")
def read_population(files: list[Path]) -> Parsed:
    by_name = {p.name: p for p in files}
    if set(by_name) != {"popM.txt", "popF.txt"}:
        raise InputError(f"expected popM.txt and popF.txt, got {', '.join(sorted(by_name))}")
    pub = pd.concat([_population_file(by_name["popM.txt"], "M"), _population_file(by_name["popF.txt"], "F")])
    pub["method"] = "published"
    keys = ["ref_area", "time_period"]
    sums = [
        pub.groupby([*keys, "sex"], as_index=False)["value"].sum(min_count=1).assign(age="_T"),
        pub.groupby([*keys, "age"], as_index=False)["value"].sum(min_count=1).assign(sex="_T"),
        pub.groupby(keys, as_index=False)["value"].sum(min_count=1).assign(sex="_T", age="_T"),
    ]
    derived = pd.concat(sums, ignore_index=True).assign(method="derived-sum")
    derived["obs_status"] = np.where(derived["value"].isna(), "O", "E")
    obs = pd.concat([pub, derived], ignore_index=True).assign(dataflow="POP", unit_mult=3)
    return Parsed(obs, notes="thousands (UNIT_MULT 3); totals over sex/age added as method derived-sum")


@layout("wpp2019-migration")
def read_net_migration_5y(files: list[Path]) -> Parsed:
    path = only_file(files, "wpp2019-migration")
    name = path.name
    table = read_csv_text(path, sep="\t")
    check_header(list(table.columns[:2]), ["country_code", "name"], file=name, row=1)
    table["_row"] = np.arange(2, len(table) + 2)
    table, headings = _drop_headings(table)
    check_unique(table, ["country_code"], file=name)
    periods = [c for c in table.columns if len(c) == 9 and c[4] == "-"]
    codes = _check_codes(table["country_code"], table["_row"], file=name)
    cells = wide_cells(table, periods)  # period after period, as melt would give them
    values, status = parse_cells(cells.raw, file=name, rows=cells.by_row(table["_row"]),
                                 columns=cells.by_column(periods), status="E", allow_negative=True)
    obs = pd.DataFrame({"ref_area": cells.by_row(codes), "time_period": cells.by_column(periods),
                        "value": values.to_numpy(), "obs_status": status.to_numpy(), "dataflow": "NET_MIG",
                        "unit_mult": 3})
    # WPP 2019 includes projections after 2020: those periods are forecasts (OBS_STATUS F).
    future = obs["time_period"].str[:4].astype(int) >= 2020
    obs.loc[future & obs["value"].notna(), "obs_status"] = "F"
    return Parsed(obs, rows_rejected=headings * len(periods),
                  notes="thousands; periods from 2020 on are projections (medium variant, F); "
                        f"{headings} group-heading rows refused ({', '.join(HEADING_ROWS.values())})")


def _read_rda(path: Path, frame: str, columns: list[str]) -> pd.DataFrame:
    import pyreadr

    try:
        data = pyreadr.read_r(str(path))
    except (pyreadr.custom_errors.LibrdataError, pyreadr.custom_errors.PyreadrError, OSError) as exc:
        raise InputError(f"not a readable R data file (truncated or corrupt?): {exc}", file=path.name) from exc
    if frame not in data:
        raise InputError(f"no object {frame!r} in the R data file (found: {', '.join(data)})", file=path.name)
    table = data[frame]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} in {frame}", file=path.name)
    return table.reset_index(drop=True)


def _annual(path: Path, frame: str, measures: dict[str, str], *, allow_negative: bool) -> Parsed:
    table = _read_rda(path, frame, ["country_code", "year", *measures])
    rows = pd.Series(np.arange(1, len(table) + 1))  # R data has no lines: rows are 1-based record numbers
    codes = _check_codes(table["country_code"], rows, file=path.name)
    check_unique(table.assign(_row=rows), ["country_code", "year"], file=path.name)
    frames = []
    for column, dataflow in measures.items():
        values, status = parse_cells(table[column].astype(object), file=path.name, rows=rows,
                                     columns=[column] * len(table), status="E",
                                     allow_negative=allow_negative)
        frames.append(pd.DataFrame({
            "dataflow": dataflow, "ref_area": codes, "time_period": table["year"].astype(int).astype(str),
            "value": values, "obs_status": status, "unit_mult": 3,
        }))
    return Parsed(pd.concat(frames, ignore_index=True), notes="thousands (UNIT_MULT 3), calendar years")


@layout("wpp2024-births-deaths")
def read_births_deaths(files: list[Path]) -> Parsed:
    path = only_file(files, "wpp2024-births-deaths")
    return _annual(path, "misc1dt", {"births": "BIRTHS", "deaths": "DEATHS"}, allow_negative=False)


@layout("wpp2024-net-migration")
def read_net_migration(files: list[Path]) -> Parsed:
    path = only_file(files, "wpp2024-net-migration")
    return _annual(path, "mig1dt", {"mig": "NET_MIG"}, allow_negative=True)
