"""What the portal pages ask the warehouse.

All reads go through :class:`corridor.store.warehouse.Warehouse` (``observations`` keeps vintages and
provenance straight); a few small catalogue look-ups (which dataflows, which codes) use SQL on the
same connection. Functions return pandas frames or plain dicts ready for the templates and charts;
they never turn a missing value into 0.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.store.warehouse import DIMENSIONS, Warehouse

from .areas import aggregate_codes, area_name, is_country
from .cache import per_warehouse

WORLD = "900"
IMS_SERIES = "undesa-ims"
WB_SERIES = "wb-bilateral-migration"


# -- catalogue ---------------------------------------------------------------------------------------
@per_warehouse()
def dataflows(wh: Warehouse) -> pd.DataFrame:
    """Public dataflows in the warehouse: dataflow, observations, datasets, first and last period."""
    return wh.con.execute(
        """SELECT o.dataflow, count(*) AS observations, count(DISTINCT o.dataset_id) AS datasets,
                  min(o.time_period) AS first_period, max(o.time_period) AS last_period
           FROM observations o JOIN datasets d USING (dataset_id)
           WHERE d.access = 'public' GROUP BY o.dataflow ORDER BY o.dataflow"""
    ).df()


@per_warehouse(maxsize=4)
def _all_datasets(wh: Warehouse) -> list[dict[str, Any]]:
    frame = wh.datasets()
    frame = frame[frame["access"] == "public"].astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def datasets(wh: Warehouse, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Provenance rows of public datasets (all, or those named), newest vintage first per series."""
    rows = _all_datasets(wh)
    if ids is None:
        return list(rows)
    wanted = set(ids)
    return [r for r in rows if r["dataset_id"] in wanted]


@per_warehouse()
def codes(wh: Warehouse, dataflow: str, column: str) -> list[str]:
    """Distinct codes of one dimension column in a dataflow (public datasets), sorted."""
    if column not in {"ref_area", "counterpart_area", "sex", "age", "method", "birthplace"}:
        raise ValueError(column)
    rows = wh.con.execute(
        f"""SELECT DISTINCT o.{column} FROM observations o JOIN datasets d USING (dataset_id)
            WHERE o.dataflow = ? AND d.access = 'public'""", [dataflow]
    ).fetchall()
    return sorted((r[0] for r in rows), key=lambda c: (not c.startswith("_"), area_name(c)))


def table_exists(wh: Warehouse, name: str) -> bool:
    return bool(wh.con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [name]).fetchone())


# -- home: migrant share of population ---------------------------------------------------------------
@per_warehouse()
def map_years(wh: Warehouse) -> list[str]:
    """Years with both an IMS total (all origins) and a WPP population total, newest first."""
    rows = wh.con.execute(
        """SELECT DISTINCT m.time_period FROM observations m
           JOIN observations p ON p.time_period = m.time_period AND p.dataflow = 'POP'
                AND p.ref_area = m.ref_area AND p.sex = '_T' AND p.age = '_T'
           JOIN datasets d ON d.dataset_id = m.dataset_id
           WHERE m.dataflow = 'MIG_STOCK' AND m.counterpart_area = '_T' AND m.sex = '_T' AND m.age = '_T'
                 AND m.ref_area = ? AND d.series = ? AND d.access = 'public'
           ORDER BY 1 DESC""", [WORLD, IMS_SERIES]
    ).fetchall()
    return [r[0] for r in rows]


@per_warehouse()
def migrant_share(wh: Warehouse, year: str) -> tuple[pd.DataFrame, list[str]]:
    """Migrant stock (IMS, latest vintage, all origins, both sexes) / population (WPP), percent.

    Returns one row per area (m49, name, migrants, population, share, obs_status, dataset_id,
    pop_dataset_id, vintage) and the dataset ids used. ``share`` is NULL when either part is missing.
    """
    stock = wh.observations("MIG_STOCK", counterpart_area="_T", sex="_T", age="_T", time_period=year,
                            scaled=True)
    stock = stock[stock["series"] == IMS_SERIES]
    pop = wh.observations("POP", sex="_T", age="_T", time_period=year, scaled=True)
    if "release_id" in pop and (pop["release_id"] == "wpp2019-population").any():
        pop = pop[pop["release_id"] == "wpp2019-population"]
    stock = stock.sort_values("vintage").drop_duplicates("ref_area", keep="last")
    pop = pop.sort_values("vintage").drop_duplicates("ref_area", keep="last")
    merged = stock[["ref_area", "value", "obs_status", "dataset_id", "vintage"]].merge(
        pop[["ref_area", "value", "dataset_id"]].rename(columns={"value": "population",
                                                                 "dataset_id": "pop_dataset_id"}),
        on="ref_area", how="left",
    ).rename(columns={"ref_area": "m49", "value": "migrants"})
    merged["share"] = 100.0 * merged["migrants"] / merged["population"]
    merged["name"] = merged["m49"].map(area_name)
    used = sorted(set(merged["dataset_id"].dropna()) | set(merged["pop_dataset_id"].dropna()))
    return merged, used


# -- country profile -----------------------------------------------------------------------------------
def _label(frame: pd.DataFrame) -> pd.Series:
    return frame["publisher"].fillna("").str.split(",").str[0].str.replace("United Nations", "UN", regex=False) \
        + " · " + frame["dataset_id"]


def stock_totals(wh: Warehouse, m49: str, direction: str) -> pd.DataFrame:
    """Immigrant (living in ``m49``) or emigrant (born in ``m49``) stock over time, one line per dataset.

    Every vintage is kept (``latest=False``) so revisions show as separate lines. Emigrants are the
    publisher's world row (REF_AREA 900) where it exists, else the sum over destination countries
    (then ``obs_status`` is ``E`` and ``method`` says it was summed).
    """
    if direction == "immigrants":
        frame = wh.observations("MIG_STOCK", ref_area=m49, counterpart_area="_T", sex="_T", age="_T",
                                latest=False, scaled=True)
    else:
        frame = wh.observations("MIG_STOCK", counterpart_area=m49, sex="_T", age="_T", latest=False,
                                scaled=True)
        world = frame[frame["ref_area"] == WORLD]
        countries = frame[~frame["ref_area"].isin(aggregate_codes())]
        have = set(zip(world["dataset_id"], world["time_period"], strict=True))
        rest = countries[[(d, t) not in have for d, t in zip(countries["dataset_id"], countries["time_period"],
                                                             strict=True)]]
        if not rest.empty:
            keys = ["dataset_id", "time_period", "series", "vintage", "publisher", "concept", "licence"]
            summed = rest.groupby(keys, as_index=False, dropna=False).agg(
                value=("value", lambda s: s.sum(min_count=1)), n=("value", "size"))
            summed["obs_status"] = summed["value"].isna().map({True: "O", False: "E"})
            summed["method"] = "sum over " + summed["n"].astype(str) + " destinations"
            summed["lower"] = summed["upper"] = None
            summed["interval"] = None
            frame = pd.concat([world, summed], ignore_index=True)
        else:
            frame = world
    if frame.empty:
        return frame
    frame = frame.copy()
    frame["series_label"] = _label(frame)
    return frame.sort_values(["dataset_id", "time_period"])


def top_partners(wh: Warehouse, m49: str, direction: str, n: int = 10) -> tuple[pd.DataFrame, str | None]:
    """Top origins of immigrants in ``m49`` (or destinations of its emigrants), latest IMS year.

    Uses the latest vintage of the UN DESA series that has origin detail; returns the rows (name,
    value, obs_status, dataset_id, m49) and the period shown.
    """
    if direction == "origins":
        frame = wh.observations("MIG_STOCK", ref_area=m49, sex="_T", age="_T", scaled=True)
        partner = "counterpart_area"
    else:
        frame = wh.observations("MIG_STOCK", counterpart_area=m49, sex="_T", age="_T", scaled=True)
        partner = "ref_area"
    frame = frame[(frame["series"] == IMS_SERIES) & ~frame[partner].isin(aggregate_codes())
                  & (frame[partner] != m49)]
    if frame.empty:
        return frame, None
    period = max(frame["time_period"])
    frame = frame[(frame["time_period"] == period)].dropna(subset=["value"])
    frame = frame.sort_values("value", ascending=False).head(n).copy()
    frame["m49"] = frame[partner]
    frame["name"] = frame[partner].map(area_name)
    return frame, period


def partner_totals(wh: Warehouse, dataflow: str, m49: str) -> pd.DataFrame:
    """Totals over partners per year for a bilateral dataflow (REFUGEES, ASYLUM_SEEKERS, REMIT):
    hosted in / received by ``m49`` and originating from / sent by ``m49``, one line per dataset."""
    parts = []
    for column, side in (("ref_area", "in"), ("counterpart_area", "from")):
        frame = wh.observations(dataflow, **{column: m49}, sex="_T", age="_T", scaled=True)
        other = "counterpart_area" if column == "ref_area" else "ref_area"
        # the publisher's own total (all partners _T, or the world row 900) wins over a sum of partners
        totals = frame[frame[other] == "_T"]
        if totals.empty:
            totals = frame[frame[other] == WORLD]
        detail = frame[frame[other].map(is_country)]
        if totals.empty and not detail.empty:
            keys = ["dataset_id", "time_period", "publisher", "licence", "concept"]
            totals = detail.groupby(keys, as_index=False, dropna=False).agg(
                value=("value", lambda s: s.sum(min_count=1)), partners=("value", "count"))
            totals["obs_status"] = totals["value"].isna().map({True: "O", False: "A"})
            totals["lower"] = totals["upper"] = None
            totals["interval"] = None
        if not totals.empty:
            parts.append(totals.assign(side=side))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out


def flows_for(wh: Warehouse, m49: str, n: int = 8) -> dict[str, Any] | None:
    """Estimated flows (MIG_FLOW) between ``m49`` and its ``n`` largest partners, latest period.

    Chooses the latest period of the first dataset (by id) that has flows for the country; returns
    names, the origin x destination matrix, period, dataset id, method and interval text.
    """
    inbound = wh.observations("MIG_FLOW", ref_area=m49, birthplace="_T", sex="_T", age="_T", scaled=True)
    outbound = wh.observations("MIG_FLOW", counterpart_area=m49, birthplace="_T", sex="_T", age="_T", scaled=True)
    both = pd.concat([inbound, outbound], ignore_index=True)
    both = both[(both["ref_area"] != both["counterpart_area"]) & (both["counterpart_area"] != "_T")
                & (both["ref_area"] != "_T")].dropna(subset=["value"])
    if both.empty:
        return None
    dataset_id = sorted(both["dataset_id"].unique())[0]
    both = both[both["dataset_id"] == dataset_id]
    method = sorted(both["method"].unique())[0]
    both = both[both["method"] == method]
    period = max(both["time_period"])
    both = both[both["time_period"] == period]
    partner = both["counterpart_area"].where(both["ref_area"] == m49, both["ref_area"])
    volume = both.assign(partner=partner).groupby("partner")["value"].sum().sort_values(ascending=False)
    areas = [m49, *[a for a in volume.index[:n] if a != m49]]
    # only the country's own flows: a chord of flows *among* its partners would be dominated by them
    matrix = [[0.0] * len(areas) for _ in areas]
    index = {a: i for i, a in enumerate(areas)}
    for origin, dest, value in zip(both["counterpart_area"], both["ref_area"], both["value"], strict=True):
        if origin in index and dest in index:
            matrix[index[origin]][index[dest]] = float(value)
    rows = both.assign(origin=both["counterpart_area"].map(area_name), destination=both["ref_area"].map(area_name))
    return {"names": [area_name(a) for a in areas], "matrix": matrix, "period": period,
            "dataset_id": dataset_id, "method": method, "rows": rows.sort_values("value", ascending=False),
            "interval": next((t for t in both["interval"].dropna()), None)}


@per_warehouse()
def regional_flows(wh: Warehouse) -> dict[str, Any] | None:
    """Published flows between world regions (e.g. Abel 2018), latest period, as a chord matrix.

    Rows whose two ends are both groupings (not countries) are used; flows within a region (between
    its countries) are kept on the diagonal, so the matrix sums to the publisher's total.
    """
    groups = [code for (code,) in wh.con.execute(
        "SELECT DISTINCT ref_area FROM observations WHERE dataflow = 'MIG_FLOW' UNION "
        "SELECT DISTINCT counterpart_area FROM observations WHERE dataflow = 'MIG_FLOW'").fetchall()
        if not is_country(code) and code not in ("_T", WORLD)]
    if not groups:
        return None
    frame = wh.observations("MIG_FLOW", ref_area=groups, counterpart_area=groups, birthplace="_T", sex="_T",
                            age="_T", scaled=True).dropna(subset=["value"])
    if frame.empty:
        return None
    dataset_id = sorted(frame["dataset_id"].unique())[0]
    frame = frame[frame["dataset_id"] == dataset_id]
    period = max(frame["time_period"])
    frame = frame[frame["time_period"] == period]
    areas = sorted(set(frame["ref_area"]) | set(frame["counterpart_area"]), key=area_name)
    index = {a: i for i, a in enumerate(areas)}
    matrix = [[0.0] * len(areas) for _ in areas]
    for origin, dest, value in zip(frame["counterpart_area"], frame["ref_area"], frame["value"], strict=True):
        matrix[index[origin]][index[dest]] += float(value)
    within = sum(matrix[i][i] for i in range(len(areas)))
    return {"names": [area_name(a) for a in areas], "matrix": matrix, "period": period,
            "dataset_id": dataset_id, "total": float(frame["value"].sum()), "within": within,
            "method": sorted(frame["method"].unique())[0],
            "statuses": sorted(frame["obs_status"].unique())}


def remittance_costs(wh: Warehouse, m49: str, n: int = 6) -> pd.DataFrame:
    """REMIT_COST corridors that send to or from ``m49`` (the ``n`` with most observations)."""
    frame = pd.concat([wh.observations("REMIT_COST", ref_area=m49),
                       wh.observations("REMIT_COST", counterpart_area=m49)], ignore_index=True)
    frame = frame.drop_duplicates(["dataset_id", "ref_area", "counterpart_area", "time_period", "method"])
    if frame.empty:
        return frame
    frame["corridor"] = frame["counterpart_area"].map(area_name) + " → " + frame["ref_area"].map(area_name)
    keep = frame.dropna(subset=["value"]).groupby("corridor").size().sort_values(ascending=False).index[:n]
    return frame[frame["corridor"].isin(keep)].copy()


def census_compliance(wh: Warehouse, m49: str) -> pd.DataFrame | None:
    """Rows of the ``census_compliance`` table for ``m49`` (None when the table is not there)."""
    if not table_exists(wh, "census_compliance"):
        return None
    columns = [r[0] for r in wh.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'census_compliance'").fetchall()]
    key = next((c for c in ("ref_area", "m49", "area", "country") if c in columns), None)
    if key is None:
        return None
    return wh.con.execute(f"SELECT * FROM census_compliance WHERE CAST({key} AS VARCHAR) = ?", [m49]).df()


# -- corridor --------------------------------------------------------------------------------------------
def corridor_observations(wh: Warehouse, origin: str, destination: str,
                          reversed_flows: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Everything the warehouse holds for migrants from ``origin`` in ``destination``: every dataflow,
    every vintage, totals over age. Dataflows are read with REF_AREA = destination and COUNTERPART_AREA
    = origin, except those in ``reversed_flows`` (money sent home: REF_AREA = origin)."""
    flows = [r[0] for r in wh.con.execute("SELECT DISTINCT dataflow FROM observations").fetchall()]
    forward = [f for f in flows if f not in reversed_flows]
    backward = [f for f in flows if f in reversed_flows]
    parts = []
    if forward:
        parts.append(wh.observations(forward, ref_area=destination, counterpart_area=origin, age="_T",
                                     latest=False, scaled=True))
    if backward:
        parts.append(wh.observations(backward, ref_area=origin, counterpart_area=destination, age="_T",
                                     latest=False, scaled=True))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    frame["series_label"] = _label(frame)
    return frame


# -- sources: where sources disagree --------------------------------------------------------------------
@per_warehouse()
def vintage_revisions(wh: Warehouse, area: str = WORLD) -> pd.DataFrame:
    """IMS totals (all origins, both sexes) of ``area`` by vintage for the years two vintages share."""
    frame = wh.observations("MIG_STOCK", ref_area=area, counterpart_area="_T", sex="_T", age="_T",
                            latest=False)
    frame = frame[frame["series"] == IMS_SERIES]
    if frame.empty:
        return frame
    frame = frame.sort_values("ingested_at" if "ingested_at" in frame else "dataset_id")
    wide = frame.pivot_table(index="time_period", columns="vintage", values="value", aggfunc="first")
    wide = wide.dropna()
    if wide.shape[1] < 2:
        return pd.DataFrame()
    old, new = sorted(wide.columns)[0], sorted(wide.columns)[-1]
    out = wide[[old, new]].reset_index()
    out.columns = ["time_period", "old", "new"]
    out["difference"] = out["new"] - out["old"]
    out["percent"] = 100.0 * out["difference"] / out["old"]
    out.attrs["old"], out.attrs["new"] = old, new
    out.attrs["datasets"] = {v: sorted(frame.loc[frame["vintage"] == v, "dataset_id"].unique()) for v in (old, new)}
    return out


@per_warehouse()
def un_vs_worldbank(wh: Warehouse, n: int = 15) -> pd.DataFrame:
    """The ``n`` largest World Bank 2017 corridors beside UN DESA's figures for 2015 and 2019/2020."""
    wb_ids = [r[0] for r in wh.con.execute(
        "SELECT dataset_id FROM datasets WHERE series = ? AND access = 'public' ORDER BY vintage DESC",
        [WB_SERIES]).fetchall()]
    if not wb_ids:
        return pd.DataFrame()
    skip = sorted(aggregate_codes())
    marks = ", ".join("?" for _ in skip)
    wb = wh.con.execute(
        f"""SELECT ref_area, counterpart_area, value, dataset_id, obs_status FROM observations
            WHERE dataset_id = ? AND dataflow = 'MIG_STOCK' AND sex = '_T' AND age = '_T'
              AND value IS NOT NULL AND ref_area NOT IN ({marks}) AND counterpart_area NOT IN ({marks})
            ORDER BY value DESC LIMIT ?""", [wb_ids[0], *skip, *skip, n]).df()
    if wb.empty:
        return pd.DataFrame()
    un = wh.observations("MIG_STOCK", ref_area=list(wb["ref_area"].unique()),
                         counterpart_area=list(wb["counterpart_area"].unique()), sex="_T", age="_T")
    un = un[un["series"] == IMS_SERIES]
    un_wide = un.pivot_table(index=["ref_area", "counterpart_area"], columns="time_period", values="value",
                             aggfunc="first")
    years = [y for y in ("2015", "2019", "2020") if y in un_wide.columns]
    out = wb.rename(columns={"value": "wb_2017", "dataset_id": "wb_dataset"})
    out = out.merge(un_wide[years].reset_index(), on=["ref_area", "counterpart_area"], how="left")
    out["origin"] = out["counterpart_area"].map(area_name)
    out["destination"] = out["ref_area"].map(area_name)
    out.attrs["un_years"] = years
    out.attrs["un_datasets"] = sorted(un["dataset_id"].unique())
    return out


def observations_page(wh: Warehouse, dataflow: str, filters: dict[str, str], *, start: str | None = None,
                      end: str | None = None, as_of: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of :meth:`Warehouse.observations` (same filters, vintage rule and order) and the total.

    The explorer pages through whole dataflows (450,000 rows for MIG_STOCK), which the warehouse's
    pandas result would materialise in full; this runs the same selection in DuckDB with
    ``LIMIT``/``OFFSET``. ``tests/portal`` checks that both give the same rows.
    """
    where = ["o.dataflow = ?", "d.access = 'public'"]
    params: list[Any] = [dataflow]
    for column, code in filters.items():
        if column not in {"ref_area", "counterpart_area", "birthplace", "sex", "age", "method"}:
            raise ValueError(column)
        where.append(f"o.{column} = ?")
        params.append(code)
    if start:
        where.append("TRY_CAST(left(o.time_period, 4) AS INTEGER) >= ?")
        params.append(int(start[:4]))
    if end:
        where.append("TRY_CAST(left(o.time_period, 4) AS INTEGER) <= ?")
        params.append(int(end[:4]))
    qualify = ""
    if as_of:
        ids = wh.resolve_as_of(as_of)
        where.append(f"o.dataset_id IN ({', '.join('?' for _ in ids)})")
        params.extend(ids)
    else:
        keys = ", ".join(f"o.{d}" for d in DIMENSIONS)
        qualify = (f"QUALIFY row_number() OVER (PARTITION BY d.series, {keys} "
                   "ORDER BY d.vintage DESC, d.ingested_at DESC) = 1")
    inner = f"""SELECT o.*, d.series, d.vintage, d.concept, d.release_id, d.licence, d.publisher, d.kind, d.title
                FROM observations o JOIN datasets d USING (dataset_id)
                WHERE {' AND '.join(where)} {qualify}"""
    page = wh.con.execute(
        f"""WITH sel AS MATERIALIZED ({inner}),
                 summary AS (SELECT count(*) AS n, list(DISTINCT dataset_id) AS ids FROM sel)
            SELECT sel.*, summary.n AS _total, summary.ids AS _ids FROM sel, summary
            ORDER BY dataflow, ref_area, counterpart_area, sex, age, time_period, series, vintage
            LIMIT ? OFFSET ?""", [*params, limit, offset]).df()
    if page.empty:
        summary = wh.con.execute(
            f"SELECT count(*), list(DISTINCT dataset_id) FROM ({inner})", params).fetchone()
        total, ids = summary[0], summary[1] or []
    else:
        total, ids = page["_total"].iloc[0], list(page["_ids"].iloc[0])
        page = page.drop(columns=["_total", "_ids"])
    page.attrs["dataset_ids"] = sorted(ids)
    return page, int(total)
