"""Cell suppression for frequency and magnitude tables published with their margins.

Primary suppression marks the cells that are sensitive in themselves:

* **minimum frequency** — a cell with ``0 < n < min_cell`` contributing records (Hundepool et al. 2012,
  *Statistical Disclosure Control*, Wiley, §4.2.1 "threshold rule");
* **dominance (n, k)** — the ``n`` largest contributions make up more than ``k`` % of the cell total
  (§4.2.2, eq. 4.1);
* **p %** — the cell total minus the two largest contributions is less than ``p`` % of the largest, so
  the second-largest contributor could estimate the largest to within ``p`` % (§4.2.2, eq. 4.3).

Secondary suppression then hides further cells so that no primary cell can be re-derived from the
published cells and margins. It is the cell suppression problem in the mixed-integer formulation of
Fischetti & Salazar-González (2001), "Solving the cell suppression problem on tabular data with linear
constraints", *Management Science* 47(7) (Hundepool et al. 2012, §4.4.2 "optimal"): choose binary
``s_k`` (cell ``k`` suppressed) minimising the information loss ``sum w_k s_k`` such that, for every
primary cell ``p``, the attacker's linear programme

    max (min) y_p   s.t.  M y = 0,   -a_k s_k <= y_k <= (G - a_k) s_k

(``y`` = deviation from the true values ``a``, ``M`` = the additivity equations of the table with its
margins, ``G`` = the grand total, so cells stay within ``[0, G]``) reaches at least the upper (lower)
protection level. The constraint "for every attacker" is generated lazily: the master problem is solved
with ``scipy.optimize.milp`` (HiGHS), each attacker LP in a warm-started ``highspy`` model, and a
violated attacker LP gives, through its optimal dual (the bound marginals ``alpha``, ``beta``), the
Benders-type *capacity cut* ``sum_k (alpha_k (G - a_k) + beta_k a_k) s_k >= UPL_p`` (Fischetti &
Salazar-González 2001, §3). The loop stops when no attacker LP violates its protection level, so the
returned pattern is protected by construction; :mod:`corridor.disclose.audit` re-checks it
independently.

Protection level of a primary cell (per protected column): ``max(protection % x value, floor)`` on
each side, where the floor is 1 record for the count column and 0 for the weighted value; the lower
level is capped at the value (cells are non-negative).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix

from corridor.disclose.cube import TOTAL, Cube, add_margins, build_cube, link  # noqa: F401 (re-exported)
from corridor.disclose.solver_output import solver_output_to_stderr
from corridor.errors import InputError

#: CONF_STATUS codes (SDMX cross-domain): free, primary confidential, secondary confidential.
FREE, PRIMARY, SECONDARY = "F", "A", "D"
#: Above this many suppressible cells the exact MILP is replaced by the greedy variant.
MAX_CELLS_EXACT = 1500
#: Budget of the exact model: master MILP solves, branch-and-bound nodes per solve, and a wall-clock
#: guard. Past it the loop finishes greedily from the last master pattern (still fully protected).
#: Iterations and nodes keep results reproducible; the clock only guards against pathological cases.
EXACT_ITERATIONS = 60
EXACT_NODES = 5000
EXACT_SECONDS = 120.0


@dataclass(frozen=True)
class ExactBudget:
    """How much work the exact model may do: master solves, nodes per solve, seconds, MIP gap."""

    iterations: int = EXACT_ITERATIONS
    nodes: int = EXACT_NODES
    seconds: float = EXACT_SECONDS
    mip_gap: float = 1e-4  # HiGHS's default relative gap


EXACT_BUDGET = ExactBudget()


# ---------------------------------------------------------------------------------------------
# primary rules
# ---------------------------------------------------------------------------------------------
def frequency_rule(n: pd.Series, min_cell: int) -> pd.Series:
    """Threshold rule: a non-empty cell with fewer than ``min_cell`` contributors is sensitive."""
    return (n > 0) & (n < min_cell)


def dominance_rule(contributions: Sequence[float], n: int, k: float) -> bool:
    """(n, k) dominance: the ``n`` largest contributions exceed ``k`` % of the cell total."""
    values = sorted((float(c) for c in contributions), reverse=True)
    total = sum(values)
    if total <= 0:
        return False
    return sum(values[:n]) > k / 100.0 * total


def p_percent_rule(contributions: Sequence[float], p: float) -> bool:
    """p % rule: ``total - x1 - x2 < p/100 * x1`` (the runner-up can estimate the largest within p %)."""
    values = sorted((float(c) for c in contributions), reverse=True)
    if not values or values[0] <= 0:
        return False
    rest = sum(values) - values[0] - (values[1] if len(values) > 1 else 0.0)
    return rest < p / 100.0 * values[0]


# ---------------------------------------------------------------------------------------------
# secondary suppression: Fischetti & Salazar-Gonzalez cut loop
# ---------------------------------------------------------------------------------------------
def _equation_matrix(cube: Cube, var_of: np.ndarray, n_var: int) -> csr_matrix:
    rows, cols, vals = [], [], []
    r = 0
    for tot, parts in cube.equations:
        entries = [(var_of[tot], 1.0)] + [(var_of[p], -1.0) for p in parts]
        entries = [(v, c) for v, c in entries if v >= 0]
        if not entries:  # a lone entry pins its cell (y = 0): keep it
            continue
        for v, c in entries:
            rows.append(r)
            cols.append(v)
            vals.append(c)
        r += 1
    return coo_matrix((vals, (rows, cols)), shape=(r, n_var)).tocsr()


def _protection_levels(values: np.ndarray, pct: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    upper = np.maximum(pct / 100.0 * values, floor)
    lower = np.minimum(upper, values)
    return upper, lower


class _Attacker:
    """The attacker's LP ``max/min y_p s.t. M y = 0, lo <= y <= hi`` kept in one HiGHS model.

    Only the bounds (per suppression pattern) and the objective (per primary cell) change between
    solves, so HiGHS restarts from the previous basis. The reduced costs at the optimum are the
    bound multipliers of the dual: ``alpha = max(-d, 0)`` on upper bounds, ``beta = max(d, 0)`` on
    lower bounds (for the minimisation of ``sign * y_p``).
    """

    def __init__(self, m_eq: csr_matrix) -> None:
        import highspy

        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.n = m_eq.shape[1]
        inf = highspy.kHighsInf
        self.h.addVars(self.n, np.zeros(self.n), np.zeros(self.n))
        if m_eq.shape[0]:
            m = m_eq.tocsr()
            zero = np.zeros(m.shape[0])
            self.h.addRows(m.shape[0], zero, zero, m.nnz, m.indptr[:-1].astype(np.int32),
                           m.indices.astype(np.int32), m.data.astype(float))
        self.idx = np.arange(self.n, dtype=np.int32)
        self.cost = np.zeros(self.n)
        self._inf = inf

    def set_bounds(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self.h.changeColsBounds(self.n, self.idx, lo.astype(float), hi.astype(float))

    def reach(self, p: int, sign: float) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        self.cost[:] = 0.0
        self.cost[p] = sign
        self.h.changeColsCost(self.n, self.idx, self.cost)
        self.h.run()
        status = self.h.getModelStatus()
        if self.h.modelStatusToString(status) != "Optimal":
            raise RuntimeError(f"attacker LP: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        d = np.asarray(sol.col_dual)
        y = np.asarray(sol.col_value)
        return -self.h.getInfo().objective_function_value, np.maximum(-d, 0.0), np.maximum(d, 0.0), y


def _prune(s: np.ndarray, keep_vars: np.ndarray, systems: list, attackers: list[_Attacker]) -> None:
    """Publish again every secondary cell the published cells already determine exactly.

    Such a cell hides nothing (the attacker can compute it), and publishing it leaves every feasible
    set unchanged, so the protection holds and the information loss drops. The greedy variant and a
    time-limited master can leave such cells; the optimum has none.
    """
    primary = np.zeros(len(s), dtype=bool)
    primary[keep_vars] = True  # primary cells and cells an earlier release already hid
    changed = True
    while changed:
        changed = False
        for (a, up_room, _u, _l), attacker in zip(systems, attackers, strict=True):
            attacker.set_bounds(-a * s, up_room * s)
        for v in np.flatnonzero((s > 0.5) & ~primary):
            fixed = all(att.reach(int(v), sign)[0] <= 1e-9 for att in attackers for sign in (-1.0, 1.0))
            if fixed:
                s[v] = 0.0
                changed = True
                break


def _secondary(cube: Cube, primary: np.ndarray, columns: list[str], floors: dict[str, float],
               protection: float, unprotectable: set[int], max_iter: int = 200,
               forced: np.ndarray | None = None, budget: ExactBudget | None = None) -> np.ndarray:
    """Return the suppression pattern (bool per cube cell) protecting every primary cell.

    Primary cells that no pattern can protect (their published margins give them away) are added
    to ``unprotectable``; they are protected as far as possible. ``forced`` cells (hidden by an
    earlier release of the same file) stay suppressed whatever the cost.
    """
    var_cells = np.flatnonzero(cube.suppressible)
    n_var = len(var_cells)
    var_of = np.full(len(cube.keys), -1)
    var_of[var_cells] = np.arange(n_var)
    m_eq = _equation_matrix(cube, var_of, n_var)
    prim_vars = var_of[np.flatnonzero(primary)]
    forced_cells = np.flatnonzero(forced & cube.suppressible) if forced is not None else np.array([], int)
    keep_vars = np.union1d(prim_vars, var_of[forced_cells]).astype(np.int64)
    if len(prim_vars) == 0:
        out = np.zeros(len(cube.keys), dtype=bool)
        out[forced_cells] = True
        return out

    systems = []
    for col in columns:
        a = cube.values[col][var_cells]
        grand = cube.values[col][cube.grand]
        up_room = np.maximum(grand - a, 0.0)
        upl, lpl = _protection_levels(a, protection, floors[col])
        systems.append((a, up_room, upl, lpl))
    weight = cube.values[columns[0]][var_cells] + 1.0  # information loss: the value; +1 so zeros cost
    exact = n_var <= MAX_CELLS_EXACT

    s = np.zeros(n_var)
    s[keep_vars] = 1.0
    cuts: list[np.ndarray] = []
    rhs: list[float] = []
    attackers = [_Attacker(m_eq) for _ in systems]
    budget = budget or EXACT_BUDGET
    deadline = time.monotonic() + budget.seconds

    def witnessed(y: np.ndarray, up: np.ndarray, down: np.ndarray) -> None:
        """A feasible attacker solution shows every cell can move at least as far as it moved."""
        np.maximum(up, y, out=up)
        np.maximum(down, -y, out=down)

    # what each primary cell can reach at best (every suppressible cell hidden): a cell whose
    # published margins pin it down cannot be protected by hiding interior cells
    needs: list[dict[tuple[int, float], float]] = []
    for (a, up_room, upl, lpl), attacker in zip(systems, attackers, strict=True):
        attacker.set_bounds(-a, up_room)
        up, down = np.zeros(n_var), np.zeros(n_var)
        need_of = {}
        for p in prim_vars:
            for sign, need in ((-1.0, upl[p]), (1.0, lpl[p])):
                need = min(need, up_room[p] if sign < 0 else a[p])
                if need <= 1e-9:
                    continue
                if (up if sign < 0 else down)[p] < need - 1e-7:
                    best, _, _, y = attacker.reach(p, sign)
                    witnessed(y, up, down)
                    if best < need - 1e-7:
                        unprotectable.add(int(var_cells[p]))
                        need = best * (1 - 1e-6)
                if need > 1e-9:
                    need_of[(int(p), sign)] = need
        needs.append(need_of)

    for iteration in range(max_iter):
        new_cuts = 0
        if exact and (iteration >= budget.iterations or time.monotonic() > deadline):
            exact = False  # out of time for the exact model: finish greedily from the current pattern
        for (a, up_room, _upl, _lpl), attacker, need_of in zip(systems, attackers, needs, strict=True):
            attacker.set_bounds(-a * s, up_room * s)
            up, down = np.zeros(n_var), np.zeros(n_var)
            for (p, sign), need in need_of.items():
                if (up if sign < 0 else down)[p] >= need - 1e-7:
                    continue
                reach, alpha, beta, y = attacker.reach(p, sign)  # max of -sign * y_p
                witnessed(y, up, down)
                if reach >= need - 1e-7:
                    continue
                coef = alpha * up_room + beta * a
                if exact:
                    cuts.append(coef)
                    rhs.append(need)
                else:  # greedy: suppress the cheapest cell the cut says would help
                    gain = np.where(s < 0.5, coef, 0.0)
                    cand = np.flatnonzero(gain > 1e-12)
                    if len(cand) == 0:
                        raise RuntimeError("no cell can protect a primary cell")
                    best = cand[np.argmin(weight[cand] / gain[cand])]
                    s[best] = 1.0
                    attacker.set_bounds(-a * s, up_room * s)
                    up[:], down[:] = 0.0, 0.0
                new_cuts += 1
            if new_cuts and exact:
                break  # re-solve the master before checking the next column's attacker
        if new_cuts == 0:
            _prune(s, keep_vars, systems, attackers)
            out = np.zeros(len(cube.keys), dtype=bool)
            out[var_cells] = s > 0.5
            return out
        if exact:
            lb = np.zeros(n_var)
            lb[keep_vars] = 1.0
            res = milp(weight, integrality=np.ones(n_var), bounds=Bounds(lb, np.ones(n_var)),
                       constraints=LinearConstraint(np.vstack(cuts), np.array(rhs), np.inf),
                       options={"time_limit": max(1.0, deadline - time.monotonic()),
                                "node_limit": budget.nodes, "mip_rel_gap": budget.mip_gap})
            if res.x is None:  # no pattern within the node budget: finish greedily
                exact = False
                continue
            s = np.round(res.x)  # a node-limited MILP still returns a pattern satisfying every cut
    raise RuntimeError("secondary suppression did not converge")


# ---------------------------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------------------------
def suppress(
    table: pd.DataFrame,
    *,
    by: list[str],
    count: str = "n",
    value: str = "estimate",
    min_cell: int,
    dominance: tuple[int, float] | None = None,
    p_percent: float | None = None,
    contributions: str = "contributions",
    protection: float = 30.0,
    total_code: str = TOTAL,
) -> pd.DataFrame:
    """Primary and secondary cell suppression of a table published with all its marginal totals.

    ``table`` has one row per cell: the ``by`` columns, ``count`` (records) and ``value`` (e.g. the
    weighted estimate; may be the same column as ``count``). Rows whose ``by`` codes include
    ``total_code`` are the table's margins and are protected like any cell (primary rule, secondary
    suppression). Margins *not* present as rows are taken as published (the attacker knows them);
    combinations absent from the table are published empty cells (0).

    Primary: ``0 < count < min_cell``; with ``dominance=(n, k)`` or ``p_percent`` a column
    ``contributions`` holds each cell's individual contributions (sequence of numbers) and the rule is
    applied to them. Secondary: see the module docstring; every primary cell keeps a feasible interval
    reaching ``protection`` % of its value (at least one record for counts) on each side, in both the
    ``count`` and the ``value`` column.

    Returns a copy with ``conf_status`` (``F`` free, ``A`` primary, ``D`` secondary), ``value`` and
    ``count`` set to NA on suppressed cells, and ``obs_status`` set to ``Q`` there if that column exists.
    A sensitive cell that published margins (not rows of the table) pin down cannot be protected by
    hiding interior cells: it is suppressed, protected as far as possible, listed in
    ``attrs["unprotectable_cells"]`` and a warning is issued.
    """
    return suppress_linked([table], by=[by], count=count, value=value, min_cell=min_cell,
                           dominance=dominance, p_percent=p_percent, contributions=contributions,
                           protection=protection, total_code=total_code)[0]


def _check(table: pd.DataFrame, by: list[str], columns: list[str], min_cell: int) -> None:
    missing = [c for c in [*by, *columns] if c not in table.columns]
    if missing:
        raise InputError(f"table has no column(s) {', '.join(missing)}")
    if min_cell < 1:
        raise InputError(f"min_cell must be at least 1, got {min_cell}")
    if table[by].duplicated().any():
        dup = table.loc[table[by].duplicated(), by].iloc[0].tolist()
        raise InputError(f"duplicate cell {dup} in the table")
    for col in columns:
        if table[col].isna().any():
            raise InputError(f"{int(table[col].isna().sum())} missing value(s) in column {col!r}", column=col)
        if (table[col].astype(float) < 0).any():
            raise InputError(f"negative value in column {col!r}; cell suppression assumes counts/totals >= 0",
                             column=col)


def _primary_rows(table: pd.DataFrame, count: str, min_cell: int, dominance: tuple[int, float] | None,
                  p_percent: float | None, contributions: str) -> np.ndarray:
    prim = frequency_rule(table[count].astype(float), min_cell).to_numpy().copy()
    if dominance is not None or p_percent is not None:
        if contributions not in table.columns:
            raise InputError(f"dominance / p% rules need a column {contributions!r} of contributions")
        for r, contrib in enumerate(table[contributions]):
            if dominance is not None and dominance_rule(contrib, *dominance):
                prim[r] = True
            if p_percent is not None and p_percent_rule(contrib, p_percent):
                prim[r] = True
    return prim


def suppress_linked(
    tables: list[pd.DataFrame],
    *,
    by: list[list[str]],
    count: str = "n",
    value: str = "estimate",
    min_cell: int,
    dominance: tuple[int, float] | None = None,
    p_percent: float | None = None,
    contributions: str = "contributions",
    protection: float = 30.0,
    total_code: str = TOTAL,
    released: Sequence[np.ndarray | None] | None = None,
    budget: ExactBudget | None = None,
) -> list[pd.DataFrame]:
    """:func:`suppress` for several tables published together (linked through shared margins).

    The tables are protected as one system: a cell they share (e.g. the country-of-birth margin of a
    country x sex and a country x age table) is one cell, suppressed in all of them or in none, and
    the attacker is assumed to combine every published table.

    ``released[t]`` (optional), for a table already published by an earlier release of the same file,
    is its suppression pattern (per row: True or 1 = suppressed then, False or 0 = published then, -1 =
    not published though not suppressed, e.g. a margin of a table released without margins): its
    published cells stay published and its suppressed cells stay suppressed, so the new tables are
    protected against what is already out (:mod:`corridor.disclose.register`). ``budget`` bounds the
    exact model (default :data:`EXACT_BUDGET`); past it the pattern is finished greedily, still fully
    protected.
    """
    columns = list(dict.fromkeys([value, count]))
    for t, b in zip(tables, by, strict=True):
        _check(t, list(b), columns, min_cell)
    cubes, prims = [], []
    for t, b in zip(tables, by, strict=True):
        cubes.append(build_cube(t, list(b), columns, total_code) if len(t) else None)
        prims.append(_primary_rows(t, count, min_cell, dominance, p_percent, contributions))
    live = [c for c in cubes if c is not None]
    pattern_of: list[np.ndarray | None] = [None] * len(tables)
    exposed_cells: list[dict[str, str]] = []
    if live:
        merged, maps = link(live, total_code)
        primary = np.zeros(len(merged.keys), dtype=bool)
        live_prims = [p for p, c in zip(prims, cubes, strict=True) if c is not None]
        for cube, m, prim in zip(live, maps, live_prims, strict=True):
            has_row = cube.input_row >= 0
            primary[m[has_row]] |= prim[cube.input_row[has_row]]
        forced = np.zeros(len(merged.keys), dtype=bool)
        was_published = np.zeros(len(merged.keys), dtype=bool)
        live_released = [r for r, c in zip(released or [None] * len(tables), cubes, strict=True)
                         if c is not None]
        for cube, m, before in zip(live, maps, live_released, strict=True):
            if before is None:
                continue
            has_row = cube.input_row >= 0
            state = np.asarray(before).astype(np.int8)[cube.input_row[has_row]]
            forced[m[has_row][state == 1]] = True
            was_published[m[has_row][state == 0]] = True
        merged.suppressible &= ~was_published
        exposed = np.flatnonzero(primary & ~merged.suppressible)
        if len(exposed):
            cell = dict(zip(merged.dims, merged.keys[exposed[0]], strict=True))
            why = ("an earlier release of this file published it" if was_published[exposed[0]] else
                   "another linked table publishes it (it is not one of that table's rows); give every "
                   "linked table its margin rows")
            raise InputError(f"cell {cell} is sensitive but {why}")
        floors = {c: (1.0 if c == count else 0.0) for c in columns}
        unprotectable: set[int] = set()
        with solver_output_to_stderr():
            pattern = _secondary(merged, primary, columns, floors, protection, unprotectable,
                                 forced=forced, budget=budget)
        if unprotectable:
            cells = [dict(zip(merged.dims, merged.keys[i], strict=True)) for i in sorted(unprotectable)]
            exposed_cells = cells
            warnings.warn(
                f"{len(cells)} sensitive cell(s) cannot be fully protected because margins that are "
                f"published (not rows of the table) pin them down, e.g. {cells[0]}; they are suppressed "
                "and protected as far as the margins allow. Give the table its margin rows (_T) so that "
                "margins can be suppressed too.", stacklevel=3)
        it = iter(maps)
        for t_i, cube in enumerate(cubes):
            if cube is not None:
                m = next(it)
                hidden = np.zeros(len(tables[t_i]), dtype=bool)
                has_row = cube.input_row >= 0
                hidden[cube.input_row[has_row]] = (pattern | primary)[m[has_row]]
                pattern_of[t_i] = hidden
    outs = []
    for t, prim, hidden in zip(tables, prims, pattern_of, strict=True):
        out = t.copy()
        status = np.full(len(out), FREE, dtype=object)
        if hidden is not None:
            status[hidden] = SECONDARY
        status[prim] = PRIMARY
        out["conf_status"] = pd.Series(status, index=out.index, dtype="str")
        hide = (out["conf_status"] != FREE).to_numpy()
        for col in columns:
            nullable = "Int64" if pd.api.types.is_integer_dtype(out[col]) else "Float64"
            out[col] = out[col].astype(nullable)
            out.loc[hide, col] = pd.NA
        if "obs_status" in out.columns:
            out.loc[hide, "obs_status"] = "Q"
        out.attrs["unprotectable_cells"] = [
            c for c in exposed_cells if all(str(c.get(d, total_code)) in set(out[d].astype(str)) | {total_code}
                                            for d in c)]
        outs.append(out)
    return outs
