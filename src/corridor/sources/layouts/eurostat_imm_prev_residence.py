"""Eurostat immigration by previous country of residence (``migr_imm5prv``), tidied bilateral totals.

Layout ``eurostat-imm-prev-residence``: the release ``eurostat-immigration-prev-residence`` holds two
CSV files tidied by a third party (LuminescentBulb/intra-eu-migration, see ``../data/MANIFEST.md``):

* ``..._intra_eu.csv``: ``partner,geo,year,value`` -- immigrations into ``geo`` (the reporting
  country) of persons whose previous usual residence was ``partner``, during calendar ``year``
  (12-month usual-residence criterion, EU Regulation 862/2007), all ages, both sexes; ISO 3166
  alpha-2 codes in Eurostat's spelling (``UK`` for the United Kingdom, ``EL`` or ``GR`` for Greece);
* ``..._by_age.csv``: the same by age, with overlapping aggregates; not read here (the totals file
  carries the totals; the age groups are not those of the AGE codelist).

Mapping: ``dataflow = MIG_FLOW_REG``, ``ref_area`` = ``geo``, ``counterpart_area`` = ``partner``,
``topic = IMM`` (DIRECTION), ``time_period`` = the year, ``OBS_STATUS = A`` (the tidied copy carries no
flags: the author's script stripped them). A blank or ``:`` cell stays missing (never zero); zeros are
kept as published zeros. ``OTHER`` (the author's sum over all other countries, or the non-EU reporters
lumped together) is not an area: its rows are refused and counted in the notes. The years 2010-2014
are absent from the mirror on purpose (held back for out-of-sample checks) and are not reconstructed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import resolve_iso3
from corridor.sources.cells import check_header, check_unique, parse_cells
from corridor.sources.layouts import Parsed, layout
from corridor.sources.readers import read_csv_text

COLUMNS = ["partner", "geo", "year", "value"]
#: Eurostat's alpha-2 codes of the countries in the file -> ISO 3166 alpha-3 (Eurostat writes UK and EL
#: where ISO has GB and GR; the tidied copy uses GR)
EUROSTAT_ALPHA2 = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CH": "CHE", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
    "EE": "EST", "EL": "GRC", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GR": "GRC", "HR": "HRV", "HU": "HUN",
    "IE": "IRL", "IS": "ISL", "IT": "ITA", "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MT": "MLT",
    "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK",
    "UK": "GBR", "GB": "GBR",
}
#: a lumped residual, not an area
NOT_AN_AREA = "OTHER"


def _areas(codes: pd.Series, *, file: str, column: str, rows: pd.Series) -> pd.Series:
    unknown = ~codes.isin(list(EUROSTAT_ALPHA2))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(f"unknown country code {codes.iloc[i]!r} (expected Eurostat alpha-2 such as "
                         "DE, UK, EL, or OTHER)", file=file, row=int(rows.iloc[i]), column=column)
    m49 = resolve_iso3(sorted(set(EUROSTAT_ALPHA2[c] for c in codes.unique())), file=file, column=column)
    return codes.map(lambda c: m49[EUROSTAT_ALPHA2[c]])


@layout("eurostat-imm-prev-residence")
def read(files: list[Path]) -> Parsed:
    totals = [p for p in files if not p.stem.endswith("_by_age")]
    if len(totals) != 1:
        raise InputError(f"layout eurostat-imm-prev-residence reads one totals file, got "
                         f"{', '.join(p.name for p in files) or 'none'}")
    path = totals[0]
    name = path.name
    table = read_csv_text(path)
    check_header(list(table.columns), COLUMNS, file=name, row=1)
    for c in ("partner", "geo", "year"):
        table[c] = table[c].str.strip()
    table["_row"] = np.arange(2, len(table) + 2)
    check_unique(table, ["partner", "geo", "year"], file=name)
    lumped = (table["partner"] == NOT_AN_AREA) | (table["geo"] == NOT_AN_AREA)
    kept = table.loc[~lumped].reset_index(drop=True)
    years, _ = parse_cells(kept["year"], file=name, rows=kept["_row"], columns=["year"] * len(kept))
    values, status = parse_cells(kept["value"], file=name, rows=kept["_row"], columns=["value"] * len(kept))
    obs = pd.DataFrame({
        "dataflow": "MIG_FLOW_REG",
        "ref_area": _areas(kept["geo"], file=name, column="geo", rows=kept["_row"]).to_numpy(),
        "counterpart_area": _areas(kept["partner"], file=name, column="partner", rows=kept["_row"]).to_numpy(),
        "topic": "IMM",
        "time_period": years.astype(int).astype(str).to_numpy(),
        "value": values.to_numpy(), "obs_status": status.to_numpy(),
        "unit_measure": "PS", "unit_mult": 0,
    })
    notes = (f"immigration by previous residence (12-month criterion), all ages, both sexes; "
             f"{int(lumped.sum())} rows with OTHER (a lumped residual, not an area) refused; "
             "the by-age file is not read; years 2010-2014 absent from the mirror on purpose")
    return Parsed(obs, rows_rejected=int(lumped.sum()), notes=notes)
