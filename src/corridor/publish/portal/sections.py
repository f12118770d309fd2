"""The country profile's sections: a registry that lets a new panel plug into the page without touching it.

:data:`COUNTRY_SECTIONS` — the panels of the country profile, in order. Each has a ``build`` function
``(warehouse, m49) -> dict | None`` and a template under ``templates/sections/``. ``None`` hides the
panel, or shows ``empty_message`` when the panel should say that nothing is loaded (estimated flows:
"no flow estimates are loaded" is information).

To add a panel: write ``build`` (use :mod:`.queries`), a template, and call :func:`register_section`
(built-in panels go through the same function). How a dataflow reads on a page (title, value title,
unit, description, direction) is the dataflow registry's ``view`` (:func:`view_of`), owned by
:mod:`corridor.reference.dataflows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corridor.microdata.compliance import census_round
from corridor.reference.codes import codes
from corridor.reference.dataflows import View, dataflow
from corridor.store.warehouse import Warehouse

from . import charts
from .areas import area_name
from .queries import catalogue
from .queries import country as queries
from .queries import flows as flow_queries
from .queries.catalogue import ASYLUM_SEEKERS, MIG_FLOW, REFUGEES, REMIT, REMIT_COST


def view_of(flow: str) -> View:
    """How ``flow`` reads on a page: its registered view (an unregistered id is an InputError)."""
    return dataflow(flow).view


@dataclass(frozen=True)
class CountrySection:
    """One panel of the country profile."""

    id: str
    title: str
    template: str
    build: Callable[..., dict[str, Any] | None]
    empty_message: str | None = None
    #: query-string parameters the panel reads (passed to ``build`` as keyword arguments, ``None`` if absent)
    options: tuple[str, ...] = ()


COUNTRY_SECTIONS: list[CountrySection] = []


def register_section(section: CountrySection, *, before: str | None = None) -> CountrySection:
    """Add a country panel (at the end, or before the panel with id ``before``)."""
    ids = [s.id for s in COUNTRY_SECTIONS]
    if section.id in ids:
        COUNTRY_SECTIONS[ids.index(section.id)] = section
    elif before in ids:
        COUNTRY_SECTIONS.insert(ids.index(before), section)
    else:
        COUNTRY_SECTIONS.append(section)
    return section


def _records(frame, extra=()):
    return charts.records(frame, ["time_period", "value", "lower", "upper", "interval", "obs_status",
                                  "dataset_id", "series_label", *extra])


def _missing(frame) -> list[dict[str, Any]]:
    gone = frame[frame["value"].isna()]
    return charts.records(gone, ["time_period", "obs_status", "dataset_id", "series_label"])


def build_stocks(wh: Warehouse, m49: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for direction, label in (("immigrants", f"Immigrants living in {area_name(m49)}"),
                             ("emigrants", f"Emigrants born in {area_name(m49)}, living abroad")):
        frame, withdrawn = catalogue.split_withdrawn(wh, queries.stock_totals(wh, m49, direction))
        if frame.empty:
            out[direction] = {"title": label, "withdrawn": withdrawn, "spec": None, "missing": [], "datasets": [],
                              "latest": None, "has_interval": True} if withdrawn else None
            continue
        out[direction] = {
            "withdrawn": withdrawn,
            "title": label,
            "spec": charts.time_series(_records(frame), y_title="Persons", width=440),
            "missing": _missing(frame),
            "datasets": catalogue.datasets(wh, sorted(frame["dataset_id"].unique())),
            "latest": frame.dropna(subset=["value"]).sort_values(["time_period", "vintage"]).iloc[-1].to_dict()
            if frame["value"].notna().any() else None,
            "has_interval": bool(frame["lower"].notna().any()),
        }
    return out if any(out.values()) else None


def build_partners(wh: Warehouse, m49: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for direction, label in (("origins", "Top countries of origin of immigrants"),
                             ("destinations", "Top countries of destination of emigrants")):
        frame, period = queries.top_partners(wh, m49, direction)
        if frame.empty:
            out[direction] = None
            continue
        rows = charts.records(frame, ["name", "value", "obs_status", "dataset_id", "m49"])
        for row in rows:
            row["href"] = (f"/corridor/{row['m49']}/{m49}" if direction == "origins"
                           else f"/corridor/{m49}/{row['m49']}")
        out[direction] = {"title": f"{label}, {period}", "rows": rows, "period": period,
                          "spec": charts.ranked_bars([dict(r) for r in rows], x_title="Persons", width=360),
                          "datasets": catalogue.datasets(wh, sorted(frame["dataset_id"].unique()))}
    return out if any(out.values()) else None


def _bilateral_totals(flow: str, in_label: str, from_label: str):
    def build(wh: Warehouse, m49: str) -> dict[str, Any] | None:
        frame = queries.partner_totals(wh, flow, m49)
        if frame.empty:
            return None
        frame = frame.copy()
        frame["series_label"] = frame["side"].map({"in": in_label, "from": from_label}) + " · " + frame["dataset_id"]
        frame = frame.sort_values(["series_label", "time_period"])
        latest = {side: grp.dropna(subset=["value"]).sort_values("time_period").iloc[-1].to_dict()
                  for side, grp in frame.groupby("side") if grp["value"].notna().any()}
        single = frame["time_period"].nunique() == 1  # one period: the figures say it; a chart would not
        spec = None if single else charts.time_series(_records(frame), y_title=view_of(flow).value_title,
                                                      width=760, height=240)
        return {"spec": spec, "gaps": charts.gap_periods(spec),
                "latest": latest, "missing": _missing(frame), "in_label": in_label, "from_label": from_label,
                "unit": dataflow(flow).units[0],
                "datasets": catalogue.datasets(wh, sorted(frame["dataset_id"].unique()))}
    return build


def build_flows(wh: Warehouse, m49: str, flow_period: str | None = None,
                flow_method: str | None = None) -> dict[str, Any] | None:
    """The estimated flows panel: period and method chosen by rule (:mod:`.queries.flows`), switchable."""
    flows = flow_queries.flows_for(wh, m49, period=flow_period, method=flow_method)
    if flows is None:
        return None
    chord = charts.chord(flows["names"], flows["matrix"], period=flows["period"], dataset_id=flows["dataset_id"],
                         title=f"Estimated flows, {flows['period']}, {flows['method']}")
    return {**flows, "chord": chord, "rows": flows["rows"][:12], "m49": m49,
            "datasets": catalogue.datasets(wh, [flows["dataset_id"]])}


def build_remittance_costs(wh: Warehouse, m49: str) -> dict[str, Any] | None:
    frame = queries.remittance_costs(wh, m49)
    if frame.empty:
        return None
    frame["series_label"] = frame["corridor"]
    return {"spec": charts.time_series(_records(frame), y_title="Average total cost, % of US$200", width=760,
                                       height=260, rule=charts.SDG_REMITTANCE_COST_TARGET,
                                       rule_label="SDG 10.c target: 3%"),
            "missing": len(frame[frame["value"].isna()]), "corridors": sorted(frame["corridor"].unique()),
            "datasets": catalogue.datasets(wh, sorted(frame["dataset_id"].unique()))}


def core_questions() -> dict[str, str]:
    """The five core census questions on international migration (UN Principles and Recommendations for
    Population and Housing Censuses, Rev. 2) by letter: the ``CORE_TOPIC`` codelist without its total."""
    return {code: label for code, label in codes("CORE_TOPIC").items() if code != "_T"}


def build_census(wh: Warehouse, m49: str) -> dict[str, Any] | None:
    """One row per recorded census (or survey, register) of the country: which core questions it answers.

    Reads the dataflow ``CENSUS_QUESTION`` (value 1 answered, 0 not; ``basis`` the variable answering it;
    ``time_period`` the reference year; the dataset's ``kind``). A question a source has no observation
    for reads "not recorded".
    """
    frame = queries.census_answers(wh, m49)
    if frame.empty:
        return None
    questions = core_questions()
    rows = []
    for (dataset_id, year, kind), group in frame.groupby(["dataset_id", "time_period", "kind"], sort=True,
                                                         dropna=False):
        answers = {topic: (value == 1, basis if value == 1 else None)
                   for topic, value, basis in zip(group["topic"], group["value"], group["basis"], strict=True)}
        rows.append({"dataset_id": dataset_id, "reference_year": year, "census_round": census_round(int(year[:4])),
                     "kind": kind, "answers": [(letter, *answers.get(letter, (None, None))) for letter in questions]})
    return {"rows": rows, "questions": questions}


for _section in (
    CountrySection("stocks", "Migrant stock over time", "sections/stocks.html", build_stocks),
    CountrySection("partners", "Origins and destinations", "sections/partners.html", build_partners),
    CountrySection("refugees", "Refugees", "sections/bilateral.html",
                   _bilateral_totals(REFUGEES, "Refugees hosted", "Refugees from this country")),
    CountrySection("asylum", "Asylum seekers", "sections/bilateral.html",
                   _bilateral_totals(ASYLUM_SEEKERS, "Asylum seekers hosted", "Asylum seekers from this country")),
    CountrySection("flows", view_of(MIG_FLOW).title, "sections/flows.html", build_flows,
                   empty_message=f"No flow estimates (dataflow {MIG_FLOW}) are in the warehouse for this "
                                 "area. corridor estimates flows for the areas that have migrant stocks, "
                                 "population, births and deaths in every input release; an area missing from "
                                 "one of them has none. Published stocks are not flows.",
                   options=("flow_period", "flow_method")),
    CountrySection("remittances", "Remittances received and sent", "sections/bilateral.html",
                   _bilateral_totals(REMIT, "Remittances received", "Remittances sent")),
    CountrySection("remit_cost", view_of(REMIT_COST).title, "sections/remit_cost.html",
                   build_remittance_costs),
    CountrySection("census", "Core census questions asked", "sections/census.html", build_census),
):
    register_section(_section)
