"""Integration gaps from the EU-SILC public-use file (``eusilc13puf``, Austria): outcomes and domains.

Migrants are persons whose citizenship (``pb220a``, asked of persons aged 16 or over) is not Austrian
(``EU`` or ``Other``); natives are Austrian citizens. The file has no country of birth, so the
comparison is by citizenship only (said in every result). Design: strata ``db040`` (region), PSUs
``db030`` (households), weights ``rb050`` (the design EU-SILC documents for Austria; simPop's
synthetic file keeps it). Outcomes (Eurostat migrant integration indicators, the "Zaragoza" set):

* ``EMP``: employed (``pl031`` 1 working full time or 2 part time) among persons aged 20-64;
* ``TERTIARY``: tertiary education (ISCED 5-6, ``pe040``) among persons aged 25-64;
* ``EQ_INCOME``: mean equivalised disposable income (``eqInc``, EUR);
* ``AROP``: at risk of poverty, ``eqInc`` below 60% of the weighted median over all persons;
* ``HOUSING``: not computable from this file (no rooms, tenure or housing-cost variable) -- reported,
  not replaced.

Breakdowns: all persons, by sex (``rb090``) and by age group; the interlinkage table crosses
employment with education (ISCED 0-2, 3-4, 5-6). The gap and its SE: :func:`corridor.indicators.integration.gap`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.indicators.integration import Design, gap, weighted_median
from corridor.microdata.read import read_microdata

DESIGN = Design(weights="rb050", strata="db040", psu="db030")
AGE_GROUPS = {"Y16T29": (16, 29), "Y30T49": (30, 49), "Y50T64": (50, 64), "Y65T_": (65, 200)}
EDUCATION = {"ISCED0T2": ("0", "1", "2"), "ISCED3T4": ("3", "4"), "ISCED5T6": ("5", "6")}
NOT_COMPUTABLE = {"HOUSING": "the file has no housing variable (rooms, tenure, housing costs)"}
BASIS = ("synthetic EU-SILC public-use file (simPop eusilc13puf); citizenship (pb220a): migrants EU or Other, "
         "natives AT; no country of birth in the file")


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Outcome columns (NaN outside each outcome's universe) and the domain columns."""
    age = frame["age"].astype(int).to_numpy()
    status = frame["pl031"].astype("string")
    edu = frame["pe040"].astype("string")
    income = frame["eqInc"].to_numpy(dtype=float)
    threshold = 0.6 * weighted_median(income, frame[DESIGN.weights].to_numpy(dtype=float))
    out = frame[[DESIGN.weights, DESIGN.strata, DESIGN.psu]].copy()
    out[DESIGN.strata] = out[DESIGN.strata].astype(str)
    out["age"] = age
    out["sex"] = frame["rb090"].astype(str).map({"male": "M", "female": "F"})
    citizenship = frame["pb220a"].astype("string")
    out["migrant"] = citizenship.isin(["EU", "Other"]).fillna(False).to_numpy(dtype=bool)
    out["native"] = (citizenship == "AT").fillna(False).to_numpy(dtype=bool)
    out["education"] = edu.map({c: k for k, codes in EDUCATION.items() for c in codes}).astype(object)
    out["EMP"] = np.where((age >= 20) & (age <= 64) & status.notna().to_numpy(),
                          status.isin(["1", "2"]).fillna(False).to_numpy(dtype=float), np.nan)
    out["TERTIARY"] = np.where((age >= 25) & (age <= 64) & edu.notna().to_numpy(),
                               edu.isin(["5", "6"]).fillna(False).to_numpy(dtype=float), np.nan)
    out["EQ_INCOME"] = income
    out["AROP"] = (income < threshold).astype(float)
    out.attrs["arop_threshold"] = threshold
    return out


def gaps(data: pd.DataFrame, *, min_respondents: int | None = None) -> pd.DataFrame:
    """Every outcome x breakdown: migrant and native means, gap, SE, interval, counts, status."""
    kwargs = {} if min_respondents is None else {"min_respondents": min_respondents}
    rows = []
    breakdowns = [("_T", "_T", np.ones(len(data), dtype=bool))]
    breakdowns += [(s, "_T", (data["sex"] == s).to_numpy()) for s in ("M", "F")]
    breakdowns += [("_T", g, ((data["age"] >= lo) & (data["age"] <= hi)).to_numpy())
                   for g, (lo, hi) in AGE_GROUPS.items()]
    for outcome in ("EMP", "TERTIARY", "EQ_INCOME", "AROP"):
        y = data[outcome].to_numpy(dtype=float)
        for sex, age, within in breakdowns:
            result = gap(data, DESIGN, y, data["migrant"].to_numpy() & within, data["native"].to_numpy() & within,
                         **kwargs)
            rows.append({"measure": outcome, "sex": sex, "age": age, "education": "_T", **result})
    for outcome, reason in NOT_COMPUTABLE.items():
        rows.append({"measure": outcome, "sex": "_T", "age": "_T", "education": "_T", "obs_status": "L",
                     "interval": None, "note": f"not computable: {reason}"})
    frame = pd.DataFrame(rows)
    frame["basis"] = BASIS
    frame.loc[frame["measure"] == "AROP", "note"] = (
        f"threshold 60% of the weighted median equivalised income = {data.attrs['arop_threshold']:.2f} EUR, "
        "treated as fixed (its own sampling variance is not included)")
    return frame


def interlinkage(data: pd.DataFrame) -> pd.DataFrame:
    """Employment gap by education level (the same people's indicators crossed), 20-64."""
    rows = []
    y = data["EMP"].to_numpy(dtype=float)
    for level in EDUCATION:
        within = (data["education"] == level).to_numpy()
        rows.append({"measure": "EMP", "education": level,
                     **gap(data, DESIGN, y, data["migrant"].to_numpy() & within, data["native"].to_numpy() & within)})
    return pd.DataFrame(rows)


def read(path: str | Path) -> pd.DataFrame:
    """The EU-SILC public-use file prepared for :func:`gaps` (see the module docstring)."""
    return prepare(read_microdata(path))


PROPORTIONS = ("EMP", "TERTIARY", "AROP")


def _side(mean: float, se: float, n: float, percent: bool) -> str:
    if mean != mean:
        return f"suppressed or empty (n={int(n) if n == n else 0})"
    scale, unit = (100.0, "%") if percent else (1.0, " EUR")
    return f"{mean * scale:,.2f}{unit} (SE {se * scale:,.2f}), n={int(n)}"


def observations(data: pd.DataFrame, *, area: str, year: str) -> pd.DataFrame:
    """``INTEGRATION_GAP`` observations: gaps (points for rates, EUR for income), intervals, statuses."""
    table = gaps(data)
    cross = interlinkage(data).assign(measure=lambda f: "EMP_" + f["education"], sex="_T", age="_T",
                                      basis=BASIS)
    rows = pd.concat([table, cross], ignore_index=True)
    percent = rows["measure"].str.startswith(("EMP", "TERTIARY", "AROP"))
    scale = np.where(percent, 100.0, 1.0)
    shown = ~rows["obs_status"].isin(["Q", "O", "L"]) & rows["gap"].notna()
    basis = [
        (f"migrants {_side(r.migrants, r.se_migrants, r.n_migrants, p)}; natives "
         f"{_side(r.natives, r.se_natives, r.n_natives, p)}; "
         + (f"SE of the gap {r.se_gap * (100 if p else 1):,.3f}; " if r.se_gap == r.se_gap else "")
         + r.basis + (f"; {r.note}" if isinstance(r.note, str) else ""))
        if r.obs_status != "L" else f"{r.note}; {r.basis}"
        for r, p in zip(rows.itertuples(), percent, strict=True)
    ]
    return pd.DataFrame({
        "dataflow": "INTEGRATION_GAP", "ref_area": area, "sex": rows["sex"], "age": rows["age"],
        "topic": rows["measure"],
        "time_period": year, "value": np.where(shown, rows["gap"] * scale, np.nan),
        "lower": np.where(shown, rows["lower"] * scale, np.nan),
        "upper": np.where(shown, rows["upper"] * scale, np.nan),
        "interval": np.where(shown, rows["interval"], None), "obs_status": rows["obs_status"],
        "unit_measure": np.where(percent | (rows["measure"] == "HOUSING"), "PT", "EUR"),
        "method": "indicator", "basis": basis,
    })
