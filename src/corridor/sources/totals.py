"""Totals rows and columns of a user's table: stored as totals, checked against the sum of their parts.

A table's "Total" row, "World" column or "Both sexes" block is stored as the total of its dimension
(``_T``; for the area of residence, the World, M49 900, where ``corridor stock --destination WORLD``
looks). Each total is then compared with the sum of the parts published beside it, per combination of
the other dimensions:

    |total - sum(parts)| <= max(absolute, relative * |total|)

(``totals.absolute`` default 0.5 — the rounding of published integers — and ``totals.relative``
default 0). Parts are every other code of the dimension except regions and groups (which overlap the
countries) and a group with a missing part or a missing total is not checked. A mismatch is an error
naming the total's row and column, or, with ``on_mismatch: warn``, a line in the dataset's notes.
Tables with overlapping categories (Eurostat's Y15-64 beside its five-year groups) name the
dimensions to check in ``totals.check``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import area_table
from corridor.sources.mapping import Totals

TOTAL_CODES = {"ref_area": "900", "counterpart_area": "_T", "sex": "_T", "age": "_T"}
KEY = ["ref_area", "counterpart_area", "sex", "age", "topic", "time_period"]


def _overlapping(dimension: str) -> set[str]:
    """Codes of a dimension that are sums of other codes (regions and groups), never parts."""
    if dimension in ("ref_area", "counterpart_area"):
        table = area_table()
        return set(table.index[table["kind"].isin(["region", "group"])]) - {"900"}
    return set()


def check_totals(obs: pd.DataFrame, rule: Totals, *, file: str) -> list[str]:
    """Compare every total with its parts (see the module docstring); return the warnings."""
    warnings: list[str] = []
    dims = rule.check if rule.check is not None else list(TOTAL_CODES)
    for dim in dims:
        total = TOTAL_CODES[dim]
        is_total = obs[dim] == total
        if not is_total.any() or is_total.all():
            continue
        others = [k for k in KEY if k != dim]
        parts = obs[~is_total & ~obs[dim].isin(_overlapping(dim))]
        parts = parts[others + ["value"]].assign(missing=parts["value"].isna())
        for column in others:  # plain labels: a categorical group-by would form every combination
            parts[column] = parts[column].astype(object)
        summed = parts.groupby(others, sort=False).agg(sum=("value", "sum"), n=("value", "size"),
                                                      missing=("missing", "sum"))
        totals = obs[is_total].astype({c: object for c in others}).set_index(others)
        both = totals.join(summed, how="inner")
        both = both[(both["missing"] == 0) & both["value"].notna()]
        gap = (both["value"] - both["sum"]).abs()
        bad = gap > np.maximum(rule.absolute, rule.relative * both["value"].abs())
        if not bad.any():
            continue
        first = both[bad].iloc[0]
        message = (f"{int(bad.sum())} total(s) of {dim} differ from the sum of their parts by more than the "
                   f"tolerance (absolute {rule.absolute:g}, relative {rule.relative:g}); first: total "
                   f"{first['value']:,.6g} vs sum {first['sum']:,.6g} of {int(first['n'])} parts")
        if rule.on_mismatch == "error":
            raise InputError(message, file=file, row=int(first["_row"]), column=str(first["_column"]))
        warnings.append(f"{message} (row {int(first['_row'])}, column {first['_column']!r})")
    return warnings
