"""The warehouse side of flow estimation: inputs read from it, estimates written back with provenance.

Inputs (catalogue releases, see ``src/corridor/sources/releases.yaml``):

* ``undesa-ims-2019-od``: dataflow ``MIG_STOCK`` (ref_area = residence, counterpart_area = birthplace),
  years 1990, 1995, ..., 2015, 2019 (2020 is extrapolated, flagged);
* ``wpp2019-population``: dataflow ``POP``, thousands (read with ``scaled=True``), totals over age;
* ``wpp2024-births-deaths``: dataflows ``BIRTHS`` and ``DEATHS``, annual, thousands;
* ``undesa-ims-2020-sex-destination``: ``MIG_STOCK`` by sex and destination, for the split by sex.

Outputs: one dataset per method, period and sex, dataflow ``MIG_FLOW``: ``counterpart_area`` = origin,
``ref_area`` = destination, ``birthplace`` = ``_T`` or the place of birth (flows by birthplace),
``time_period`` = ``2010-2015``, ``method`` = the method id, ``lower``/``upper`` with the ``interval``
text, ``obs_status = E``. The dataset records the input dataset ids, the method, its parameters and
the code version; the same estimate written twice is a no-op (same sha256).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.methods import METHODS, estimate
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.stocks import StockSource, split_by_sex
from corridor.estimate.flows.uncertainty import flow_interval

IMS_OD = "undesa-ims-2019-od"
WPP_POP = "wpp2019-population"
WPP_VITAL = "wpp2024-births-deaths"
IMS_SEX = "undesa-ims-2020-sex-destination"
PERIODS = [(1990, 1995), (1995, 2000), (2000, 2005), (2005, 2010), (2010, 2015), (2015, 2020)]
LAYOUT = "corridor-flows"


def _area_year(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"area": frame.ref_area.to_numpy(), "year": frame.time_period.str[:4].astype(int),
                         "value": frame.value.to_numpy(dtype=float)})


@dataclass
class WarehouseInputs:
    """Frames for :class:`~corridor.estimate.flows.stocks.StockSource`, by sex, and their dataset ids."""

    frames: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]]
    inputs: dict[str, list[str]]


def read_inputs(wh, sexes: tuple[str, ...] = ("_T",)) -> WarehouseInputs:
    """Read stocks, population, births and deaths from the warehouse (``wh``: an open Warehouse)."""
    from corridor.reference.areas import area_table

    stock = wh.observations("MIG_STOCK", as_of=IMS_OD, scaled=True)
    if stock.empty:
        raise InputError(f"the warehouse has no {IMS_OD} (run: corridor data ingest {IMS_OD})")
    kind = area_table().kind.to_dict()
    stock = stock[(stock.counterpart_area != "_T") & stock.ref_area.map(lambda a: kind.get(a) == "country")]
    stocks = pd.DataFrame({"birthplace": stock.counterpart_area.to_numpy(), "residence": stock.ref_area.to_numpy(),
                           "year": stock.time_period.astype(int).to_numpy(),
                           "value": stock.value.to_numpy(dtype=float)})
    pop = wh.observations("POP", as_of=WPP_POP, age="_T", scaled=True)
    vital = wh.observations(["BIRTHS", "DEATHS"], as_of=WPP_VITAL, scaled=True)
    if pop.empty or vital.empty:
        raise InputError(f"the warehouse lacks {WPP_POP} or {WPP_VITAL} (run: corridor data ingest ...)")
    births = _area_year(vital[vital.dataflow == "BIRTHS"])
    deaths = _area_year(vital[vital.dataflow == "DEATHS"])
    base_inputs = sorted(set(stock.dataset_id) | set(pop.dataset_id) | set(vital.dataset_id))
    pop_by_sex = {s: _area_year(pop[pop.sex == s]) for s in ("_T", "M", "F")}
    both = (stocks, pop_by_sex["_T"], births, deaths)
    frames: dict[str, tuple] = {}
    inputs: dict[str, list[str]] = {}
    for sex in sexes:
        if sex == "_T":
            frames[sex], inputs[sex] = both, base_inputs
            continue
        by_sex = wh.observations("MIG_STOCK", as_of=IMS_SEX, counterpart_area="_T", scaled=True)
        if by_sex.empty:
            raise InputError(f"flows by sex need {IMS_SEX} in the warehouse")
        wide = by_sex.pivot_table(index=["ref_area", "time_period"], columns="sex", values="value",
                                  aggfunc="first").reset_index()
        wide = wide[(wide["_T"] > 0) & wide["M"].notna()]
        share = pd.DataFrame({"area": wide.ref_area, "year": wide.time_period.astype(int),
                              "share": wide["M"] / wide["_T"]})
        frames[sex] = split_by_sex(both, share, pop_by_sex, sex)
        inputs[sex] = sorted(set(base_inputs) | set(by_sex.dataset_id))
    return WarehouseInputs(frames, inputs)


def observations_frame(result: FlowResult, *, period: tuple[int, int], sex: str, lower: np.ndarray,
                       upper: np.ndarray, interval: str, by_birthplace: bool = False,
                       bp_lower: np.ndarray | None = None, bp_upper: np.ndarray | None = None,
                       bp_interval: str | None = None) -> pd.DataFrame:
    """``MIG_FLOW`` observations (origin x destination totals; flows by birthplace if asked)."""
    n = len(result.areas)
    labels = np.asarray(result.areas, dtype=object)
    o, d = np.nonzero(~np.eye(n, dtype=bool))
    parts = [pd.DataFrame({"counterpart_area": labels[o], "ref_area": labels[d], "birthplace": "_T",
                           "value": result.od[o, d], "lower": lower[o, d], "upper": upper[o, d],
                           "interval": interval})]
    if by_birthplace:
        frame = result.birthplace_frame()
        parts.append(pd.DataFrame({
            "counterpart_area": frame.origin.to_numpy(), "ref_area": frame.destination.to_numpy(),
            "birthplace": frame.birthplace.to_numpy(), "value": frame.flow.to_numpy(),
            "lower": bp_lower if bp_lower is not None else np.nan,
            "upper": bp_upper if bp_upper is not None else np.nan,
            "interval": bp_interval or interval,
        }))
    obs = pd.concat(parts, ignore_index=True)
    return obs.assign(dataflow="MIG_FLOW", sex=sex, age="_T", time_period=f"{period[0]}-{period[1]}",
                      obs_status="E", conf_status="F", unit_measure="PS", unit_mult=0,
                      method=result.method)


def write_estimate(wh, result: FlowResult, obs: pd.DataFrame, *, period: tuple[int, int], sex: str,
                   inputs: list[str], notes: list[str]) -> str:
    """Write one estimate as a dataset (atomic; the same content twice is a no-op)."""
    from corridor import __version__
    from corridor.store.warehouse import DatasetMeta

    params = {k: v for k, v in result.parameters.items() if k != "pb_weight_independence"}
    params["warnings"] = len(result.warnings)
    params["adjustments"] = result.adjustments
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(obs, index=False).to_numpy().tobytes())
    digest.update(json.dumps([params, inputs, __version__], sort_keys=True, default=str).encode())
    sha = digest.hexdigest()
    dataset_id = f"est:flows:{result.method}:{period[0]}-{period[1]}:{sex}@{sha[:12]}"
    meta = DatasetMeta(
        dataset_id=dataset_id, series=f"corridor-flows-{result.method}",
        vintage=datetime.now(UTC).strftime("%Y%m%dT%H%M%S"), layout=LAYOUT,
        publisher="corridor", concept="migration_transition",
        licence="CC-BY-3.0-IGO (derived from UN DESA IMS and WPP inputs under that licence)",
        title=f"Bilateral migration flows {period[0]}-{period[1]} ({METHODS[result.method].description})",
        sha256=sha, reference_dates=f"{period[0]}-{period[1]} (mid-year to mid-year)", kind="estimate",
        method=result.method, parameters=params, inputs=list(inputs),
        notes="; ".join(notes + result.warnings)[:4000] or None,
    )
    return wh.write_dataset(meta, obs)


def estimate_into_warehouse(wh, *, methods: list[str], periods: list[tuple[int, int]], sexes: list[str],
                            replicates: int = 200, by_birthplace: bool = False, random_seed: int = 20101,
                            source_inputs: WarehouseInputs | None = None) -> list[dict]:
    """Estimate every (method, period, sex) the data allow and write each as a dataset.

    Returns one record per estimate (dataset id, total, how the stocks were obtained)."""
    data = source_inputs or read_inputs(wh, tuple(sexes))
    done = []
    for sex in sexes:
        source = StockSource(*data.frames[sex], inputs=data.inputs[sex])
        for period in periods:
            prepared = source.tables(period)
            for method in methods:
                result = estimate(prepared.tables, method)
                iv = flow_interval(prepared.tables, result, replicates=replicates, random_seed=random_seed,
                                   by_birthplace=by_birthplace)
                obs = observations_frame(result, period=period, sex=sex, lower=iv.lower, upper=iv.upper,
                                         interval=iv.description, by_birthplace=by_birthplace,
                                         bp_lower=iv.bp_lower, bp_upper=iv.bp_upper,
                                         bp_interval=iv.bp_description)
                dataset_id = write_estimate(wh, result, obs, period=period, sex=sex, inputs=data.inputs[sex],
                                            notes=prepared.notes)
                done.append({"dataset_id": dataset_id, "method": method, "period": f"{period[0]}-{period[1]}",
                             "sex": sex, "total": result.total, "how": prepared.how,
                             "warnings": result.warnings})
    return done
