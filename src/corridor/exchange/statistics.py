"""The evidence base: aggregate statistics of the exchange, disclosure-controlled, into the warehouse.

Counts (:func:`registry_counts`), by ISCO-08 unit group and quarter:

* vacancies -- openings posted under an agreement: destination, the agreement's origin, quarter posted;
* jobseekers -- by origin, quarter registered (an erased worker still counts: origin, ISCO group and
  registration date survive erasure, so published figures stay valid);
* placements -- accepted or further (``ACTIVE_STATES`` and ``returned``): destination, origin,
  quarter of the match; and ``filled``, the same placements by the quarter their vacancy was posted
  (the numerator of the fill rate, suppressed like the others but not published on its own).

:func:`publish_statistics` aggregates them to ISCO-08 major (1-digit) and sub-major (2-digit) groups
with every marginal total, applies primary (fewer than ``min_cell`` people) and secondary cell
suppression with :func:`corridor.disclose.tables.suppress` per dataflow and quarter, derives the
vacancy/jobseeker ratio (openings over the origin's jobseekers registered in the same quarter and
occupation) and the fill rate (openings posted in a quarter that were filled, %), each missing when a
count it uses is suppressed and writes
six dataflows (``EXCH_VACANCY``, ``EXCH_JOBSEEKER``, ``EXCH_PLACEMENT``, ``EXCH_VJ_RATIO``,
``EXCH_FILL_RATE`` and ``EXCH_TIME_TO_FILL``, :mod:`corridor.exchange.timing`) through
:meth:`Warehouse.write_dataset`, one dataset each, with provenance (and
"SYNTHETIC" in title and notes when the registry holds generated data).
"""

from __future__ import annotations

import hashlib
import warnings
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import select

from corridor.disclose.tables import add_margins, suppress
from corridor.exchange.market import ACTIVE_STATES
from corridor.exchange.models import Agreement, Jobseeker, Placement, Vacancy
from corridor.exchange.registry import Registry
from corridor.exchange.timing import time_to_fill_table
from corridor.store.warehouse import DatasetMeta, Warehouse

PLACED_STATES = ACTIVE_STATES | {"returned"}
COUNT_FLOWS = {"vacancy": "EXCH_VACANCY", "jobseeker": "EXCH_JOBSEEKER", "placement": "EXCH_PLACEMENT",
               "filled": "filled"}
BY = ["ref_area", "counterpart_area", "isco1", "isco2"]
UNITS = {"EXCH_VJ_RATIO": "PURE_NUMB", "EXCH_FILL_RATE": "PT", "EXCH_TIME_TO_FILL": "DAY"}


def quarter(ts: datetime) -> str:
    """SDMX quarter of a timestamp: ``2026-Q1``."""
    return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"


def registry_counts(registry: Registry) -> pd.DataFrame:
    """Counts by measure, ref_area, counterpart_area, ISCO unit group and quarter (module docstring)."""
    rows = []
    with registry.sessions() as s:
        for v, ag in s.execute(select(Vacancy, Agreement).join(Agreement, Agreement.id == Vacancy.agreement_id)):
            rows.append(("vacancy", v.destination, ag.origin, v.isco, quarter(v.created_at), v.openings))
        for origin, isco, at in s.execute(select(Jobseeker.origin, Jobseeker.isco, Jobseeker.registered_at)):
            rows.append(("jobseeker", origin, "_T", isco, quarter(at), 1))
        for dest, origin, isco, at, posted in s.execute(
                select(Vacancy.destination, Jobseeker.origin, Vacancy.isco, Placement.proposed_at, Vacancy.created_at)
                .join(Vacancy, Vacancy.id == Placement.vacancy_id)
                .join(Jobseeker, Jobseeker.id == Placement.jobseeker_id)
                .where(Placement.status.in_(sorted(PLACED_STATES)))):
            rows.append(("placement", dest, origin, isco, quarter(at), 1))
            rows.append(("filled", dest, origin, isco, quarter(posted), 1))
    frame = pd.DataFrame(rows, columns=["measure", "ref_area", "counterpart_area", "isco", "quarter", "n"])
    return (frame.groupby(["measure", "ref_area", "counterpart_area", "isco", "quarter"], as_index=False)["n"]
            .sum().sort_values(["measure", "ref_area", "counterpart_area", "isco", "quarter"], ignore_index=True))


def _protected(counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """One measure and quarter: ISCO 1/2-digit cells with margins, suppressed; ``topic`` is the code."""
    cells = counts.assign(isco1=counts["isco"].str[0], isco2=counts["isco"].str[:2])
    cells = cells.groupby(BY, as_index=False)["n"].sum()
    single_counterpart = (cells["counterpart_area"] == "_T").all()
    by = [b for b in BY if not (b == "counterpart_area" and single_counterpart)]
    table = add_margins(cells[[*by, "n"]], by=by, columns=["n"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unprotectable cells are still suppressed; listed in attrs
        out = suppress(table, by=by, count="n", value="n", min_cell=min_cell)
    # A sub-major group lies in one major group, so its row under the major total repeats a cell; it
    # stays in the table while suppressing (a margin left out would count as published) and goes now.
    out = out[~((out["isco1"] == "_T") & (out["isco2"] != "_T"))].reset_index(drop=True)
    if single_counterpart:
        out["counterpart_area"] = "_T"
    out["topic"] = np.where(out["isco2"] != "_T", out["isco2"], out["isco1"])
    return out[["ref_area", "counterpart_area", "topic", "n", "conf_status"]]


def protected_tables(registry: Registry, min_cell: int = 5) -> dict[str, pd.DataFrame]:
    """Observations of the six dataflows (columns of the warehouse), after suppression."""
    counts = registry_counts(registry)
    out: dict[str, pd.DataFrame] = {}
    for measure, flow in COUNT_FLOWS.items():
        parts = []
        for q, part in counts[counts["measure"] == measure].groupby("quarter"):
            parts.append(_protected(part, min_cell).assign(time_period=q))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["ref_area", "counterpart_area", "topic", "n", "conf_status", "time_period"])
        out[flow] = frame
    key = ["ref_area", "counterpart_area", "topic", "time_period"]
    vac_frame = out["EXCH_VACANCY"][key + ["n"]].reset_index(drop=True)
    vac = vac_frame["n"].astype(float).to_numpy()
    # no placement row = no placement (0); a row with an empty value = suppressed (stays missing)
    placed_table = out.pop("filled").set_index(key)["n"].astype(float)
    at = pd.MultiIndex.from_frame(vac_frame[key])
    placed = np.where(at.isin(placed_table.index), placed_table.reindex(at).to_numpy(), 0.0)
    seekers = out["EXCH_JOBSEEKER"].set_index(["ref_area", "topic", "time_period"])["n"].astype(float)
    js_at = pd.MultiIndex.from_arrays([vac_frame["counterpart_area"], vac_frame["topic"], vac_frame["time_period"]])
    js = seekers.reindex(js_at).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(js > 0, vac / js, np.nan)
        fill = np.where(vac > 0, 100.0 * placed / vac, np.nan)
    # a derived figure is missing (never zero) where a count it uses is suppressed or absent
    js_suppressed = np.isnan(js) & js_at.isin(seekers.index)
    vac_suppressed = np.isnan(vac)
    ratio = vac_frame.assign(n=ratio, missing=np.where(vac_suppressed | js_suppressed, "Q", "M"))
    fill = vac_frame.assign(n=fill, missing=np.where(vac_suppressed | np.isnan(placed), "Q", "M"))
    out["EXCH_VJ_RATIO"] = ratio.assign(conf_status="F")
    out["EXCH_FILL_RATE"] = fill.assign(conf_status="F")
    out["EXCH_TIME_TO_FILL"] = time_to_fill_table(registry, min_cell)
    return out


def _observations(flow: str, frame: pd.DataFrame) -> pd.DataFrame:
    unit = UNITS.get(flow, "PS")
    value = pd.to_numeric(frame["n"], errors="coerce").astype(float)
    missing = value.isna()
    return pd.DataFrame({
        "dataflow": flow, "ref_area": frame["ref_area"].astype(str),
        "counterpart_area": "_T" if flow == "EXCH_JOBSEEKER" else frame["counterpart_area"].astype(str),
        "topic": frame["topic"].astype(str), "time_period": frame["time_period"].astype(str),
        "value": value.round(6),
        "obs_status": np.where(missing, frame["missing"] if "missing" in frame else "Q", "A"),
        "conf_status": frame["conf_status"].astype(str) if unit in ("PS", "DAY") else "F",
        "unit_measure": unit, "method": "exchange-register",
        **({"lower": frame["lower"].astype(float).round(6), "upper": frame["upper"].astype(float).round(6),
            "interval": frame["interval"]} if "interval" in frame else {}),
    })


def publish_statistics(registry: Registry, wh: Warehouse, *, min_cell: int = 5, synthetic: bool = False,
                       vintage: str | None = None) -> list[str]:
    """Write the six dataflows to the warehouse (module docstring); returns the dataset ids.

    Idempotent: the same statistics (same bytes) are not written twice."""
    vintage = vintage or datetime.now(UTC).strftime("%Y-%m-%d")
    label = "SYNTHETIC " if synthetic else ""
    ids = []
    for flow, frame in protected_tables(registry, min_cell).items():
        obs = _observations(flow, frame).sort_values(["ref_area", "counterpart_area", "topic", "time_period"],
                                                     ignore_index=True)
        sha = hashlib.sha256(obs.to_csv(index=False).encode()).hexdigest()
        meta = DatasetMeta(
            dataset_id=f"exchange-{flow.lower()}-{vintage}-{sha[:8]}", series=f"exchange-{flow.lower()}",
            vintage=vintage, layout="exchange", publisher="corridor labour mobility exchange",
            title=f"{label}{flow}: labour mobility exchange statistics", sha256=sha, kind="register",
            method="exchange-register", parameters={"min_cell": min_cell, "synthetic": synthetic},
            notes=("SYNTHETIC DATA: generated by corridor exchange synthetic, not real people or vacancies. "
                   if synthetic else "") + "Small counts suppressed (primary and secondary, corridor.disclose).")
        ids.append(wh.write_dataset(meta, obs))
    return ids


def shortages_and_surpluses(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Shortages at a destination paired with surpluses at an origin for the same occupation and quarter,
    from the *published* (suppressed) tables only, so the pairing discloses nothing more.

    Shortage: a destination's openings in an ISCO-08 sub-major group exceed the jobseekers of the
    origins its agreements cover there. Surplus: an origin's jobseekers in that group exceed the
    openings offered to it. Each row pairs a shortage with a surplus in another country -- candidates
    for a new or wider agreement -- with both gaps."""
    key = ["topic", "time_period"]
    vac = tables["EXCH_VACANCY"]
    sub_major = vac["topic"].str.fullmatch(r"\d\d")
    vac = vac[sub_major & vac["n"].notna()]
    js = tables["EXCH_JOBSEEKER"]
    js = js[js["topic"].str.fullmatch(r"\d\d") & (js["ref_area"] != "_T")].drop(columns=["counterpart_area"])
    # a suppressed count makes its comparison unknown: such rows take no part in a pairing
    inner = vac[(vac["ref_area"] != "_T") & (vac["counterpart_area"] != "_T")]
    supply = inner.merge(js.rename(columns={"ref_area": "counterpart_area", "n": "seekers"})[
        ["counterpart_area", *key, "seekers"]], on=["counterpart_area", *key], how="left", indicator=True)
    supply["unknown"] = supply["seekers"].isna() & (supply["_merge"] == "both")
    supply["seekers"] = supply["seekers"].fillna(0.0)
    dest = supply.groupby(["ref_area", *key], as_index=False).agg(
        openings=("n", "sum"), seekers=("seekers", "sum"), unknown=("unknown", "any"))
    short = dest[~dest["unknown"] & (dest["openings"] > dest["seekers"])]
    short = short.assign(shortage=short["openings"] - short["seekers"])
    offered = vac[(vac["ref_area"] == "_T") & (vac["counterpart_area"] != "_T")].rename(
        columns={"counterpart_area": "origin", "n": "offered"})[["origin", *key, "offered"]]
    origin = js[js["n"].notna()].rename(columns={"ref_area": "origin", "n": "seekers"})[
        ["origin", *key, "seekers"]].merge(offered, on=["origin", *key], how="left").fillna({"offered": 0.0})
    surplus = origin[origin["seekers"] > origin["offered"]]
    surplus = surplus.assign(surplus=surplus["seekers"] - surplus["offered"])
    pairs = short[["ref_area", *key, "shortage"]].rename(columns={"ref_area": "destination"}).merge(
        surplus[["origin", *key, "surplus"]], on=key)
    pairs = pairs[pairs["destination"] != pairs["origin"]]
    return pairs.sort_values(["time_period", "topic", "shortage", "surplus"], ascending=[True, True, False, False],
                             ignore_index=True)
