"""Flows from a user's own stocks in the warehouse (``corridor flows estimate --period P --stocks DATASET``).

A statistical office ingests its own origin-destination stock table (``corridor ingest FILE --mapping M``,
docs/adding-a-source.md; dataflow ``MIG_STOCK``, ``ref_area`` = residence, ``counterpart_area`` = place
of birth) and estimates flows from it with the same methods, preparation and calibrated interval as the
default path (:mod:`corridor.estimate.flows.store`); only the inputs differ:

* **stocks**: the rows of the user's dataset (``--stocks``: a dataset id, release id or ``series:vintage``)
  with a place of birth, both sexes, all ages. The *system of areas* is the dataset's places of residence
  that are countries, dissolved states or the user's registered areas (regions and groupings are left
  out, with a note). Birthplaces outside the system count as born outside it, as in the default path.
  Each end of a period must be a year of the dataset or lie between two of its years (interpolated,
  :func:`~corridor.estimate.flows.stocks.value_at`); stocks are never extrapolated from a user's table;
* **native-born**: WPP population minus every foreign-born of the area (the default path's rule,
  :mod:`corridor.estimate.flows.stocks` step 2), or the user's own counts (``--native-born DATASET``: its
  ``MIG_STOCK`` rows born in the area of residence, ``counterpart_area = ref_area``, at the stock years);
* **births and deaths**: WPP's annual figures (the catalogue's latest vintage, or the ``--vintage`` pin), or
  the user's datasets (``--births``/``--deaths DATASET``: dataflows ``BIRTHS``/``DEATHS``, annual).

**Areas must match.** Every area of the system must have population (or native-born), births and deaths;
a user dataset given for those must not hold areas the stocks lack. A mismatch is an
:class:`~corridor.errors.InputError` naming the datasets and the areas missing from each side, raised
before anything is written (the warehouse is unchanged).

The estimates are written as ``MIG_FLOW`` datasets of their own series
(``corridor-flows-<method>-from-<stock series>``, :class:`~corridor.estimate.flows.store.EstimateLabel`),
so they sit beside the default estimates and never replace them; their ``inputs`` list the user's stock
dataset and every WPP (or user) dataset used, and their notes name the stock dataset, its series and vintage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.store import (
    DEFAULT_LABEL,
    POPULATION_SERIES,
    READ_COLUMNS,
    STOCK_SERIES,
    VITAL_SERIES,
    EstimateLabel,
    WarehouseInputs,
    _area_year,
    estimate_into_warehouse,
    vintage_pins,
)

#: Area kinds that can be places of residence of the system (not regions or groupings).
SYSTEM_KINDS = ("country", "historical", "user")


@dataclass
class UserInputs:
    """What :func:`read_user_inputs` found: frames and ids for the estimation, the label of its datasets."""

    inputs: WarehouseInputs
    label: EstimateLabel
    areas: list[str]


def _datasets(wh, text: str, option: str) -> list[dict]:
    """The datasets ``text`` names (dataset id, release id or ``series:vintage``), withdrawn ones refused."""
    try:
        ids = wh.resolve_as_of(text)
    except InputError as exc:
        raise InputError(f"{option} {text!r}: {exc.reason}", column=option) from None
    records = [wh.dataset(i) for i in ids]
    withdrawn = [r["dataset_id"] for r in records if r.get("withdrawn_at") is not None and
                 not pd.isna(r.get("withdrawn_at"))]
    if withdrawn:
        raise InputError(f"{option} {text!r}: dataset {', '.join(withdrawn)} was withdrawn", column=option)
    return records


def _literal(text: str) -> str:
    """``text`` inside an :class:`EstimateLabel` template (formatted later): braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _years(frame: pd.DataFrame) -> list[int]:
    return sorted({int(str(p)[:4]) for p in frame.time_period.unique()})


def check_periods(years: Sequence[int], periods: Sequence[tuple[int, int]], name: str) -> None:
    """Each end of each period observed in ``years`` or between two of them (no extrapolation)."""
    for t0, t1 in periods:
        outside = [t for t in (t0, t1) if t not in years and not (years and years[0] < t < years[-1])]
        if outside:
            raise InputError(f"stocks dataset {name} has no stocks for {', '.join(map(str, outside))} "
                             f"(period {t0}-{t1}): its years are {', '.join(map(str, years)) or 'none'}; each end of "
                             "the period must be one of them or lie between two (user stocks are not extrapolated)",
                             column="--period")


def _mismatch(system: set[str], stock_name: str, sides: dict[str, tuple[set[str], bool]]) -> None:
    """Raise naming the areas missing from each side: ``sides`` maps an input's name to its areas and
    whether it is the user's (then areas it has beyond the stocks' are an error too)."""
    problems = []
    for name, (areas, own) in sides.items():
        lacking = sorted(system - areas, key=lambda a: (len(a), a))
        if lacking:
            problems.append(f"{len(lacking)} area(s) of stocks {stock_name} missing from {name}: "
                            f"{', '.join(lacking[:20])}{' ...' if len(lacking) > 20 else ''}")
        extra = sorted(areas - system, key=lambda a: (len(a), a)) if own else []
        if extra:
            problems.append(f"{len(extra)} area(s) of {name} missing from stocks {stock_name}: "
                            f"{', '.join(extra[:20])}{' ...' if len(extra) > 20 else ''}")
    if problems:
        raise InputError("areas do not match (nothing written): " + "; ".join(problems), column="--stocks")


def read_user_inputs(wh, stocks: str, *, periods: Sequence[tuple[int, int]], native_born: str | None = None,
                     births: str | None = None, deaths: str | None = None,
                     vintage: Sequence[str] = ()) -> UserInputs:
    """Read the user's stocks and the other inputs (see the module docstring); check areas and periods."""
    from corridor.reference.areas import area_table

    pins = vintage_pins(wh, vintage)
    if STOCK_SERIES in pins:
        raise InputError(f"--vintage pins {STOCK_SERIES}, whose stocks --stocks replaces: pin the user's dataset with "
                         "--stocks itself (dataset id or series:vintage)", column="--vintage")
    kinds = area_table()["kind"].astype(str).to_dict()
    stock_sets = _datasets(wh, stocks, "--stocks")
    stock_ids = [r["dataset_id"] for r in stock_sets]
    name = ", ".join(stock_ids)
    obs = wh.observations("MIG_STOCK", dataset_id=stock_ids, scaled=True, columns=READ_COLUMNS, age="_T", sex="_T")
    matrix = obs[(obs.counterpart_area != "_T") & (obs.ref_area != obs.counterpart_area)]
    kind = matrix.ref_area.map(kinds)
    dropped = sorted(set(matrix.ref_area[~kind.isin(SYSTEM_KINDS)]))
    matrix = matrix[kind.isin(SYSTEM_KINDS)]
    if matrix.empty:
        raise InputError(f"stocks dataset {name} has no MIG_STOCK rows by place of birth (both sexes, all ages) "
                         "in countries or registered areas", column="--stocks")
    years = _years(matrix)
    check_periods(years, periods, name)
    system = set(matrix.ref_area)
    stock_frame = pd.DataFrame({"birthplace": matrix.counterpart_area.to_numpy(),
                                "residence": matrix.ref_area.to_numpy(),
                                "year": matrix.time_period.str[:4].astype(int).to_numpy(),
                                "value": matrix.value.to_numpy(dtype=float)})
    described = "; ".join(f"series {r['series']}, vintage {r['vintage']}: {r['title']}" for r in stock_sets)
    notes = [f"stocks: user dataset {name} ({described})"]
    if dropped:
        notes.append(f"regions and groupings of the stocks left out of the system: {', '.join(dropped[:20])}")
    used = set(stock_ids)
    sides: dict[str, tuple[set[str], bool]] = {}

    if native_born is not None:
        nb_sets = _datasets(wh, native_born, "--native-born")
        nb_ids = [r["dataset_id"] for r in nb_sets]
        nb = wh.observations("MIG_STOCK", dataset_id=nb_ids, scaled=True, columns=READ_COLUMNS, age="_T", sex="_T")
        nb = nb[(nb.ref_area == nb.counterpart_area) & nb.value.notna()]  # a missing count is no count
        nb_name = f"native-born {', '.join(nb_ids)}"
        sides[nb_name] = (set(nb.ref_area), True)
        _mismatch(system, name, sides)
        native = _area_year(nb)
        missing_years = sorted(set(years) - set(native.year))
        if missing_years:
            raise InputError(f"{nb_name} has no native-born for {', '.join(map(str, missing_years))}, years of stocks "
                             f"{name}", column="--native-born")
        # population = native-born + every foreign-born of the area, so that the diagonal the preparation
        # derives (population minus foreign-born) is the user's native-born count exactly
        foreign = stock_frame.groupby(["residence", "year"], as_index=False).value.sum().rename(
            columns={"residence": "area", "value": "foreign"})
        population = native.merge(foreign, on=["area", "year"], how="inner")
        population = pd.DataFrame({"area": population.area, "year": population.year,
                                   "value": population.value + population.foreign})
        used |= set(nb_ids)
        notes.append(f"native-born: user dataset {', '.join(nb_ids)}")
    else:
        pop = wh.observations("POP", series=POPULATION_SERIES, dataset_id=pins.get(POPULATION_SERIES), scaled=True,
                              columns=READ_COLUMNS, age="_T", sex="_T")
        sides[f"population ({', '.join(sorted(set(pop.dataset_id))) or POPULATION_SERIES})"] = (set(pop.ref_area),
                                                                                                 False)
        population = _area_year(pop)
        used |= set(pop.dataset_id)
        notes.append(f"native-born: WPP population minus foreign-born ({', '.join(sorted(set(pop.dataset_id)))})")

    vital: dict[str, pd.DataFrame] = {}
    for flow, option, given in (("BIRTHS", "--births", births), ("DEATHS", "--deaths", deaths)):
        if given is not None:
            ids = [r["dataset_id"] for r in _datasets(wh, given, option)]
            frame = wh.observations(flow, dataset_id=ids, scaled=True, columns=READ_COLUMNS, age="_T", sex="_T")
            sides[f"{flow.lower()} {', '.join(ids)}"] = (set(frame.ref_area), True)
            notes.append(f"{flow.lower()}: user dataset {', '.join(ids)}")
        else:
            frame = wh.observations(flow, series=VITAL_SERIES, dataset_id=pins.get(VITAL_SERIES), scaled=True,
                                    columns=READ_COLUMNS, age="_T", sex="_T")
            sides[f"{flow.lower()} ({', '.join(sorted(set(frame.dataset_id))) or VITAL_SERIES})"] = (
                set(frame.ref_area), False)
            notes.append(f"{flow.lower()}: WPP ({', '.join(sorted(set(frame.dataset_id)))})")
        vital[flow] = _area_year(frame)
        used |= set(frame.dataset_id)
    _mismatch(system, name, sides)

    areas = sorted(system, key=lambda a: (len(a), a))
    inputs = sorted(used)
    series = _literal(str(stock_sets[0]["series"]))
    licences = _literal("; ".join(dict.fromkeys(str(r["licence"]) for r in stock_sets)))
    label = EstimateLabel(
        series=f"{DEFAULT_LABEL.series}-from-{series}", dataset_id=f"{DEFAULT_LABEL.dataset_id}:from:{series}",
        licence=f"derived from the user's stocks ({licences}) and WPP inputs (CC-BY-3.0-IGO)",
        title=f"{DEFAULT_LABEL.title} from the user's stocks {_literal(name)}", note="; ".join(notes))
    frames = (stock_frame, population, vital["BIRTHS"], vital["DEATHS"])
    return UserInputs(WarehouseInputs({"_T": frames}, {"_T": inputs}), label, areas)


def estimate_from_user_stocks(wh, stocks: str, *, methods: list[str], periods: list[tuple[int, int]],
                              native_born: str | None = None, births: str | None = None, deaths: str | None = None,
                              vintage: Sequence[str] = (), by_birthplace: bool = False,
                              keep_flagged: bool = True) -> list[dict]:
    """Estimate flows from the user's stocks and write them (both sexes), as
    :func:`~corridor.estimate.flows.store.estimate_into_warehouse` does for the default inputs; every input
    and area is checked before the first write."""
    user = read_user_inputs(wh, stocks, periods=periods, native_born=native_born, births=births, deaths=deaths,
                            vintage=vintage)
    from corridor.estimate.flows.stocks import StockSource

    data = user.inputs
    source = StockSource(*data.frames["_T"], areas=user.areas, inputs=data.inputs["_T"])
    for period in periods:  # births/deaths for every year and population at both dates, before any write
        try:
            source.tables(period)
        except InputError as exc:
            raise InputError(f"flows from stocks {stocks} ({', '.join(data.inputs['_T'])}): {exc.reason}",
                             column="--period") from None
    return estimate_into_warehouse(wh, methods=methods, periods=periods, sexes=["_T"], by_birthplace=by_birthplace,
                                   source_inputs=data, keep_flagged=keep_flagged, label=user.label)
