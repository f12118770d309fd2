"""One check of flow inputs, used by the Python API (:func:`~corridor.estimate.flows.methods.estimate`) and
the command line alike.

Two kinds of fault are told apart:

* **invalid** input -- a number that is NaN or infinite, a negative stock, birth or death count, tables
  of other shapes than the areas, a prior that does not fit them, or two stock tables whose world
  totals differ by a factor of :data:`UNIT_RATIO` or more (one is in thousands, the other in persons;
  a world population does not change tenfold in a period). Always an :class:`~corridor.errors.InputError`.
* **ill-posed** input -- numbers that are valid but that no demographic account can honour: deaths in an
  area larger than its population at the start, births larger than the native-born at the end (more than
  :data:`BIRTH_SLACK` times), births in an area with no population at the end. An error by default; with
  ``allow_ill_posed=True`` (``--keep-flagged`` on the command line) the estimate is made and carries
  ``status = "ill_posed"`` with the reasons, in every output.

Abel (2013, section 3) and migest's ``ffs_demo`` adjust such inputs silently (deaths capped, births spread);
corridor reports them, because the flows they produce can be many times off (the issue's case of deaths
above the population gave flows 40 times too large).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from corridor.errors import InputError
from corridor.estimate.flows.tables import StockTables

#: ratio of the world totals of the two stock tables from which a unit mismatch is declared
UNIT_RATIO = 10.0
#: births may exceed the native-born at the end by this factor before the input is called ill-posed
#: (a few per cent of children born abroad to the area's residents is ordinary)
BIRTH_SLACK = 1.5


@dataclass
class Checked:
    """What :func:`validate_tables` found: the ill-posed conditions (empty when the input is sound)."""

    ill_posed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.ill_posed


def _file(tables: StockTables, i: int) -> str | None:
    names = [x.removeprefix("file:") for x in tables.inputs if x.startswith("file:")]
    return names[i] if len(names) == 4 else None


def _cell(tables: StockTables, which: str, b: int, a: int) -> str:
    return f"{which} stock of birthplace {tables.areas[b]} in area {tables.areas[a]}"


def _finite_non_negative(tables: StockTables) -> None:
    for i, (which, arr) in enumerate((("start", tables.start), ("end", tables.end))):
        bad = ~np.isfinite(arr)
        if bad.any():
            b, a = map(int, np.argwhere(bad)[0])
            raise InputError(f"{_cell(tables, which, b, a)} is {arr[b, a]} (stocks must be finite numbers; a "
                             "missing stock is not zero: give the number or leave the area out)",
                             file=_file(tables, i))
        neg = arr < 0
        if neg.any():
            b, a = map(int, np.argwhere(neg)[0])
            raise InputError(f"{_cell(tables, which, b, a)} is negative ({arr[b, a]:g})", file=_file(tables, i))
    for i, (what, arr) in enumerate((("births", tables.births), ("deaths", tables.deaths)), start=2):
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            a = int(np.flatnonzero(bad)[0])
            reason = "negative" if np.isfinite(arr[a]) else "not a finite number"
            raise InputError(f"{what} in area {tables.areas[a]} is {reason} ({arr[a]:g})", file=_file(tables, i))


def _units(tables: StockTables) -> None:
    s0, s1 = float(tables.start.sum()), float(tables.end.sum())
    if s0 <= 0 or s1 <= 0:
        raise InputError(f"the {'start' if s0 <= 0 else 'end'} stock table is empty (world total 0)",
                         file=_file(tables, 0 if s0 <= 0 else 1))
    ratio = s1 / s0
    if ratio >= UNIT_RATIO or ratio <= 1 / UNIT_RATIO:
        big, small = ("end", "start") if ratio > 1 else ("start", "end")
        raise InputError(f"unit mismatch: the {big} table's world total ({max(s0, s1):,.0f}) is "
                         f"{max(ratio, 1 / ratio):,.0f} times the {small} table's ({min(s0, s1):,.0f}); "
                         "are both in persons (one may be in thousands)?",
                         file=_file(tables, 1 if ratio > 1 else 0))
    pop = s0 + s1
    for i, (what, arr) in enumerate((("births", tables.births), ("deaths", tables.deaths)), start=2):
        if arr.sum() * 2 > pop:
            raise InputError(f"unit mismatch: world {what} ({arr.sum():,.0f}) exceed the world population "
                             f"({pop / 2:,.0f}); are the stocks and {what} in the same unit?", file=_file(tables, i))


def validate_tables(tables: StockTables, *, seed: np.ndarray | None = None, allow_ill_posed: bool = False) -> Checked:
    """Check flow inputs (see the module docstring); raise :class:`InputError` for invalid input and for
    ill-posed input unless ``allow_ill_posed``. Returns the ill-posed conditions found."""
    n = tables.n
    if tables.start.shape != (n, n) or tables.end.shape != (n, n) or tables.births.shape != (n,) \
            or tables.deaths.shape != (n,):
        raise InputError(f"mismatched areas: {n} areas but tables of shape {tables.start.shape}, "
                         f"{tables.end.shape}, births {tables.births.shape}, deaths {tables.deaths.shape}")
    _finite_non_negative(tables)
    if seed is not None:
        seed = np.asarray(seed, dtype=float)
        if seed.shape != (n, n):
            raise InputError(f"mismatched areas: the prior is {seed.shape[0]} x {seed.shape[-1]}, the stock "
                             f"tables {n} x {n}")
        if not np.all(np.isfinite(seed)) or np.any(seed < 0):
            raise InputError("the prior must be finite and non-negative")
    _units(tables)
    found: list[str] = []
    pop0, pop1 = tables.start.sum(axis=0), tables.end.sum(axis=0)
    for a in np.flatnonzero(tables.deaths > pop0):
        found.append(f"deaths in area {tables.areas[a]} ({tables.deaths[a]:,.0f}) exceed its start population "
                     f"({pop0[a]:,.0f})")
    for a in np.flatnonzero((tables.births > 0) & (pop1 <= 0)):
        found.append(f"births in area {tables.areas[a]} ({tables.births[a]:,.0f}) but no population there at "
                     "the end: the births cannot be placed and the area's balance would break")
    native = np.diag(tables.end)
    for a in np.flatnonzero((tables.births > BIRTH_SLACK * native) & (pop1 > 0)):
        found.append(f"births in area {tables.areas[a]} ({tables.births[a]:,.0f}) exceed {BIRTH_SLACK:g} times "
                     f"its native-born population at the end ({native[a]:,.0f})")
    if found and not allow_ill_posed:
        raise InputError("ill-posed input: " + "; ".join(found[:5]) + (" ..." if len(found) > 5 else "")
                         + " (fix the input, or keep the estimate flagged: allow_ill_posed=True, "
                         "--keep-flagged)", file=_file(tables, 2 if "births" in found[0] else 3))
    return Checked(found)
