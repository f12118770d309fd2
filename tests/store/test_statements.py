"""Parametrised selections (:mod:`corridor.store.statements`) answer exactly what literal SQL answers.

What each test proves:

* ``test_parametrised_equals_literal``: over selections of every shape the API and the library build
  (several codes per key position, first/last N, year bounds, dataset ids, series, every access level,
  missing cells dropped, limit/offset/columns, every kind of read), the rows read with bound parameters
  equal the rows of the same selection compiled with its values written into the SQL (the form used
  before; float sums compared with rtol 1e-12, as the engine suite does: DuckDB's summation order varies).
  Data: UN DESA IMS 2020 by sex and destination and Abel (2018) regional flows, ingested from the mirror.
* ``test_a_new_code_or_number_compiles_nothing``: distinct countries, periods and N reuse one compiled
  statement per shape (issue 11, item 7: Ibis compiled every new selection, about 50 ms each).
* ``test_a_marker_outside_an_in_list_is_refused``: the guard that keeps a value from being bound in
  the wrong place fails loudly when the SQL does not hold a marker as the whole of an ``IN`` list.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.store import statements
from corridor.store.selection import Selection
from corridor.store.statements import Statement, template
from corridor.store.warehouse import Warehouse, _compiled
from tests.warehouses import ingested_warehouse

RELEASES = ("undesa-ims-2020-sex-destination", "abel-2018-regional-flows")
KINDS = (("count", ()), ("distinct", ("time_period",)), ("summary", (("dataflow", "sex"),)),
         ("totals", (("ref_area",),)))


@pytest.fixture(scope="module")
def wh(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    path = ingested_warehouse(tmp_path_factory, "statements", RELEASES, mirror)
    with Warehouse.open(path, read_only=True) as opened:
        yield opened


def _literal(wh: Warehouse, kind: str, sel: Selection, *args: object) -> pd.DataFrame:
    return wh._con.sql(_compiled(kind, sel, *args)).to_arrow_table().to_pandas()  # noqa: SLF001


def _selections(wh: Warehouse) -> list[tuple[Selection, tuple]]:
    ids = [str(d) for d in wh.datasets()["dataset_id"] if str(d).startswith("undesa")]
    return [
        (Selection.of("MIG_STOCK", ref_area="840", counterpart_area=["_T"], sex=["M", "F"],
                      time_period=["2015", "2020"]), (None, 0, None)),
        (Selection.of("MIG_STOCK", ref_area=["840", "276", "250"], last_n=2), (50, 7, ("ref_area", "value", "sex"))),
        (Selection.of("MIG_STOCK", ref_area="276", first_n=1, last_n=3, start_year=1995, end_year=2015),
         (None, 0, None)),
        (Selection.of(["MIG_STOCK", "MIG_FLOW"], vintages="all", access=None, ref_area=["903", "840"]),
         (None, 0, None)),
        (Selection.of("MIG_STOCK", ref_area="840", dataset_ids=ids[:1], series=["undesa-ims"]), (None, 0, None)),
        (Selection.of("MIG_STOCK", ref_area=[], sex="_T"), (None, 0, None)),
        (Selection.of("MIG_FLOW", access=["public", "restricted"], include_missing=False), (25, 0, None)),
        (Selection.of("MIG_STOCK", ref_area="840", counterpart_area="_T", time_period=["1990"]), (None, 0, None)),
    ]


def test_parametrised_equals_literal(wh: Warehouse) -> None:
    answered = 0
    for sel, args in _selections(wh):
        expected = _literal(wh, "rows", sel, *args)
        got = wh._run("rows", sel, *args)  # noqa: SLF001
        pd.testing.assert_frame_equal(got, expected)
        answered += len(got) > 0
        for kind, extra in KINDS:
            pd.testing.assert_frame_equal(wh._run(kind, sel, *extra), _literal(wh, kind, sel, *extra),  # noqa: SLF001
                                          check_exact=False, rtol=1e-12)
    assert answered >= 7  # the comparison is over real rows, not empty answers


def test_a_new_code_or_number_compiles_nothing(wh: Warehouse) -> None:
    def sel(area: str, year: str, n: int) -> Selection:
        return Selection.of("MIG_STOCK", ref_area=area, counterpart_area="_T", sex="_T", time_period=[year],
                            last_n=n)

    wh.select(sel("840", "2020", 1))
    before = statements.compilations()
    frames = [wh.select(sel(area, year, n)) for area, year, n in
              (("276", "2015", 2), ("250", "2010", 3), ("124", "2000", 4), ("36", "1990", 5))]
    assert statements.compilations() == before
    assert [f["ref_area"].iloc[0] for f in frames] == ["276", "250", "124", "36"]
    assert [f["time_period"].iloc[0] for f in frames] == ["2015", "2010", "2000", "1990"]


def test_values_never_enter_the_sql(wh: Warehouse) -> None:
    hostile = "840') OR TRUE OR ('"
    sel = Selection.of("MIG_STOCK", ref_area=hostile)
    assert wh.select(sel).empty
    shaped, _, values = template(sel)
    assert (hostile,) in values.lists
    assert hostile not in statements.parametrised(_compiled, "rows", sel, None, 0, None)[0]


def test_a_marker_outside_an_in_list_is_refused(wh: Warehouse) -> None:
    sel = Selection.of("MIG_STOCK", ref_area="840")
    shaped, _, values = template(sel)
    sql = _compiled("rows", shaped, None, 0, None)
    Statement.of(sql, values)  # as Ibis writes it: accepted
    broken = sql.replace("IN ('__corridor_list_1__')", "= '__corridor_list_1__'")
    with pytest.raises(ValueError, match="not the whole of an IN"):
        Statement.of(broken, values)
    with pytest.raises(ValueError, match="markers"):
        Statement.of(sql.replace("'__corridor_list_1__'", "'840'"), values)
