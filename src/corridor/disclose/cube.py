"""The tables of a release as one linear system: every cell, every margin, the equations linking them.

A table of counts (or totals) by ``by`` columns, published with its marginal totals, satisfies one
additivity equation per margin cell: the margin equals the sum of the cells it totals (Hundepool et al.
2012, *Statistical Disclosure Control*, §4.4.1 "linked tables"). Several tables released from one file
are *linked* when they share cells (a region x citizenship margin of a region x citizenship x sex and
of a region x citizenship x age table is one cell): :func:`link` merges them into one system over the
union of their dimensions, a dimension a table lacks being at its total. The secondary suppression of
:mod:`corridor.disclose.tables` protects the merged system.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor.errors import InputError

#: Code of a marginal total in a ``by`` column (SDMX ``_T``).
TOTAL = "_T"


@dataclass
class Cube:
    """Every cell of the table and of its margins, with the additivity equations linking them."""

    dims: list[str]
    keys: list[tuple[str, ...]]
    values: dict[str, np.ndarray]
    suppressible: np.ndarray  # bool: the cell is a row of the input (else published margin / known zero)
    input_row: np.ndarray  # index of the input row, -1 when the cell is not in the input
    equations: list[tuple[int, list[int]]] = field(default_factory=list)
    grand: int = -1  # index of the grand total


def link(cubes: list[Cube], total: str) -> tuple[Cube, list[np.ndarray]]:
    """Merge the cubes of several tables into one system over their shared cells.

    A cell is identified by its codes over the union of the dimensions (a dimension a table does not
    have is at its total), so margins shared by two tables are one cell. A shared cell can be
    suppressed only if every table holding it has it as a row (otherwise one of them publishes it).
    Returns the merged cube and, per table, the merged index of each of its cells.
    """
    dims = list(dict.fromkeys(d for c in cubes for d in c.dims))
    index: dict[tuple[str, ...], int] = {}
    maps = []
    for cube in cubes:
        pos = [cube.dims.index(d) if d in cube.dims else -1 for d in dims]
        m = np.empty(len(cube.keys), dtype=np.int64)
        for i, k in enumerate(cube.keys):
            m[i] = index.setdefault(tuple(k[p] if p >= 0 else total for p in pos), len(index))
        maps.append(m)
    n = len(index)
    columns = list(cubes[0].values)
    values = {c: np.full(n, np.nan) for c in columns}
    suppressible = np.ones(n, dtype=bool)
    equations: list[tuple[int, list[int]]] = []
    for cube, m in zip(cubes, maps, strict=True):
        for c in columns:
            mine, theirs = cube.values[c], values[c][m]
            clash = ~np.isnan(theirs) & ~np.isclose(mine, theirs, rtol=1e-9, atol=1e-6)
            if clash.any():
                key = dict(zip(cube.dims, cube.keys[int(np.flatnonzero(clash)[0])], strict=True))
                raise InputError(f"linked tables disagree on cell {key}: {c} {mine[clash][0]} vs "
                                 f"{theirs[clash][0]}", column=c)
            values[c][m] = mine
        suppressible[m[~cube.suppressible]] = False
        equations += [(int(m[t]), [int(m[p]) for p in parts]) for t, parts in cube.equations]
    keys = [None] * n
    for k, i in index.items():
        keys[i] = k
    grand = index[tuple(total for _ in dims)]
    merged = Cube(dims=dims, keys=keys, values=values, suppressible=suppressible,  # type: ignore[arg-type]
                   input_row=np.full(n, -1), equations=equations, grand=grand)
    return merged, maps


def build_cube(table: pd.DataFrame, by: list[str], columns: list[str], total: str) -> Cube:
    keys_in = [tuple(str(v) for v in row) for row in table[by].itertuples(index=False, name=None)]
    interior = [i for i, k in enumerate(keys_in) if total not in k]
    codes = [sorted({keys_in[i][d] for i in interior}) for d in range(len(by))]
    all_keys = list(itertools.product(*[c + [total] for c in codes]))
    index = {k: i for i, k in enumerate(all_keys)}
    n_cells = len(all_keys)
    row_of = np.full(n_cells, -1, dtype=np.int64)
    for r, k in enumerate(keys_in):
        if k not in index:
            raise InputError(f"row {r + 1}: total row {k} has a code not present among the table's cells")
        row_of[index[k]] = r
    # interior values; a combination absent from the input is an (observed) empty cell: 0
    values: dict[str, np.ndarray] = {}
    for col in columns:
        arr = np.zeros(n_cells)
        src = table[col].to_numpy(dtype=float)
        for i in interior:
            arr[index[keys_in[i]]] = src[i]
        values[col] = arr
    # margins, computed from the interior (dimension by dimension, so each level sums the level below)
    is_total = np.array([[c == total for c in k] for k in all_keys])
    level = is_total.sum(axis=1)
    equations: list[tuple[int, list[int]]] = []
    for i in np.argsort(level, kind="stable"):
        key = all_keys[i]
        for d in range(len(by)):
            if key[d] != total:
                continue
            parts = [index[key[:d] + (c,) + key[d + 1:]] for c in codes[d]]
            equations.append((int(i), parts))
    for lev in range(1, len(by) + 1):
        for i in np.flatnonzero(level == lev):
            key = all_keys[i]
            d = next(d for d in range(len(by)) if key[d] == total)
            parts = [index[key[:d] + (c,) + key[d + 1:]] for c in codes[d]]
            for col in columns:
                values[col][i] = values[col][parts].sum()
    # a total row given in the input must agree with the sum of its cells
    for col in columns:
        src = table[col].to_numpy(dtype=float)
        for i in np.flatnonzero((level > 0) & (row_of >= 0)):
            given, summed = src[row_of[i]], values[col][i]
            if not np.isclose(given, summed, rtol=1e-9, atol=1e-6):
                raise InputError(
                    f"row {row_of[i] + 1}: total {all_keys[i]} {col}={given} differs from the sum of its "
                    f"cells ({summed})", column=col)
    return Cube(dims=list(by), keys=all_keys, values=values, suppressible=row_of >= 0,
                 input_row=row_of, equations=equations, grand=index[tuple(total for _ in by)])


def add_margins(table: pd.DataFrame, *, by: list[str], columns: list[str],
                total_code: str = TOTAL) -> pd.DataFrame:
    """The table as published with all its marginal totals: one row per cell and per total.

    Every combination of ``by`` columns replaced by ``total_code`` is added with ``columns`` summed
    over the interior cells (the cells whose codes contain no total). Rows already totals are dropped
    and recomputed. Other columns are left empty on the added rows.
    """
    interior = table[~table[by].astype(str).isin([total_code]).any(axis=1)]
    pieces = [interior]
    for r in range(1, len(by) + 1):
        for dims in itertools.combinations(by, r):
            keep = [d for d in by if d not in dims]
            if keep:
                agg = interior.groupby(keep, observed=True, sort=True)[columns].sum().reset_index()
            else:
                agg = interior[columns].sum().to_frame().T
            for d in dims:
                agg[d] = total_code
            pieces.append(agg[by + columns])
    return pd.concat(pieces, ignore_index=True)
