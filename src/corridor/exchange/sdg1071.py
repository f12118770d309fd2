"""SDG indicator 10.7.1: recruitment cost borne by employee as a proportion of monthly income earned in
the country of destination, from the exchange's fee ledger or from survey microdata.

Definition (SDG metadata 10.7.1, custodians ILO and World Bank; ILO and World Bank/KNOMAD guidelines for
measuring it): **per worker**, the recruitment costs the worker paid for their *first job in the last
country of destination*, divided by their earnings in the *first month* of that job, both in one
currency; the indicator is the (survey-weighted) **mean** and the **median** of that ratio, by corridor
(destination REF_AREA, origin COUNTERPART_AREA), sex, occupation group and sector. The unit is months of
first-month earnings.

Rules corridor states (docs/fair-recruitment.md):

* **currency**: every charge and every earning is converted to US dollars at the rate recorded on it, with
  the rate's date and source (:mod:`corridor.exchange.ledger`); the indicator itself is unit-free;
* **zero-cost workers**: a worker whose first-month earnings are recorded and who paid nothing has ratio 0
  and *is* included (the guidelines' population is all workers in scope). Every statistic is published
  twice: over all workers (``sdg1071_mean``, ``sdg1071_median``) and over workers who paid something
  (``..._nz``). A worker without recorded earnings has no ratio (missing, never zero) and is left out;
* **weighted median**: the smallest ratio at which the cumulative weight reaches half the group's weight;
* **ratio of means** (``sdg1071_rom``): mean cost over mean earnings -- what some national reports
  publish instead (the Lao PDR 2017 LFS module: US$141.31 / US$430.88 = 0.33); it is *not* the mean of
  the per-worker ratios and is published under its own code;
* **uncertainty**: the ledger counts every worker the exchange placed (a register, not a sample: no
  sampling error is claimed); survey microdata go through :mod:`corridor.estimate.survey` (design-based
  SE and t interval for the mean and the ratio of means; the median has a point estimate only);
* **disclosure**: a cell with fewer than ``min_cell`` workers (survey: respondents) is suppressed
  (frequency rule, :func:`corridor.disclose.tables.frequency_rule`), value empty with OBS_STATUS Q and
  CONF_STATUS A. Means and medians do not add up across cells, so no secondary suppression is needed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from corridor.disclose.tables import frequency_rule
from corridor.errors import InputError
from corridor.estimate.survey import DesignSpec, Request, estimate, prepare_design
from corridor.store.warehouse import DatasetMeta, Warehouse

#: Breakdowns within a corridor: name -> (column holding it, prefix of its BREAKDOWN code).
BREAKDOWNS: dict[str, tuple[str, str]] = {"occupation": ("isco1", "OCC_"), "sector": ("sector", "SEC_")}
KEY = ["ref_area", "counterpart_area", "sex", "topic"]
STATISTICS = ("sdg1071_mean", "sdg1071_median", "sdg1071_mean_nz", "sdg1071_median_nz", "sdg1071_rom")
UNIT = "PURE_NUMB"


def per_worker(entries: pd.DataFrame, earnings: pd.DataFrame, workers: pd.DataFrame) -> pd.DataFrame:
    """One row per worker with first-month earnings: ``cost_usd`` (what the worker paid, every category of
    the *effective* ledger), ``earnings_usd``, ``ratio`` and the worker's groups (``workers``: ``worker``,
    ``ref_area`` destination, ``counterpart_area`` origin, ``sex``, ``isco1``, ``sector``)."""
    by_worker = (entries["payer"] == "worker").to_numpy()  # no copy of the (large) ledger frame
    paid = pd.Series(entries["amount_usd"].to_numpy()[by_worker]).groupby(
        entries["worker"].to_numpy()[by_worker]).sum()
    out = earnings.rename(columns={"jobseeker_id": "worker"})[["worker", "earnings_usd"]].merge(
        workers, on="worker", how="left")
    out["cost_usd"] = out["worker"].map(paid).fillna(0.0)  # recorded earnings, no charge: paid nothing
    # a worker without a known corridor (no placement to place them) or without earnings has no cell
    out = out[(out["earnings_usd"] > 0) & out["ref_area"].notna() & out["counterpart_area"].notna()].copy()
    out["ratio"] = out["cost_usd"] / out["earnings_usd"]
    return out.reset_index(drop=True)


def _families() -> list[tuple[bool, str | None]]:
    """Cell families: (all origins?, breakdown column or None); every worker lies in one cell of each."""
    return [(origin_total, b) for origin_total in (False, True)
            for b in (None, "sex", *(c for c, _ in BREAKDOWNS.values()))]


def _family_rows(workers: pd.DataFrame, breakdown: str | None) -> np.ndarray:
    """Rows of ``workers`` in a cell of the family (a known sex, occupation or sector for a breakdown)."""
    if breakdown is None:
        return np.ones(len(workers), dtype=bool)
    values = workers[breakdown]
    known = values.notna().to_numpy() & (values.astype(str) != "").to_numpy()
    return known & values.isin(["M", "F"]).to_numpy() if breakdown == "sex" else known


def _cell_ids(codes: dict[str, tuple[np.ndarray, np.ndarray]], columns: list[str],
              rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cell id per selected row, the cells' combined codes): one integer key over the columns' codes."""
    key = np.zeros(int(rows.sum()), dtype=np.int64)
    for column in columns:
        c, values = codes[column]
        key = key * (len(values) + 1) + c[rows]
    present = np.zeros(int(key.max()) + 1 if len(key) else 1, dtype=bool)  # dense: the key space is small
    present[key] = True
    cells = np.flatnonzero(present)
    ids = (np.cumsum(present) - 1)[key]
    return ids, cells


def _decode(cells: np.ndarray, codes: dict[str, tuple[np.ndarray, np.ndarray]], columns: list[str]) -> dict:
    out = {}
    for column in reversed(columns):
        values = codes[column][1]
        cells, c = np.divmod(cells, len(values) + 1)
        out[column] = values[c]
    return out


def weighted_median(ids: np.ndarray, values: np.ndarray, weights: np.ndarray, n_cells: int,
                    order: np.ndarray | None = None) -> np.ndarray:
    """Per cell: the smallest value whose cumulative weight reaches half the cell's weight. ``order``, if
    given, sorts ``values`` (so one sort serves every family); the cells are then a stable radix sort."""
    order = np.argsort(values, kind="stable") if order is None else order
    small = ids.astype(np.int16) if n_cells < 2**15 else ids
    order = order[np.argsort(small[order], kind="stable")]  # by cell, then value
    g, w, v = ids[order], weights[order], values[order]
    cum = np.cumsum(w)
    total = np.bincount(g, weights=w, minlength=n_cells)
    start = np.concatenate([[0.0], np.cumsum(total)[:-1]])
    reached = (cum - start[g]) >= total[g] / 2.0 - 1e-12
    first_cell, first_at = np.unique(g[reached], return_index=True)
    out = np.full(n_cells, np.nan)
    out[first_cell] = v[reached][first_at]
    return out


def summarise(workers: pd.DataFrame, weight: str | None = None, min_cell: int = 5) -> pd.DataFrame:
    """The indicator by cell (:data:`KEY`) and statistic (:data:`STATISTICS`), point estimates with ``n``
    and the frequency-rule suppression. ``weight`` names a weight column (None: every worker weighs 1).

    Vectorised: each family of cells (corridor or all origins; total, sex, occupation, sector) is one
    integer key over factorised columns; sums are bincounts and medians one sort per family."""
    w_all = np.ones(len(workers)) if weight is None else workers[weight].to_numpy(dtype=float)
    ratio, cost = workers["ratio"].to_numpy(dtype=float), workers["cost_usd"].to_numpy(dtype=float)
    earn = workers["earnings_usd"].to_numpy(dtype=float)
    codes = {}
    for column in ("ref_area", "counterpart_area", "sex", *(c for c, _ in BREAKDOWNS.values())):
        c, values = pd.factorize(workers[column].astype(str))
        codes[column] = (c, np.asarray(values, dtype=object))
    prefix = {c: p for c, p in BREAKDOWNS.values()}
    by_ratio = np.argsort(ratio, kind="stable")
    parts = []
    for origin_total, breakdown in _families():
        columns = ["ref_area"] + ([] if origin_total else ["counterpart_area"]) + ([breakdown] if breakdown else [])
        base = _family_rows(workers, breakdown)
        for label, rows in (("", base), ("_nz", base & (cost > 0))):
            if not rows.any():
                continue
            ids, cells = _cell_ids(codes, columns, rows)
            k = len(cells)
            w, r = w_all[rows], ratio[rows]
            sw = np.bincount(ids, weights=w, minlength=k)
            # the rows' positions in the one sort by ratio, renumbered within the selected rows
            position = np.cumsum(rows) - 1
            subset_order = position[by_ratio[rows[by_ratio]]]
            stats = {f"sdg1071_mean{label}": np.bincount(ids, weights=w * r, minlength=k) / sw,
                     f"sdg1071_median{label}": weighted_median(ids, r, w, k, subset_order)}
            if not label:
                stats["sdg1071_rom"] = (np.bincount(ids, weights=w * cost[rows], minlength=k)
                                        / np.bincount(ids, weights=w * earn[rows], minlength=k))
            n = np.bincount(ids, minlength=k)
            keys = _decode(cells, codes, columns)
            frame = pd.DataFrame({
                "ref_area": keys["ref_area"],
                "counterpart_area": "_T" if origin_total else keys["counterpart_area"],
                "sex": keys["sex"] if breakdown == "sex" else "_T",
                "topic": "_T" if breakdown in (None, "sex") else
                np.char.add(prefix[breakdown], keys[breakdown].astype(str))})
            for stat, values in stats.items():
                parts.append(frame.assign(method=stat, value=values, n=n))
    table = pd.concat(parts, ignore_index=True)
    return _suppressed(table, min_cell)


def _suppressed(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    small = frequency_rule(table["n"], min_cell).to_numpy()
    table = table.assign(obs_status=np.where(small, "Q", "A"), conf_status=np.where(small, "A", "F"))
    table.loc[small, [c for c in ("value", "se", "lower", "upper") if c in table.columns]] = np.nan
    return table.sort_values([*KEY, "method"], ignore_index=True)


def survey_costs(frame: pd.DataFrame, cost: list[str], earnings: str, rate: str | None = None,
                 file: str | None = None) -> pd.DataFrame:
    """``cost_usd`` and ``earnings_usd`` of a survey file in the ILO-World Bank questionnaire's shape: the
    cost is the sum of the component columns ``cost`` (fees, documents, medical, travel, ...), in the
    currency the answers were given in, times the row's US dollar rate (column ``rate``; none: already US
    dollars). A component left empty makes the worker's cost unknown (never 0); a value that is not a
    number is an error naming its row and column."""
    out = frame.copy()
    parts = []
    for column in [*cost, earnings, *([rate] if rate else [])]:
        if column not in frame.columns:
            raise InputError(f"no column {column!r} (columns: {', '.join(map(str, frame.columns))})",
                             file=file, column=column)
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise InputError(f"{frame[column][bad].iloc[0]!r} is not a number", file=file, row=row, column=column)
        parts.append(values)
    factor = parts[-1] if rate else 1.0
    out["cost_usd"] = pd.concat(parts[:len(cost)], axis=1).sum(axis=1, min_count=len(cost)) * factor
    out["earnings_usd"] = parts[len(cost)] * factor
    return out


def survey_estimates(frame: pd.DataFrame, spec: DesignSpec, min_cell: int = 5,
                     file: str | None = None) -> pd.DataFrame:
    """The indicator from recruitment-cost survey microdata (one row per worker; columns ``cost_usd``,
    ``earnings_usd``, ``ref_area``, ``counterpart_area``, ``sex``, ``isco1``, ``sector`` and the design's),
    with design-based SE and 95% t interval for the means and the ratio of means (corridor.estimate.survey,
    domain estimation); medians are weighted point estimates without SE."""
    data = frame.reset_index(drop=True).copy()
    cost = pd.to_numeric(data["cost_usd"], errors="coerce").to_numpy(dtype=float)
    earn = pd.to_numeric(data["earnings_usd"], errors="coerce").to_numpy(dtype=float)
    # a record without earnings (or cost) has no ratio: it stays in the design, outside the domain of the
    # estimate (corridor.estimate.survey's missing-answer rule), never counted as 0
    valid = (earn > 0) & ~np.isnan(cost)
    data["ratio"] = np.where(valid, cost / np.where(valid, earn, 1.0), np.nan)
    data["paid"] = np.where(valid & (data["ratio"] > 0), data["ratio"], np.nan)  # the _nz population
    data["cost_v"], data["earn_v"] = np.where(valid, cost, np.nan), np.where(valid, earn, np.nan)
    points = summarise(data[valid].assign(worker=np.arange(int(valid.sum())), cost_usd=cost[valid],
                                          earnings_usd=earn[valid]), weight=spec.weights, min_cell=min_cell)
    # one domain column per family of cells (each record lies in one cell of a family): the design is
    # bound once and every family is one domain estimation
    families = {}
    for origin_total in (False, True):
        origin = "_T" if origin_total else data["counterpart_area"].astype(str)
        for name, sex, topic in (("t", "_T", "_T"), ("s", data["sex"].astype(str), "_T"),
                                 *((n, "_T", p + data[c].astype(str)) for n, (c, p) in BREAKDOWNS.items())):
            label = data["ref_area"].astype(str) + "|" + origin + "|" + sex + "|" + topic
            if name == "s":
                label = label.where(data["sex"].isin(["M", "F"]))
            elif name in BREAKDOWNS:
                col = BREAKDOWNS[name][0]
                label = label.where(data[col].notna() & (data[col].astype(str) != ""))
            families[f"d_{name}_{int(origin_total)}"] = label
    design = pd.concat([data, pd.DataFrame(families)], axis=1)
    prepared = prepare_design(design, spec, numeric=["ratio", "paid", "cost_v", "earn_v"],
                              categorical=list(families), file=file)
    rows = []
    for family in families:
        for stat, request in (("sdg1071_mean", Request("mean", "ratio", by=family, suppress=False)),
                              ("sdg1071_mean_nz", Request("mean", "paid", by=family, suppress=False)),
                              ("sdg1071_rom", Request("ratio", "cost_v", "earn_v", by=family,
                                                      suppress=False))):
            est = estimate(prepared, request)
            est = est[(est["category"] == "") & (est["domain"].str.count("[|]") == 3)]
            for domain, r in zip(est["domain"], est.itertuples(), strict=True):
                rows.append((*domain.split("|"), stat, r.se, r.ci_lower, r.ci_upper, r.df))
    se = pd.DataFrame(rows, columns=[*KEY, "method", "se", "lower", "upper", "df"])
    table = points.merge(se, on=[*KEY, "method"], how="left")
    table["interval"] = np.where(table["se"].notna(), "design-based 95% CI (t interval)", None)
    return _suppressed(table, min_cell)


def observations(table: pd.DataFrame, time_period: str) -> pd.DataFrame:
    """Warehouse observations of dataflow ``SDG_10_7_1`` from a :func:`summarise` or
    :func:`survey_estimates` table (suppressed cells: value empty, OBS_STATUS Q, CONF_STATUS A)."""
    value = table["value"].astype(float)
    out = pd.DataFrame({
        "dataflow": "SDG_10_7_1", "ref_area": table["ref_area"].astype(str),
        "counterpart_area": table["counterpart_area"].astype(str), "sex": table["sex"].astype(str),
        "topic": table["topic"].astype(str), "method": table["method"], "time_period": time_period,
        "value": value.round(6), "obs_status": table["obs_status"], "conf_status": table["conf_status"],
        "unit_measure": UNIT})
    if "lower" in table.columns:
        out["lower"] = table["lower"].astype(float).round(6)
        out["upper"] = table["upper"].astype(float).round(6)
        out["interval"] = table["interval"]
    return out.sort_values(["ref_area", "counterpart_area", "sex", "topic", "method"], ignore_index=True)


def publish(wh: Warehouse, table: pd.DataFrame, *, time_period: str, source: str, title: str,
            vintage: str | None = None, min_cell: int = 5, synthetic: bool = False,
            notes: str = "") -> str:
    """Write the indicator to the warehouse as one dataset of ``SDG_10_7_1`` (series per ``source``:
    ``ledger`` or a survey's name, so figures from different sources stand side by side). Idempotent."""
    vintage = vintage or datetime.now(UTC).strftime("%Y-%m-%d")
    obs = observations(table, time_period)
    sha = hashlib.sha256(obs.to_csv(index=False).encode()).hexdigest()
    label = "SYNTHETIC " if synthetic else ""
    meta = DatasetMeta(
        dataset_id=f"sdg1071-{source}-{time_period}-{vintage}-{sha[:8]}", series=f"sdg1071-{source}",
        vintage=vintage, layout="exchange", publisher="corridor labour mobility exchange",
        title=f"{label}SDG 10.7.1 ({source}): {title}", sha256=sha, kind="register" if source == "ledger"
        else "survey", method="sdg1071", parameters={"min_cell": min_cell, "synthetic": synthetic,
                                                     "zero_cost": "included in *_mean/_median, excluded in *_nz"},
        notes=("SYNTHETIC DATA, not real workers. " if synthetic else "") + notes
        + " Per worker: cost paid over first-month earnings (US dollars at the rates recorded on each entry). "
          "Cells with fewer than min_cell workers suppressed (corridor.disclose frequency rule).")
    return wh.write_dataset(meta, obs)
