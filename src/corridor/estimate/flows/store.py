"""The warehouse side of flow estimation: inputs read from it, estimates written back with provenance.

**Inputs are chosen by series and vintage rule, never by release id.** Flow estimation reads three
series of the release catalogue (``src/corridor/sources/releases.yaml``), each with the warehouse's
rule -- for every observation key, the latest vintage of the series wins -- so that ingesting a newer
edition makes it the default input:

* ``undesa-ims`` (UN DESA International Migrant Stock), dataflow ``MIG_STOCK``, in two roles that are
  told apart by the ``counterpart_area`` dimension, not by release:

  - the **stock matrix** is the rows *with a place of birth* (``counterpart_area`` not ``_T``;
    ref_area = residence, counterpart_area = birthplace), both sexes. In the catalogue only the 2019
    origin-destination table (``undesa-ims-2019-od``: 1990, 1995, ..., 2015, 2019; 2020 is
    extrapolated and flagged) has them; the 2020 edition by sex and destination has no origin detail
    and so never enters the matrix;
  - the **share of men** among the foreign-born of each destination (flows by sex only) is the rows
    *without* a place of birth (``counterpart_area = _T``) by sex: per key the latest edition, i.e.
    the 2020 table by sex and destination for 1990-2020, and the 2019 totals where the 2020 table
    has no such key (the year 2019, and areas it does not list).

* ``wpp-population``: dataflow ``POP``, totals over age, by sex (thousands; read with ``scaled=True``);
* ``wpp-births-deaths``: dataflows ``BIRTHS`` and ``DEATHS``, annual.

A **vintage choice** (``vintage``: the store's ``as_of`` forms, ``series:vintage`` such as
``undesa-ims:2019``, a release id or a dataset id; ``--vintage`` on the command line) pins the series
it belongs to: that series is then read only from the datasets it names (the rule still applies among
them); the other series keep their latest vintage. Every estimate lists, in its dataset's ``inputs``,
the exact dataset ids its numbers came from.

Outputs: one dataset per method, period and sex, dataflow ``MIG_FLOW``: ``counterpart_area`` = origin,
``ref_area`` = destination, ``birthplace`` = ``_T`` or the place of birth (flows by birthplace),
``time_period`` = ``2010-2015``, ``method`` = the method id, ``lower``/``upper`` with the ``interval``
sentence (the calibrated prediction interval, :mod:`corridor.estimate.flows.intervals`), ``margin_error``,
``obs_status = E`` (``U`` when the estimate is flagged: ill-posed input kept, IPF not converged). The
dataset records the input dataset ids, the method, its parameters and
the code version; the same estimate written twice is a no-op (same sha256).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.intervals import FlowInterval, flow_interval
from corridor.estimate.flows.methods import METHODS, estimate_many
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.stocks import StockSource, split_by_sex
from corridor.estimate.flows.validate import validate_tables
from corridor.estimate.flows.warehouse_reads import stock_matrix, vital_years

#: The series flow estimation reads (ids of ``src/corridor/sources/releases.yaml``), by role.
STOCK_SERIES = "undesa-ims"
POPULATION_SERIES = "wpp-population"
VITAL_SERIES = "wpp-births-deaths"
INPUT_SERIES = (STOCK_SERIES, POPULATION_SERIES, VITAL_SERIES)
PERIODS = [(1990, 1995), (1995, 2000), (2000, 2005), (2005, 2010), (2010, 2015), (2015, 2020)]
LAYOUT = "corridor-flows"
#: The only columns the estimation needs (a read of every column costs several times the memory).
READ_COLUMNS = ("dataset_id", "dataflow", "ref_area", "counterpart_area", "sex", "time_period", "value")


@dataclass(frozen=True)
class EstimateLabel:
    """How an estimate's dataset is named and credited: the default (UN DESA IMS and WPP) or, for flows from a
    user's own stocks (:mod:`~corridor.estimate.flows.user_stocks`), a series of their own, so the vintage rule
    never lets them stand in for the default estimates. Fields are formatted with ``method``, ``period``,
    ``sex`` and ``description``."""

    series: str = "corridor-flows-{method}"
    dataset_id: str = "est:flows:{method}:{period}:{sex}"
    licence: str = "CC-BY-3.0-IGO (derived from UN DESA IMS and WPP inputs under that licence)"
    title: str = "Bilateral migration flows {period} ({description})"
    #: a sentence naming the inputs, put first in the dataset's notes
    note: str | None = None


DEFAULT_LABEL = EstimateLabel()


def _area_year(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"area": frame.ref_area.to_numpy(), "year": frame.time_period.str[:4].astype(int),
                         "value": frame.value.to_numpy(dtype=float)})


@dataclass
class WarehouseInputs:
    """Frames for :class:`~corridor.estimate.flows.stocks.StockSource`, by sex, and their dataset ids."""

    frames: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]]
    inputs: dict[str, list[str]]


def vintage_pins(wh, vintage: Sequence[str] = ()) -> dict[str, list[str]]:
    """The datasets each pinned series is read from: ``vintage`` holds ``as_of`` forms (``series:vintage``,
    a release id or a dataset id), each of which must name datasets of a series flows read."""
    pins: dict[str, list[str]] = {}
    if not vintage:
        return pins
    series_of = wh.datasets().set_index("dataset_id")["series"].to_dict()
    for text in vintage:
        for dataset_id in wh.resolve_as_of(text):
            series = series_of[dataset_id]
            if series not in INPUT_SERIES:
                raise InputError(f"vintage {text!r} names {dataset_id} of series {series}; flows read the series "
                                 f"{', '.join(INPUT_SERIES)}", column="--vintage")
            pins.setdefault(series, []).append(dataset_id)
    return pins


def _missing(what: str, series: str, pins: dict[str, list[str]], hint: str) -> InputError:
    chosen = f" among the chosen vintage ({', '.join(pins[series])})" if series in pins else ""
    return InputError(f"the warehouse has no {what} in series {series}{chosen} (run: corridor ingest {hint})")


def read_inputs(wh, sexes: Sequence[str] = ("_T",), *, vintage: Sequence[str] = (),
                periods: Sequence[tuple[int, int]] | None = None) -> WarehouseInputs:
    """Read stocks, population, births and deaths from the warehouse (``wh``: an open Warehouse) for the
    ``sexes`` and ``periods`` asked (``None``: every period the data hold), each input once, by the vintage
    rule or the ``vintage`` choice (see the module docstring). Only the rows and columns used are read
    (:mod:`~corridor.estimate.flows.warehouse_reads`): the stock matrix a reference year at a time and only
    at the years the periods use, the totals by sex and population by sex only for flows by sex."""
    from corridor.reference.areas import area_table

    pins = vintage_pins(wh, vintage)
    by_sex = any(s != "_T" for s in sexes)

    def read(dataflow: str | list[str], series: str, **filters) -> pd.DataFrame:
        sel = wh.observation_selection(dataflow, series=series, dataset_id=pins.get(series), **filters)
        return wh.frame(sel, scaled=True, columns=READ_COLUMNS)

    countries = set(area_table().query("kind == 'country'").index)
    dates = None if periods is None else sorted({d for p in periods for d in p})
    stocks = stock_matrix(wh, STOCK_SERIES, pins.get(STOCK_SERIES), dates, countries)
    if stocks.empty:
        raise _missing("migrant stock by place of birth", STOCK_SERIES, pins, "undesa-ims-2019-od")
    stock_ids = set(stocks.pop("dataset_id").unique())
    pop = read("POP", POPULATION_SERIES, age="_T", sex=["_T", "M", "F"] if by_sex else "_T")
    vital = read(["BIRTHS", "DEATHS"], VITAL_SERIES, sex="_T", age="_T", **vital_years(periods))
    if pop.empty:
        raise _missing("population (POP)", POPULATION_SERIES, pins, "wpp2019-population")
    if vital.empty:
        raise _missing("births and deaths", VITAL_SERIES, pins, "wpp2024-births-deaths")
    births = _area_year(vital[vital.dataflow == "BIRTHS"])
    deaths = _area_year(vital[vital.dataflow == "DEATHS"])
    pop_by_sex = {s: pop[pop.sex == s] for s in (("_T", "M", "F") if by_sex else ("_T",))}
    both = (stocks, _area_year(pop_by_sex["_T"]), births, deaths)
    base = stock_ids | set(vital.dataset_id.unique())
    frames: dict[str, tuple] = {}
    inputs: dict[str, list[str]] = {}
    totals = read("MIG_STOCK", STOCK_SERIES, age="_T", counterpart_area="_T") if by_sex else None
    for sex in sexes:
        if sex == "_T":
            frames[sex], inputs[sex] = both, sorted(base | set(pop_by_sex["_T"].dataset_id))
            continue
        wide = totals.pivot_table(index=["ref_area", "time_period"], columns="sex", values="value",
                                  aggfunc="first").reset_index()
        if "M" not in wide.columns or "_T" not in wide.columns:
            raise _missing("migrant stock by sex and destination", STOCK_SERIES, pins,
                           "undesa-ims-2020-sex-destination")
        wide = wide[(wide["_T"] > 0) & wide["M"].notna()]
        share = pd.DataFrame({"area": wide.ref_area, "year": wide.time_period.astype(int),
                              "share": wide["M"] / wide["_T"]})
        used = totals[totals.sex.isin(["_T", "M"])]
        frames[sex] = split_by_sex(both, share, {s: _area_year(f) for s, f in pop_by_sex.items()}, sex)
        inputs[sex] = sorted(base | set(used.dataset_id) | set(pop_by_sex["M"].dataset_id)
                             | set(pop_by_sex["F"].dataset_id))
    return WarehouseInputs(frames, inputs)


def observations_frame(result: FlowResult, iv: FlowInterval, *, period: tuple[int, int], sex: str,
                       by_birthplace: bool = False) -> pd.DataFrame:
    """``MIG_FLOW`` observations (origin x destination totals; flows by birthplace if asked), each with the
    calibrated interval and its sentence (:mod:`~corridor.estimate.flows.intervals`), the estimate's
    ``margin_error`` and ``obs_status`` ``E`` -- or ``U`` (low reliability) when the estimate is flagged
    (``result.status``: ill-posed input kept, IPF not converged)."""
    n = len(result.areas)
    labels = pd.array(list(result.areas), dtype="str")  # codes taken by position: no string is rebuilt
    o, d = np.nonzero(~np.eye(n, dtype=bool))
    parts = [pd.DataFrame({"counterpart_area": labels.take(o), "ref_area": labels.take(d), "birthplace": "_T",
                           "value": result.od[o, d], "lower": iv.lower[o, d], "upper": iv.upper[o, d],
                           "interval": _shared_text(iv.text[o, d])})]
    if by_birthplace:
        parts.append(pd.DataFrame({
            "counterpart_area": labels.take(result.bp_origin), "ref_area": labels.take(result.bp_destination),
            "birthplace": labels.take(result.bp_birthplace), "value": result.bp_flow,
            "lower": iv.bp_lower, "upper": iv.bp_upper, "interval": _shared_text(iv.bp_text),
        }))
    obs = pd.concat(parts, ignore_index=True)
    return obs.assign(dataflow="MIG_FLOW", sex=sex, age="_T", time_period=f"{period[0]}-{period[1]}",
                      obs_status="E" if result.status == "ok" else "U", conf_status="F", unit_measure="PS",
                      unit_mult=0, method=result.method, margin_error=result.margin_error)


def _shared_text(text: np.ndarray) -> pd.Categorical:
    """A column of a few distinct sentences (the interval's, one per cell) as a categorical: each sentence
    stored once, not once per cell (as strings the column held 13 MB per estimate; the warehouse stores the
    text, and the dataset's hash is the same as for the strings). The cells share a few string objects, so
    they are told apart by identity first (hashing 40k long strings cost 50 ms per estimate)."""
    ids = np.fromiter(map(id, text), dtype=np.int64, count=text.size)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    values = [text[i] for i in first]
    categories = list(dict.fromkeys(values))  # equal sentences held by different objects: one category
    codes = np.array([categories.index(v) for v in values], dtype=np.int32)[inverse]
    return pd.Categorical.from_codes(codes, pd.Index(categories, dtype="str"))


def write_estimate(wh, result: FlowResult, obs: pd.DataFrame, *, period: tuple[int, int], sex: str,
                   inputs: list[str], notes: list[str], label: EstimateLabel = DEFAULT_LABEL) -> str:
    """Write one estimate as a dataset (atomic; the same content twice is a no-op), named by ``label``."""
    from corridor import __version__
    from corridor.store.warehouse import DatasetMeta

    params = {k: v for k, v in result.parameters.items() if k != "pb_weight_independence"}
    params["warnings"] = len(result.warnings)
    params["status"] = result.status
    params["adjustments"] = result.adjustments
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(obs, index=False).to_numpy().tobytes())
    digest.update(json.dumps([params, inputs, __version__], sort_keys=True, default=str).encode())
    sha = digest.hexdigest()
    names = {"method": result.method, "period": f"{period[0]}-{period[1]}", "sex": sex,
             "description": METHODS[result.method].description}
    dataset_id = f"{label.dataset_id.format(**names)}@{sha[:12]}"
    meta = DatasetMeta(
        dataset_id=dataset_id, series=label.series.format(**names),
        vintage=datetime.now(UTC).strftime("%Y%m%dT%H%M%S"), layout=LAYOUT,
        publisher="corridor", concept="migration_transition",
        licence=label.licence.format(**names), title=label.title.format(**names),
        sha256=sha, reference_dates=f"{period[0]}-{period[1]} (mid-year to mid-year)", kind="estimate",
        method=result.method, parameters=params, inputs=list(inputs),
        notes="; ".join(([label.note] if label.note else []) + notes + result.flags + result.warnings)[:4000]
        or None,
    )
    return wh.write_dataset(meta, obs)


def estimate_into_warehouse(wh, *, methods: list[str], periods: list[tuple[int, int]], sexes: list[str],
                            by_birthplace: bool = False,
                            vintage: Sequence[str] = (), source_inputs: WarehouseInputs | None = None,
                            on_estimate: Callable[[dict], None] | None = None,
                            keep_flagged: bool = True, label: EstimateLabel = DEFAULT_LABEL) -> list[dict]:
    """Estimate every (method, period, sex) the data allow and write each as a dataset.

    The inputs are read once (:func:`read_inputs`, with the ``vintage`` choice); for each sex and period
    the stock tables are prepared once and the methods share their demographic preparation
    (:func:`~corridor.estimate.flows.methods.estimate_many`); each estimate gets the calibrated interval
    (:func:`~corridor.estimate.flows.intervals.flow_interval`). The methods of one sex and period are written
    in one transaction (:meth:`~corridor.store.warehouse.Warehouse.batch`: one commit, not one per method; they
    land together or not at all), then checkpointed. An ill-posed period is an error unless ``keep_flagged``
    (then written with its status). Returns one record per estimate (dataset id, total, status, margin error,
    how the stocks were obtained); ``on_estimate`` is called with each as it is written (committed with its
    period's batch). ``label`` names the datasets (:class:`EstimateLabel`; flows from a user's stocks have
    their own)."""
    data = source_inputs or read_inputs(wh, tuple(sexes), vintage=vintage, periods=periods)
    done = []
    jobs = []
    for sex in sexes:
        source = StockSource(*data.frames[sex], inputs=data.inputs[sex])
        jobs += [(sex, period, source.tables(period)) for period in periods]
    for _, _, prepared in jobs:  # every input checked before anything is written
        validate_tables(prepared.tables, allow_ill_posed=keep_flagged)
    for sex, period, prepared in jobs:
        results = estimate_many(prepared.tables, methods, allow_ill_posed=keep_flagged)
        # the methods of one period and sex land together or not at all, in one commit, followed by a
        # checkpoint: without it the warehouse's close merged all 126 estimates at once, at 1.8 GB (1.0 GB
        # with it, for 0.6 s more CPU; corridor.store.batch)
        with wh.batch(checkpoint=True):
            for method in methods:
                result = results[method]
                iv = flow_interval(prepared.tables, result, by_birthplace=by_birthplace)
                obs = observations_frame(result, iv, period=period, sex=sex, by_birthplace=by_birthplace)
                dataset_id = write_estimate(wh, result, obs, period=period, sex=sex, inputs=data.inputs[sex],
                                            notes=prepared.notes, label=label)
                record = {"dataset_id": dataset_id, "method": method, "period": f"{period[0]}-{period[1]}",
                          "sex": sex, "total": result.total, "how": prepared.how, "warnings": result.warnings,
                          "inputs": data.inputs[sex], "status": result.status, "flags": result.flags,
                          "margin_error": result.margin_error}
                done.append(record)
                if on_estimate is not None:
                    on_estimate(record)
    return done
