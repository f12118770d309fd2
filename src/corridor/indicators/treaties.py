"""Ratification of treaties on the rights of migrants, by state and by migration role.

Reads ``TREATY_STATUS`` and ``TREATY_RATIFIED`` (written by the ``un-treaty-status`` layout from the UN
Treaty Collection's status tables) and, for the role of each state, the UN World Population Prospects
net migration (``NET_MIG``, series ``wpp-net-migration``, annual, thousands): a state is a *net
immigration* country when its net migration summed over the role years is above zero, *net
emigration* when below, and its role is unknown (said so, never guessed) without WPP figures. The
years and the WPP vintage travel with the result.

Indicator ``treaty_icmw_party`` of the registry (docs/indicators.md); the UN Migration and Development
Series notes the ICMW "ratified by only 34 States so far" (2006-2008); the table here counts parties
among UN member states only (its README).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import area_name
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

STATUS = {2.0: "state party", 1.0: "signatory", 0.0: "no action"}
ROLE_SERIES = "wpp-net-migration"
DEFAULT_ROLE_YEARS = (2012, 2021)


@dataclass(frozen=True)
class Ratifications:
    """Per state: status, year of ratification or accession, role; with where each came from."""

    treaty: str
    status_year: str
    states: pd.DataFrame
    role_years: tuple[int, int]
    role_source: str

    def parties_by_year(self) -> pd.Series:
        """Number of state parties at the end of each year (cumulative), from the first ratification."""
        years = self.states["year"].dropna().astype(int)
        if years.empty:
            return pd.Series(dtype=int)
        counts = years.value_counts().reindex(range(years.min(), int(self.status_year) + 1), fill_value=0)
        return counts.sort_index().cumsum()

    def by_role(self) -> pd.DataFrame:
        """Counts of states by role (rows) and status (columns), with totals."""
        table = pd.crosstab(self.states["role"], self.states["status"], margins=True, margins_name="all")
        return table.reindex(columns=[*STATUS.values(), "all"], fill_value=0)


def ratifications(wh: Warehouse, treaty: str = "ICMW", *, role_years: tuple[int, int] = DEFAULT_ROLE_YEARS,
                  access: tuple[str, ...] | None = None) -> Ratifications:
    """The status of ``treaty`` for every state in the warehouse's latest table, with roles.

    ``access``: the access levels the reader may see (``None``: every level, for the command line run
    by an operator; the portal passes ``("public",)``)."""
    status = wh.select(Selection.of("TREATY_STATUS", access=access, topic=treaty))
    if status.empty:
        raise InputError(f"the warehouse has no TREATY_STATUS for {treaty}; ingest a treaty status table "
                         "(corridor ingest treaty-status-icmw, or a file in the un-treaty-status layout)",
                         file=str(wh.path))
    status_year = max(status["time_period"])
    status = status[status["time_period"] == status_year]
    ratified = wh.select(Selection.of("TREATY_RATIFIED", access=access, topic=treaty,
                                      dataset_ids=sorted(set(status["dataset_id"]))))
    years = dict(zip(ratified["ref_area"], ratified["time_period"].astype(int), strict=True))
    net = wh.select(Selection.of("NET_MIG", access=access, series=ROLE_SERIES, start_year=role_years[0],
                                 end_year=role_years[1]))
    net = net[net["value"].notna()]
    sums = net.groupby("ref_area")["value"].sum()
    spans = net.groupby("ref_area")["time_period"].nunique()
    complete = spans[spans == role_years[1] - role_years[0] + 1].index
    sums = sums[sums.index.isin(complete)]
    states = pd.DataFrame({
        "ref_area": status["ref_area"].to_numpy(),
        "name": [area_name(a) for a in status["ref_area"]],
        "status": status["value"].map(STATUS).to_numpy(),
        "year": status["ref_area"].map(years).astype("Int64").to_numpy(),
        "net_migration_thousands": status["ref_area"].map(sums).to_numpy(),
        "dataset_id": status["dataset_id"].to_numpy(),
    })
    states["role"] = states["net_migration_thousands"].map(
        lambda v: "unknown" if v != v else ("net immigration" if v > 0 else "net emigration"))
    vintages = ", ".join(sorted(set(net["vintage"]))) or "none"
    source = (f"UN WPP net migration (series {ROLE_SERIES}, vintage {vintages}), summed over "
              f"{role_years[0]}-{role_years[1]}; 'unknown' where a year is missing")
    return Ratifications(treaty, status_year, states.sort_values("name").reset_index(drop=True), role_years,
                         source)
