"""Independent audit of suppressed tables: the attacker's linear programme.

Given the tables exactly as published (suppressed cells empty, margin rows carrying the total code in
their ``by`` columns), the audit rebuilds the linear relations an outsider can read off them — every
total equals the sum of the cells it totals, in every published table — and, for every suppressed
cell, computes by linear programming (HiGHS through ``highspy``, one warm-started model per linked group
of cells) the smallest and largest values consistent with everything published and with
non-negativity. This is the interval an attacker
can prove (Hundepool et al. 2012, *Statistical Disclosure Control*, §4.3.2 "audit", the method of
Tau-Argus' *intervalle*). Several tables are audited together: a cell published in one table and
suppressed in another is known, and tables that share margins are linked through them. A margin a
table implies but does not publish (its rows still add up to it) is an unknown of the system, so two
tables published without margins are still linked through the totals they share (the region x
citizenship total of a region x citizenship x sex and a region x citizenship x age table).

The audit shares no code with :mod:`corridor.disclose.tables`: it reads only the published tables,
builds its own equations from the published rows, and compares the intervals with the true values.

Protection required (documented in ``docs/disclosure.md``):

* a **primary** cell (``conf_status`` ``A``) with true value ``x`` must have ``upper >= x + U`` and
  ``lower <= x - L`` with ``U = max(protection % of x, floor)``, ``L = min(U, x)``;
* **every** suppressed cell (primary or secondary) must not be recoverable: ``upper - lower`` larger
  than ``min_width`` (default: ``1e-6 * max(|x|, 1) + 1e-5``, i.e. not pinned down beyond rounding).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, identity
from scipy.sparse.csgraph import connected_components

from corridor.disclose.solver_output import solver_output_to_stderr
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
    implied_margins: bool = True,
) -> pd.DataFrame:
    """The attacker's interval ``[lower, upper]`` for every cell suppressed (NA) in the published tables.

    ``published[t]`` is table ``t`` as published, ``by[t]`` its dimension columns. Returns one row per
    distinct suppressed cell: ``cell`` (tuple of (dimension, code) over all dimensions, absent
    dimensions as totals), ``lower``, ``upper`` (``inf`` when unbounded). ``tolerance`` is the slack
    allowed in each published total (e.g. 0.5 when published figures are rounded to integers).
    With ``implied_margins`` every margin a table does not publish is added as an unknown cell.
    """
    if implied_margins:
        published = [_with_implied_margins(t, list(d), value, total_code) for t, d in zip(published, by,
                                                                                       strict=True)]
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
        with solver_output_to_stderr():
            lo_c, up_c = _component_intervals(a_eq[rows][:, cols].tocsr(), b[rows], tol[rows], nonnegative,
                                              [keys[j] for j in cols])
        lower[cols] = lo_c
        upper[cols] = up_c
    out = [{"cell": keys[j], "lower": lower[j], "upper": upper[j]} for j in range(n)]
    return pd.DataFrame(out)


def _with_implied_margins(tab: pd.DataFrame, dims: list[str], value: str, total: str) -> pd.DataFrame:
    """``tab`` plus an unknown (NA) row for every margin of its interior cells it does not publish."""
    codes = tab[dims].astype(str)
    interior = codes[~codes.isin([total]).any(axis=1)].drop_duplicates()
    have = set(codes.itertuples(index=False, name=None))
    extra = []
    for r in range(1, len(dims) + 1):
        for gone in itertools.combinations(dims, r):
            part = interior.assign(**dict.fromkeys(gone, total)).drop_duplicates()
            extra += [k for k in part.itertuples(index=False, name=None) if k not in have]
    if not extra:
        return tab
    add = pd.DataFrame(extra, columns=dims)
    add[value] = np.nan
    return pd.concat([tab[dims + [value]].astype({d: str for d in dims}), add], ignore_index=True)


def _component_intervals(sub: Any, b: np.ndarray, tol: np.ndarray, nonnegative: bool,
                         keys: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of every variable of ``b - tol <= sub x <= b + tol`` (``x >= 0`` if ``nonnegative``).

    One HiGHS model per component; only the objective changes between solves, so each solve starts
    from the previous optimal basis (warm start) instead of from scratch. A feasible solution with a
    variable at 0 proves its minimum is 0 (the bound), so that minimisation is skipped.
    """
    import highspy

    n = sub.shape[1]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    inf = highspy.kHighsInf
    h.addVars(n, np.full(n, 0.0 if nonnegative else -inf), np.full(n, inf))
    if sub.shape[0]:
        h.addRows(sub.shape[0], b - tol, b + tol, sub.nnz, sub.indptr[:-1].astype(np.int32),
                  sub.indices.astype(np.int32), sub.data.astype(float))
    idx = np.arange(n, dtype=np.int32)
    cost = np.zeros(n)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    at_zero = np.zeros(n, dtype=bool)
    for j in range(n):
        for sign in (1.0, -1.0):  # minimise x_j, then minimise -x_j
            if sign > 0 and nonnegative and at_zero[j]:
                lower[j] = 0.0
                continue
            cost[:] = 0.0
            cost[j] = sign
            h.changeColsCost(n, idx, cost)
            h.run()
            status = h.modelStatusToString(h.getModelStatus())
            if status == "Unbounded":
                found = -sign * np.inf
            elif status != "Optimal":
                raise CorridorError(f"audit LP for cell {keys[j]} failed: {status}")
            else:
                found = sign * h.getInfo().objective_function_value
                if nonnegative:
                    at_zero |= np.asarray(h.getSolution().col_value) <= 1e-12
            if sign > 0:
                lower[j] = found
            else:
                upper[j] = found
    return lower, upper


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
    hidden: set[tuple] = set()  # suppressed rows of the published tables (not the implied margins)
    for tab, orig, dims in zip(published, original, by, strict=True):
        for r in tab[dims + [value]].to_dict("records"):
            if pd.isna(r[value]):
                hidden.add(_cell_key(r, dims, all_dims, total_code))
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
        if key not in hidden:
            continue
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
