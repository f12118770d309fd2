"""Independent audit of suppressed tables: the attacker's linear programme.

Given the tables exactly as published (suppressed cells empty, margin rows carrying the total code in
their ``by`` columns), the audit rebuilds the linear relations an outsider can read off them — every
total equals the sum of the cells it totals, in every published table — and, for every suppressed
cell, computes by linear programming (``scipy.optimize.linprog``, HiGHS) the smallest and largest
values consistent with everything published and with non-negativity. This is the interval an attacker
can prove (Hundepool et al. 2012, *Statistical Disclosure Control*, §4.3.2 "audit", the method of
Tau-Argus' *intervalle*). Several tables are audited together: a cell published in one table and
suppressed in another is known, and tables that share margins are linked through them.

The audit shares no code with :mod:`corridor.disclose.tables`: it reads only the published tables,
builds its own equations from the published rows, and compares the intervals with the true values.

Protection required (documented in ``docs/disclosure.md``):

* a **primary** cell (``conf_status`` ``A``) with true value ``x`` must have ``upper >= x + U`` and
  ``lower <= x - L`` with ``U = max(protection % of x, floor)``, ``L = min(U, x)``;
* **every** suppressed cell (primary or secondary) must not be recoverable: ``upper - lower`` larger
  than ``min_width`` (default: ``1e-6 * max(|x|, 1) + 1e-5``, i.e. not pinned down beyond rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, identity, vstack
from scipy.sparse.csgraph import connected_components

from corridor.errors import CorridorError


class AuditFailure(CorridorError):
    """A published table lets an attacker recover or narrow a suppressed cell beyond the protection."""

    def __init__(self, violations: pd.DataFrame) -> None:
        self.violations = violations
        first = violations.iloc[0]
        super().__init__(
            f"disclosure audit failed: {len(violations)} suppressed cell(s) insufficiently protected; "
            f"first: {first['cell']} true {first['true_value']:g}, attacker interval "
            f"[{first['lower']:g}, {first['upper']:g}] ({first['reason']})"
        )


@dataclass
class AuditResult:
    """Feasible interval of every suppressed cell and the cells that fail the protection rule."""

    intervals: pd.DataFrame  # cell, conf_status, true_value, lower, upper, required_lower, required_upper
    violations: pd.DataFrame  # the failing rows of ``intervals`` with a ``reason``

    @property
    def ok(self) -> bool:
        return self.violations.empty

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise AuditFailure(self.violations)


def _cell_key(row: dict, dims: Sequence[str], all_dims: Sequence[str], total: str) -> tuple:
    return tuple((d, str(row[d]) if d in dims else total) for d in all_dims)


def feasible_intervals(
    published: Sequence[pd.DataFrame],
    by: Sequence[Sequence[str]],
    value: str,
    *,
    total_code: str = "_T",
    nonnegative: bool = True,
    tolerance: float = 0.0,
) -> pd.DataFrame:
    """The attacker's interval ``[lower, upper]`` for every cell suppressed (NA) in the published tables.

    ``published[t]`` is table ``t`` as published, ``by[t]`` its dimension columns. Returns one row per
    distinct suppressed cell: ``cell`` (tuple of (dimension, code) over all dimensions, absent
    dimensions as totals), ``lower``, ``upper`` (``inf`` when unbounded). ``tolerance`` is the slack
    allowed in each published total (e.g. 0.5 when published figures are rounded to integers).
    """
    all_dims = list(dict.fromkeys(d for dims in by for d in dims))
    known: dict[tuple, float] = {}
    unknown: dict[tuple, int] = {}
    tables = []
    for tab, dims in zip(published, by, strict=True):
        rows = tab[list(dims) + [value]].to_dict("records")
        keys = [_cell_key(r, dims, all_dims, total_code) for r in rows]
        tables.append((list(dims), rows, keys))
        for r, k in zip(rows, keys, strict=True):
            if pd.notna(r[value]):
                known[k] = float(r[value])
    for _, rows, keys in tables:
        for r, k in zip(rows, keys, strict=True):
            if pd.isna(r[value]) and k not in known and k not in unknown:
                unknown[k] = len(unknown)
    if not unknown:
        return pd.DataFrame(columns=["cell", "lower", "upper"])

    # equations "total - sum(parts) = 0", written over the unknown cells with the known part on the right
    eq_rows, eq_cols, eq_vals, rhs = [], [], [], []
    scale = []
    for dims, _rows, keys in tables:
        for d in dims:
            others = [e for e in dims if e != d]
            groups: dict[tuple, list[tuple]] = {}
            for k in keys:
                codes = dict(k)
                if codes[d] != total_code:
                    groups.setdefault(tuple(codes[e] for e in others), []).append(k)
            for key in keys:
                codes = dict(key)
                if codes[d] != total_code:
                    continue
                parts = groups.get(tuple(codes[e] for e in others), [])
                if not parts:
                    continue
                const = 0.0
                vars_ = []
                for k, sign in [(key, 1.0)] + [(k, -1.0) for k in parts]:
                    if k in known:
                        const += sign * known[k]
                    else:
                        vars_.append((unknown[k], sign))
                if not vars_:
                    continue
                r = len(rhs)
                for v, sign in vars_:
                    eq_rows.append(r)
                    eq_cols.append(v)
                    eq_vals.append(sign)
                rhs.append(-const)
                scale.append(max(abs(known.get(key, 0.0)), 1.0))
    n = len(unknown)
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(rhs), n)).tocsr()
    b = np.array(rhs)
    tol = 1e-9 * np.array(scale) + 1e-9 + tolerance  # published floats add up only to rounding error
    # cells linked by no equation chain are independent: one small LP system per connected component
    pattern = abs(a_eq)
    n_comp, comp = connected_components(pattern.T @ pattern + identity(n, format="csr"), directed=False)
    keys = list(unknown)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    for c_id in range(n_comp):
        cols = np.flatnonzero(comp == c_id)
        rows = np.unique(a_eq[:, cols].tocoo().row)
        sub = a_eq[rows][:, cols]
        a_ub = vstack([sub, -sub]).tocsr()
        b_ub = np.concatenate([b[rows] + tol[rows], -(b[rows] - tol[rows])])
        bounds = [(0.0 if nonnegative else None, None)] * len(cols)
        for local, j in enumerate(cols):
            for sign in (1.0, -1.0):
                c = np.zeros(len(cols))
                c[local] = sign
                res = linprog(c, A_ub=a_ub if len(rows) else None, b_ub=b_ub if len(rows) else None,
                              bounds=bounds, method="highs")
                if res.status == 3:  # unbounded
                    value_ = np.inf * -sign
                elif res.status != 0:
                    raise CorridorError(f"audit LP for cell {keys[j]} failed: {res.message}")
                else:
                    value_ = sign * res.fun
                if sign > 0:
                    lower[j] = value_
                else:
                    upper[j] = value_
    out = [{"cell": keys[j], "lower": lower[j], "upper": upper[j]} for j in range(n)]
    return pd.DataFrame(out)


def audit(
    published: pd.DataFrame | Sequence[pd.DataFrame],
    original: pd.DataFrame | Sequence[pd.DataFrame],
    *,
    by: Sequence[str] | Sequence[Sequence[str]],
    value: str,
    protection: float = 30.0,
    floor: float = 0.0,
    min_width: float | None = None,
    total_code: str = "_T",
    tolerance: float = 0.0,
) -> AuditResult:
    """Audit published table(s) against the original values (see the module docstring for the rule).

    ``original[t]`` holds table ``t`` before suppression (same ``by`` columns, true ``value``);
    ``conf_status`` in ``published[t]`` says which suppressed cells are primary (``A``); without it every
    suppressed cell is checked as primary.
    """
    if isinstance(published, pd.DataFrame):
        published, original, by = [published], [original], [list(by)]  # type: ignore[list-item]
    by = [list(b) for b in by]  # type: ignore[union-attr]
    intervals = feasible_intervals(published, by, value, total_code=total_code, tolerance=tolerance)
    all_dims = list(dict.fromkeys(d for dims in by for d in dims))
    truth: dict[tuple, float] = {}
    status: dict[tuple, str] = {}
    for tab, orig, dims in zip(published, original, by, strict=True):
        for r in orig[dims + [value]].to_dict("records"):
            truth[_cell_key(r, dims, all_dims, total_code)] = float(r[value])
        if "conf_status" in tab.columns:
            for r in tab[dims + ["conf_status"]].to_dict("records"):
                k = _cell_key(r, dims, all_dims, total_code)
                if r["conf_status"] == "A" or k not in status:
                    status[k] = str(r["conf_status"])
    rows = []
    for rec in intervals.to_dict("records"):
        key = rec["cell"]
        if key not in truth:
            raise CorridorError(f"audit: no original value for suppressed cell {key}")
        x = truth[key]
        conf = status.get(key, "A")
        up = max(protection / 100.0 * x, floor)
        lo = min(up, x)
        width = rec["upper"] - rec["lower"]
        need_width = 1e-6 * max(abs(x), 1.0) + 1e-5 if min_width is None else min_width
        reason = ""
        if width <= need_width:
            reason = f"interval width {width:g} <= {need_width:g}: value recoverable"
        elif conf == "A" and rec["upper"] < x + up - 1e-7:
            reason = f"upper bound below true value + {up:g}"
        elif conf == "A" and rec["lower"] > x - lo + 1e-7:
            reason = f"lower bound above true value - {lo:g}"
        rows.append({"cell": key, "conf_status": conf, "true_value": x, "lower": rec["lower"],
                     "upper": rec["upper"], "required_lower": x - lo if conf == "A" else np.nan,
                     "required_upper": x + up if conf == "A" else np.nan, "reason": reason})
    table = pd.DataFrame(rows, columns=["cell", "conf_status", "true_value", "lower", "upper",
                                        "required_lower", "required_upper", "reason"])
    violations = table[table["reason"] != ""].reset_index(drop=True)
    return AuditResult(intervals=table.drop(columns="reason"), violations=violations)
