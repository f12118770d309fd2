"""The one way observations are read: a :class:`Selection`, compiled to one Ibis expression.

A selection names a dataflow (or several), filters on any dimension column, which datasets count
(a vintage rule or ``as_of``), which access levels the reader may see, a time range, first/last N
observations per series, and whether missing cells are kept. :func:`selection_expr` turns it into an
Ibis table expression over the warehouse's ``observations`` and ``datasets`` tables, so the same
selection runs on DuckDB (the embedded warehouse) and on Spark (see :mod:`corridor.store.engines`).

**The vintage rule** is written here and nowhere else: among the datasets a reader may see, for each
*series* and observation key (dataflow, every dimension column, time period), the observation of the
latest vintage wins, ties broken by the latest ingest. A dataset that a correction replaced, and a
withdrawn dataset, take no part in it (see :func:`_latest`). Different series are never merged: UN DESA and
the World Bank stay side by side. Access is applied *before* the rule, so that a refused newer
vintage does not hide a readable older one.

The rule's terms are data here (:data:`LATEST_PARTITION`, :data:`LATEST_ORDER`, :data:`PERIOD_PARTITION`);
besides the Ibis expression, :mod:`corridor.store.plain` spells the same steps as one DuckDB statement from
those terms, for reads that must not load Ibis or pandas (``corridor stock``); a test runs both on the
same warehouses and compares the rows (``tests/cli/test_plain_reads.py``). Ibis itself is imported when
an expression is built, not with this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from corridor.errors import InputError
from corridor.reference.dataflows import DIMENSION_COLUMNS

if TYPE_CHECKING:  # Ibis loads when an expression is built: a Selection alone (the CLI's plain reads) needs none
    import ibis.expr.types as ir

#: Columns of an observation key: they identify one observation of a series.
KEY_COLUMNS: tuple[str, ...] = ("dataflow", *DIMENSION_COLUMNS, "time_period")

#: The vintage rule, as data (both spellings of the rule read it: the Ibis expression of :func:`_latest`
#: and the DuckDB SQL of :mod:`corridor.store.plain`): per group of these columns ...
LATEST_PARTITION: tuple[str, ...] = ("series", *KEY_COLUMNS)
#: ... the first row in this order (each column descending) wins: the latest vintage, then the latest ingest.
LATEST_ORDER: tuple[str, ...] = ("vintage", "ingested_at")
#: A series of one dataset, for ``first_n``/``last_n`` (its periods ordered by ``time_period``).
PERIOD_PARTITION: tuple[str, ...] = ("dataset_id", "dataflow", *DIMENSION_COLUMNS)

#: Provenance columns a selection adds to each observation (from ``datasets``).
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "series", "vintage", "ingested_at", "access", "concept", "release_id", "licence", "publisher", "kind",
    "title",
)

#: Order of the rows a selection returns.
ROW_ORDER: tuple[str, ...] = (
    "dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age", "topic", "method", "time_period",
    "series", "vintage", "dataset_id",
)

Codes = str | Sequence[str]


def _codes(value: Codes | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else tuple(value)
    return tuple(str(v) for v in items)


@dataclass(frozen=True)
class Selection:
    """What to read (see the module docstring). Build with :meth:`of`; every field is hashable.

    ``vintages``: ``"latest"`` (the vintage rule) or ``"all"`` (every vintage side by side).
    ``dataset_ids``: restrict to these datasets (what ``as_of`` resolves to); the rule still applies
    among them. ``access``: the access levels the reader may see (``public`` for anonymous readers; ``None``: every
    level, for trusted code inside corridor such as the estimators run by an operator).
    ``start_year``/``end_year`` bound the first year of ``time_period``. ``first_n``/``last_n`` keep
    the first/last N periods of each series (per dataset and key without the period).
    """

    dataflows: tuple[str, ...]
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    series: tuple[str, ...] | None = None
    dataset_ids: tuple[str, ...] | None = None
    vintages: Literal["latest", "all"] = "latest"
    access: frozenset[str] | None = field(default_factory=lambda: frozenset({"public"}))
    start_year: int | None = None
    end_year: int | None = None
    first_n: int | None = None
    last_n: int | None = None
    include_missing: bool = True

    @classmethod
    def of(cls, dataflow: Codes, *, series: Codes | None = None, dataset_ids: Codes | None = None,
           vintages: Literal["latest", "all"] = "latest", access: Iterable[str] | None = ("public",),
           start_year: int | str | None = None, end_year: int | str | None = None,
           first_n: int | None = None, last_n: int | None = None, include_missing: bool = True,
           **filters: Codes | None) -> Selection:
        """A selection of ``dataflow`` with ``column=code(s)`` filters on dimension columns."""
        unknown = [c for c in filters if c not in DIMENSION_COLUMNS and c != "time_period"]
        if unknown:
            raise InputError(f"cannot filter on {', '.join(unknown)}: the dimension columns are "
                             f"{', '.join((*DIMENSION_COLUMNS, 'time_period'))}")
        if vintages not in ("latest", "all"):
            raise InputError(f"vintages must be 'latest' or 'all', not {vintages!r}")
        flows = _codes(dataflow)
        assert flows is not None
        return cls(
            dataflows=flows,
            filters=tuple((c, v) for c in (*DIMENSION_COLUMNS, "time_period")
                          if (v := _codes(filters.get(c))) is not None),
            series=_codes(series), dataset_ids=_codes(dataset_ids), vintages=vintages,
            access=None if access is None else frozenset(access),
            start_year=None if start_year is None else int(str(start_year)[:4]),
            end_year=None if end_year is None else int(str(end_year)[:4]),
            first_n=first_n, last_n=last_n, include_missing=include_missing,
        )

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)


def selection_expr(sel: Selection, observations: ir.Table, datasets: ir.Table) -> ir.Table:
    """The Ibis expression of ``sel`` over the warehouse tables (rows in :data:`ROW_ORDER`)."""
    return _selected(sel, observations, datasets).order_by(list(ROW_ORDER))


def _selected(sel: Selection, observations: ir.Table, datasets: ir.Table) -> ir.Table:
    """The rows of ``sel``, unordered (distinct values and summaries are computed on this: Ibis 12's
    PySpark compiler moves an inner ORDER BY into a following SELECT DISTINCT and returns duplicates)."""
    prov = datasets.select("dataset_id", *PROVENANCE_COLUMNS, "replaces", "withdrawn_at")
    obs = observations
    preds: list[Any] = [obs.dataflow.isin(list(sel.dataflows))]
    for column, codes in sel.filters:
        preds.append(obs[column].isin(list(codes)))
    if sel.dataset_ids is not None:
        preds.append(obs.dataset_id.isin(list(sel.dataset_ids)))
    first_year = obs.time_period.substr(0, 4).try_cast("int64")
    if sel.start_year is not None:
        preds.append(first_year >= sel.start_year)
    if sel.end_year is not None:
        preds.append(first_year <= sel.end_year)
    obs = obs.filter(*preds)
    prov_preds: list[Any] = [] if sel.access is None else [prov.access.isin(sorted(sel.access))]
    if sel.series is not None:
        prov_preds.append(prov.series.isin(list(sel.series)))
    if sel.dataset_ids is not None:
        prov_preds.append(prov.dataset_id.isin(list(sel.dataset_ids)))
    visible = prov.filter(*prov_preds) if prov_preds else prov
    table = obs.join(visible, "dataset_id")
    if sel.vintages == "latest":
        table = _latest(table, visible, explicit=sel.dataset_ids is not None)
    table = table.drop("replaces", "withdrawn_at")
    if not sel.include_missing:
        table = table.filter(table.value.notnull())
    if sel.first_n is not None or sel.last_n is not None:
        table = _first_last(table, sel.first_n, sel.last_n)
    return table


def _latest(table: ir.Table, datasets: ir.Table, *, explicit: bool = False) -> ir.Table:
    """The vintage rule: per series and observation key, the latest vintage (then the latest ingest).

    Before it, corrections and withdrawals: a dataset replaced by a correction among ``datasets``
    (the datasets the reader may see and asked for) is left out whole — so a row that the correction
    dropped disappears instead of showing through from the older version — and a withdrawn dataset is
    left out unless the selection names its datasets (``as_of``: the record stays reachable).
    """
    import ibis

    replaced = datasets.filter(datasets.replaces.notnull()).replaces
    table = table.filter(~table.dataset_id.isin(replaced))
    if not explicit:
        table = table.filter(table.withdrawn_at.isnull())
    window = ibis.window(group_by=[table[c] for c in LATEST_PARTITION],
                         order_by=[ibis.desc(table[c]) for c in LATEST_ORDER])
    ranked = table.mutate(_rank=ibis.row_number().over(window))
    return ranked.filter(ranked._rank == 0).drop("_rank")


def _first_last(table: ir.Table, first_n: int | None, last_n: int | None) -> ir.Table:
    """Keep the first and/or last N periods of each series (dataset and key without the period)."""
    import ibis

    group = [table[c] for c in PERIOD_PARTITION]
    ranked = table.mutate(
        _up=ibis.row_number().over(ibis.window(group_by=group, order_by=[table.time_period])),
        _down=ibis.row_number().over(ibis.window(group_by=group, order_by=[ibis.desc(table.time_period)])),
    )
    keep = ibis.literal(False)
    if first_n is not None:
        keep = keep | (ranked._up < first_n)
    if last_n is not None:
        keep = keep | (ranked._down < last_n)
    return ranked.filter(keep).drop("_up", "_down")


def distinct_expr(sel: Selection, column: str, observations: ir.Table, datasets: ir.Table) -> ir.Table:
    """Distinct values of one column among the selected observations, sorted."""
    table = _selected(sel, observations, datasets)
    return table.select(column).distinct().order_by(column)


def summary_expr(sel: Selection, observations: ir.Table, datasets: ir.Table,
                 by: Sequence[str] = ("dataflow",)) -> ir.Table:
    """Per group: observations, datasets, first and last period of the selected observations."""
    table = _selected(sel, observations, datasets)
    return table.group_by(list(by)).aggregate(
        observations=table.count(), datasets=table.dataset_id.nunique(),
        first_period=table.time_period.min(), last_period=table.time_period.max(),
    ).order_by(list(by))


def totals_expr(sel: Selection, observations: ir.Table, datasets: ir.Table, by: Sequence[str]) -> ir.Table:
    """Per group: the sum of the selected values (NULL if all are missing) and how many were summed."""
    table = _selected(sel, observations, datasets)
    return table.group_by(list(by)).aggregate(value=table.value.sum(), n=table.value.count()).order_by(list(by))


def describe(sel: Selection) -> Mapping[str, Any]:
    """A plain description of a selection (for messages and logs)."""
    return {"dataflows": list(sel.dataflows), **{c: list(v) for c, v in sel.filters},
            "vintages": sel.vintages, "access": "all" if sel.access is None else sorted(sel.access)}
