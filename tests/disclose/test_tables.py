"""Primary rules and optimal secondary suppression on hand-derivable tables.

What this proves: the rules flag what their definitions say (Hundepool et al. 2012, §4.2), and the
MILP finds the cheapest protecting pattern where it can be derived by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from corridor.disclose.audit import audit
from corridor.disclose.tables import (
    add_margins,
    dominance_rule,
    p_percent_rule,
    suppress,
    suppress_linked,
)
from corridor.errors import InputError


def grid(rows: dict[str, list[int]], cols: list[str]) -> pd.DataFrame:
    recs = [{"r": r, "c": c, "n": v, "estimate": float(v)} for r, vals in rows.items()
            for c, v in zip(cols, vals, strict=True)]
    return pd.DataFrame(recs)


def test_dominance_and_p_percent_rules():
    # (1, 80): the largest of 90+5+5 is 90 % > 80 % of the total
    assert dominance_rule([90, 5, 5], 1, 80)
    assert not dominance_rule([50, 30, 20], 1, 80)
    assert dominance_rule([50, 30, 20], 2, 75)  # 80 % > 75 %
    # p %: total - x1 - x2 = 5 < 10 % of 90 -> the runner-up estimates x1 within 10 %
    assert p_percent_rule([90, 5, 5], 10)
    assert not p_percent_rule([50, 30, 20], 10)  # 20 >= 5


def test_optimal_secondary_pattern_is_the_cheapest_rectangle():
    # 3x3 table, the cell (r1, c3) = 2 is below min_cell 5. With margins published, a protecting
    # pattern is a rectangle through (r1, c3); the four candidates cost (value + 1 per cell)
    # (r2,c1) 21+51+26 = 98, (r2,c2) 31+51+41 = 123, (r3,c1) 21+36+61 = 118, (r3,c2) 31+36+16 = 83.
    t = grid({"r1": [20, 30, 2], "r2": [25, 40, 50], "r3": [60, 15, 35]}, ["c1", "c2", "c3"])
    out = suppress(t, by=["r", "c"], min_cell=5)
    hidden = {(r, c): s for r, c, s in out[["r", "c", "conf_status"]].itertuples(index=False)
              if s != "F"}
    assert hidden == {("r1", "c3"): "A", ("r1", "c2"): "D", ("r3", "c3"): "D", ("r3", "c2"): "D"}
    assert out.loc[out.conf_status != "F", "estimate"].isna().all()
    assert out.loc[out.conf_status == "F", "estimate"].notna().all()
    # margins are computed from the true table, the interior from the suppressed one
    margins = add_margins(t, by=["r", "c"], columns=["n", "estimate"])
    published = pd.concat([out, margins[(margins.r == "_T") | (margins.c == "_T")]], ignore_index=True)
    result = audit(published, margins, by=["r", "c"], value="n")
    assert result.ok, result.violations
    iv = result.intervals
    cell = iv[iv.cell == (("r", "r1"), ("c", "c3"))].iloc[0]
    # r1c3 can fall to 0 (r3c2 15 -> 13 ... bounded by r1c3 itself) and rise to 2 + min(30, 35) = 32
    assert cell.lower == pytest.approx(0, abs=1e-6) and cell.upper == pytest.approx(32, abs=1e-6)


def test_margin_rows_are_protected_too():
    t = add_margins(grid({"r1": [3, 4], "r2": [30, 40]}, ["c1", "c2"]), by=["r", "c"],
                    columns=["n", "estimate"])
    out = suppress(t, by=["r", "c"], min_cell=10)
    status = {(r, c): s for r, c, s in out[["r", "c", "conf_status"]].itertuples(index=False)}
    assert status[("r1", "_T")] == "A"  # the row total 7 is itself below the threshold
    result = audit(out, t, by=["r", "c"], value="n")
    assert result.ok, result.violations


def test_linked_tables_share_their_margin_cells():
    a = add_margins(grid({"r1": [3, 40], "r2": [30, 40]}, ["x", "y"]), by=["r", "c"],
                    columns=["n", "estimate"])
    b = a.rename(columns={"c": "d"}).replace({"x": "u", "y": "v"})
    b.loc[b.r == "r1", ["n", "estimate"]] = b.loc[b.r == "r1", ["n", "estimate"]].to_numpy()
    outs = suppress_linked([a, b], by=[["r", "c"], ["r", "d"]], min_cell=5)
    result = audit(outs, [a, b], by=[["r", "c"], ["r", "d"]], value="n")
    assert result.ok, result.violations


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"by": ["r", "nope"]}, "nope"), ({"by": ["r", "c"], "min_cell": 0}, "min_cell")],
)
def test_bad_input_is_named(kwargs, message):
    t = grid({"r1": [1, 2]}, ["c1", "c2"])
    with pytest.raises(InputError, match=message):
        suppress(t, **{"min_cell": 3, **kwargs})


def test_inconsistent_total_row_is_rejected():
    t = add_margins(grid({"r1": [1, 2], "r2": [5, 6]}, ["c1", "c2"]), by=["r", "c"], columns=["n", "estimate"])
    t.loc[(t.r == "_T") & (t.c == "_T"), "n"] = 99
    with pytest.raises(InputError, match="differs from the sum"):
        suppress(t, by=["r", "c"], min_cell=3)


def test_cell_pinned_by_a_published_margin_is_reported():
    # r1 has a single non-empty cell: its published row total (3) gives it away, whatever is hidden
    t = pd.DataFrame({"r": ["r1", "r2", "r2"], "c": ["c1", "c1", "c2"], "n": [3, 20, 30],
                      "estimate": [3.0, 20.0, 30.0]})
    with pytest.warns(UserWarning, match="cannot be fully protected"):
        out = suppress(t, by=["r", "c"], min_cell=5)
    assert out.attrs["unprotectable_cells"] == [{"r": "r1", "c": "c1"}]
    assert out.loc[0, "conf_status"] == "A"
    # given its margin rows, the table can be protected: the row total is suppressed as well
    full = add_margins(t, by=["r", "c"], columns=["n", "estimate"])
    out = suppress(full, by=["r", "c"], min_cell=5)
    assert out.attrs["unprotectable_cells"] == []
    assert audit(out, full, by=["r", "c"], value="n", floor=1.0).ok


def test_dominance_cells_are_primary_and_protected():
    # magnitude table: (r1, c1) has 3 contributors but one holds 90 % of the total -> (1, 80) dominance
    t = grid({"r1": [100, 40, 50], "r2": [60, 70, 80]}, ["c1", "c2", "c3"])
    t["n"] = 5
    t["contributions"] = [[90, 5, 5], [20, 10, 10], [20, 20, 10], [20, 20, 20], [30, 20, 20], [30, 30, 20]]
    out = suppress(t, by=["r", "c"], min_cell=3, dominance=(1, 80))
    assert out.loc[0, "conf_status"] == "A" and (out.conf_status == "A").sum() == 1
    margins = add_margins(t.drop(columns="contributions"), by=["r", "c"], columns=["n", "estimate"])
    published = pd.concat([out.drop(columns="contributions"),
                           margins[(margins.r == "_T") | (margins.c == "_T")]], ignore_index=True)
    assert audit(published, margins, by=["r", "c"], value="estimate").ok
    with pytest.raises(InputError, match="contributions"):
        suppress(t.drop(columns="contributions"), by=["r", "c"], min_cell=3, dominance=(1, 80))


def test_greedy_variant_also_protects(monkeypatch):
    # force the greedy loop (used for large tables) on a table the exact model would solve
    import corridor.disclose.tables as tables

    monkeypatch.setattr(tables, "MAX_CELLS_EXACT", 0)
    t = add_margins(grid({"r1": [20, 30, 2, 7], "r2": [25, 4, 50, 9], "r3": [60, 15, 35, 1]},
                         ["c1", "c2", "c3", "c4"]), by=["r", "c"], columns=["n", "estimate"])
    out = suppress(t, by=["r", "c"], min_cell=5)
    assert (out.conf_status == "A").sum() == 3  # the cells 2, 4 and 1
    for value, floor in (("n", 1.0), ("estimate", 0.0)):
        result = audit(out, t, by=["r", "c"], value=value, floor=floor)
        assert result.ok, result.violations
