"""Observations as they are written: defaults filled, codes as text, numbers parsed, validated, keys unique.

:meth:`Warehouse.write_dataset <corridor.store.warehouse.Warehouse.write_dataset>` runs
:func:`prepare_observations` on every chunk it writes (the first before the transaction begins), so that a
dataset that breaks a rule is refused whole and names the row, column and reason: the registries'
checks are :func:`corridor.store.validate.validate_observations`; a number is never guessed
from text.
"""

from __future__ import annotations

import pandas as pd

from corridor.reference.dataflows import DIMENSION_COLUMNS
from corridor.store import write_stream as stream
from corridor.store.selection import KEY_COLUMNS
from corridor.store.validate import ValidationError, validate_observations
from corridor.store.warehouse import OBSERVATION_COLUMNS, OBSERVATION_DEFAULTS, DatasetMeta, WarehouseError


def prepare_observations(obs: pd.DataFrame, meta: DatasetMeta) -> pd.DataFrame:
    """Fill defaults, validate against the registries, check keys; raise before anything is written.

    A chunk of a large dataset keeps its positions (a RangeIndex from its first row), so that a
    validation message names the row of the whole dataset."""
    frame = obs.copy() if isinstance(obs.index, pd.RangeIndex) else obs.reset_index(drop=True)
    frame["dataset_id"] = meta.dataset_id
    for column, default in OBSERVATION_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = default
    for column in ("dataflow", "ref_area", "time_period", "obs_status"):
        if column not in frame.columns:
            raise WarehouseError(f"observations for {meta.dataset_id} lack the column {column!r}")
    for column in ("dataflow", *DIMENSION_COLUMNS, "time_period", "obs_status", "conf_status",
                   "unit_measure", "basis"):
        frame[column] = stream.as_string(frame[column])
    for column in ("value", "lower", "upper"):
        if pd.api.types.is_float_dtype(frame[column].dtype):  # already numbers: nothing to parse
            continue
        try:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"dataset {meta.dataset_id} rejected, nothing was written: column {column!r}: "
                                  f"not a number ({exc}); numbers are never guessed from text") from None
    frame["unit_mult"] = frame["unit_mult"].astype("int32")
    validate_observations(frame, meta.dataset_id)
    dup = frame.duplicated(list(KEY_COLUMNS), keep=False)
    if dup.any():
        first = frame.loc[dup, list(KEY_COLUMNS)].iloc[0].to_dict()
        raise WarehouseError(
            f"{int(dup.sum())} observations in {meta.dataset_id} share a key, e.g. {first}"
        )
    return frame[list(OBSERVATION_COLUMNS)]
