"""Compute indicators from the warehouse and write them back as datasets with provenance.

Reads go through :class:`corridor.store.selection.Selection` (the vintage rule picks the latest
release of each series); writes through :meth:`corridor.store.warehouse.Warehouse.write_dataset`, one
dataset per computation, whose id carries a digest of its content (the same inputs twice write
nothing new) and whose ``inputs`` name the datasets it was computed from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from corridor import __version__
from corridor.errors import InputError
from corridor.indicators import remittance_costs
from corridor.store.selection import Selection
from corridor.store.warehouse import DatasetMeta, Warehouse

LAYOUT = "corridor-indicators"


@dataclass(frozen=True)
class Written:
    """What one computation wrote: dataset id, observation count, the inputs and whether it is new."""

    dataset_id: str
    rows: int
    inputs: tuple[str, ...]
    new: bool


def _read(wh: Warehouse, dataflow: str, **filters: str) -> pd.DataFrame:
    frame = wh.select(Selection.of(dataflow, access=None, **filters))
    if frame.empty:
        raise InputError(f"the warehouse has no {dataflow} observations; ingest the release that holds them "
                         f"first (corridor ingest ...)", file=str(wh.path))
    return frame


def remittance_cost_indicators(wh: Warehouse, *, weight_year: str | None = None) -> Written:
    """SDG 10.c.1 indicators (:mod:`corridor.indicators.remittance_costs`) as one ``REMIT_COST_IND`` dataset.

    Weights: the bilateral remittance estimates (``REMIT``) of ``weight_year`` (default: the latest
    year the warehouse holds), stated in each weighted observation's ``basis``.
    """
    costs = _read(wh, "REMIT_COST")
    remit = _read(wh, "REMIT")
    years = sorted(remit["time_period"].unique())
    year = weight_year or years[-1]
    if year not in years:
        raise InputError(f"no REMIT (bilateral remittances) for weight year {year}; the warehouse holds "
                         f"{', '.join(years)}", column="weight_year")
    weights = remit[remit["time_period"] == year]
    obs = remittance_costs.observations(costs, weights, year)
    inputs = tuple(sorted(set(costs["dataset_id"]) | set(weights["dataset_id"])))
    params = {"weight_year": year, "target": remittance_costs.TARGET, "ceiling": remittance_costs.CEILING}
    return _write(wh, obs, name="remittance-costs", inputs=inputs, parameters=params,
                  title="Remittance costs against SDG target 10.c (indicator 10.c.1) from RPW corridor averages",
                  series="corridor-indicators-remittance-costs", concept="remittance_cost",
                  licence="CC-BY-4.0 (derived from World Bank RPW and KNOMAD data under that licence)",
                  reference_dates=f"{costs['time_period'].min()}-{costs['time_period'].max()}; weights {year}",
                  notes=f"weights: bilateral remittances {year}; SmaRT written as missing (L): "
                        + remittance_costs.SMART_REASON)


def integration_gaps(wh: Warehouse, path: str, *, area: str, year: str) -> Written:
    """Migrant-native gaps from the EU-SILC public-use file (:mod:`corridor.indicators.integration_eusilc`)
    as one ``INTEGRATION_GAP`` dataset; the file's sha256 is its input."""
    from pathlib import Path

    from corridor.indicators import integration_eusilc
    from corridor.sources.fetch import sha256_of

    obs = integration_eusilc.observations(integration_eusilc.read(path), area=area, year=year)
    name = Path(path).name
    sha = sha256_of(Path(path))
    params = {"file": name, "file_sha256": sha, "design": vars(integration_eusilc.DESIGN), "ref_area": area,
              "reference_year": year}
    return _write(wh, obs, name=f"integration-gaps:{area}:{year}", inputs=(f"file:{name}@{sha[:12]}",),
                  parameters=params, title=f"Integration gaps, migrants minus natives, {area} {year} ({name})",
                  series=f"corridor-indicators-integration/{name}", concept="foreign_citizen",
                  licence="as the microdata file", reference_dates=year, notes=integration_eusilc.BASIS)


def _write(wh: Warehouse, obs: pd.DataFrame, *, name: str, inputs: tuple[str, ...], parameters: dict,
           title: str, series: str, concept: str, licence: str, reference_dates: str, notes: str) -> Written:
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(obs.sort_index(axis=1), index=False).to_numpy().tobytes())
    digest.update(json.dumps([parameters, inputs, __version__], sort_keys=True).encode())
    sha = digest.hexdigest()
    existing = wh.find_by_sha(sha, LAYOUT)
    meta = DatasetMeta(
        dataset_id=f"ind:{name}@{sha[:12]}", series=series, vintage=datetime.now(UTC).strftime("%Y%m%dT%H%M%S"),
        layout=LAYOUT, publisher="corridor", title=title, sha256=sha, reference_dates=reference_dates,
        concept=concept, kind="indicator", method=remittance_costs.METHOD, parameters=parameters,
        inputs=list(inputs), licence=licence, notes=notes,
    )
    dataset_id = wh.write_dataset(meta, obs)
    return Written(dataset_id, len(obs), inputs, existing is None)
