"""The share of international migrants covered by social security agreements, per corridor.

A corridor (destination REF_AREA, origin COUNTERPART_AREA) is *covered* on a date when an agreement of
the registry (:mod:`corridor.portability.agreements`) covering the branch (old age by default) binds both
countries that day. The migrant stock of every corridor is read from the warehouse (``MIG_STOCK`` of the
UN DESA International Migrant Stock by origin and destination, through the store's selection door), at
mid-year (1 July) of the year asked for. The share is covered stock over the stock of every
country-to-country corridor (regions, "other" and unknown origins left out; the number left out is
reported). The registry holds only the agreements in its data file, so the share is a **lower bound**
of coverage by all agreements in force. Plausibility reference: the UN report's "only about 20% of the
world's migrants were covered by such agreements" (for about 2000).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from corridor.errors import InputError
from corridor.portability.agreements import Agreement, covered_pairs, load_agreements
from corridor.reference.areas import area_table
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse


def corridor_stocks(wh: Warehouse, year: int, series: str = "undesa-ims") -> pd.DataFrame:
    """Migrant stock by destination and origin country (both countries) in ``year``, with its dataset."""
    rows = wh.select(Selection.of("MIG_STOCK", series=series, start_year=year, end_year=year, sex="_T"))
    rows = rows[(rows["time_period"].astype(str).str[:4] == str(year)) & (rows["counterpart_area"] != "_T")]
    if rows.empty:
        raise InputError(f"no MIG_STOCK of series {series!r} for {year} in the warehouse (ingest the UN DESA "
                         "origin-destination release first)")
    countries = set(area_table().query("kind == 'country'")["m49"].astype(str))
    both = rows["ref_area"].isin(countries) & rows["counterpart_area"].isin(countries) & rows["value"].notna()
    out = rows[both][["ref_area", "counterpart_area", "value", "dataset_id"]].rename(columns={"value": "stock"})
    out.attrs["left_out_stock"] = float(rows.loc[~both, "value"].sum())
    return out.reset_index(drop=True)


def coverage(wh: Warehouse, year: int, agreements: dict[str, Agreement] | None = None,
             branch: str = "old_age", series: str = "undesa-ims") -> tuple[pd.DataFrame, dict]:
    """Per corridor: stock, ``covered`` and the agreements binding it on 1 July ``year``; and a summary."""
    agreements = agreements or load_agreements()
    on = date(year, 7, 1)
    stocks = corridor_stocks(wh, year, series)
    by_pair: dict[frozenset[str], list[str]] = {}
    for ag in agreements.values():
        for pair in covered_pairs({ag.id: ag}, on, branch):
            by_pair.setdefault(pair, []).append(ag.id)
    keys = [frozenset((d, o)) for d, o in zip(stocks["ref_area"], stocks["counterpart_area"], strict=True)]
    stocks["agreements"] = [",".join(sorted(by_pair.get(k, []))) for k in keys]
    stocks["covered"] = stocks["agreements"] != ""
    total = float(stocks["stock"].sum())
    covered = float(stocks.loc[stocks["covered"], "stock"].sum())
    summary = {"year": year, "date": on.isoformat(), "branch": branch, "series": series,
               "datasets": sorted(stocks["dataset_id"].unique()), "stock_country_pairs": total,
               "stock_covered": covered, "share_covered": covered / total if total else None,
               "stock_left_out": stocks.attrs.get("left_out_stock"),
               "agreements_in_registry": len(agreements), "pairs_covered": len(by_pair),
               "note": "lower bound: only the agreements in the registry; the UN report's 'about 20%' "
                       "(around 2000) is a plausibility reference, not a target"}
    return stocks, summary
