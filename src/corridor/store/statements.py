"""Parametrised SQL for selections: Ibis compiles a selection's *shape* once, requests bind values.

Compiling a :class:`~corridor.store.selection.Selection` with Ibis costs tens of milliseconds (issue
11, item 7: "Ibis compiling each new selection costs about 50 ms"; py-spy on a server under distinct
queries put 53% of its samples in Ibis's compiler). Before, the SQL was cached per selection, so
every query nobody had asked before paid for a compile. Here a selection is split into

* a **template**: the same selection with every code list (dataflows, each filter, series, dataset
  ids, access levels) replaced by one marker string and every number (first/last N, years, limit,
  offset) by a marker number -- its shape;
* the **values** those markers stand for.

The template goes through the very same Ibis expression (:func:`corridor.store.selection.selection_expr`
and its siblings; the vintage, correction and withdrawal rule is not restated here) and is compiled
once per shape (:func:`statement`, cached). The markers in the SQL become DuckDB named parameters
(``$p0_0, $p0_1`` for a list of two codes, ``$n0`` for a number) -- values never enter the SQL text
-- so a new country pair, period or dataflow reuses the compiled statement and costs only DuckDB's
own planning and execution.

A marker Ibis did not emit verbatim where a parameter can stand (a code list outside ``IN (...)``,
a number glued to other text) is refused when the statement is built, so that a change in Ibis's
SQL cannot bind a value in the wrong place silently (``tests/store/test_statements.py`` compares
the answers of parametrised and literal SQL over many selections).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from corridor.store.selection import Selection

#: Marker of code list ``k`` in a template (a string no code can be).
_LIST_MARK = "__corridor_list_{}__"
#: Marker numbers start here (numbers no selection asks for: years, N and limits are far smaller).
_NUMBER_BASE = 1_987_650_000
_LIST_RE = re.compile(r"'__corridor_list_(\d+)__'")
_NUMBER_RE = re.compile(r"(?<![\w.$])(19876500\d\d)(?![\w.])")


@dataclass(frozen=True)
class Values:
    """The values a template's markers stand for: code lists and numbers, in marker order."""

    lists: tuple[tuple[str, ...], ...] = ()
    numbers: tuple[int, ...] = ()


@dataclass
class _Marker:
    lists: list[tuple[str, ...]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    def codes(self, values: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """One marker for a code list; ``None`` and an empty list stay as they are (part of the shape)."""
        if not values:
            return values
        self.lists.append(tuple(values))
        return (_LIST_MARK.format(len(self.lists) - 1),)

    def number(self, value: int | None) -> int | None:
        if value is None:
            return None
        self.numbers.append(int(value))
        return _NUMBER_BASE + len(self.numbers) - 1


def template(sel: Selection, *numbers: int | None) -> tuple[Selection, tuple[int | None, ...], Values]:
    """``sel`` with its values replaced by markers, ``numbers`` (limit, offset) likewise, and the values."""
    mark = _Marker()
    access = None if sel.access is None else mark.codes(tuple(sorted(sel.access)))
    shaped = replace(
        sel,
        dataflows=mark.codes(sel.dataflows) or (),
        filters=tuple((column, mark.codes(codes) or ()) for column, codes in sel.filters),
        series=mark.codes(sel.series),
        dataset_ids=mark.codes(sel.dataset_ids),
        access=None if access is None else frozenset(access),
        start_year=mark.number(sel.start_year), end_year=mark.number(sel.end_year),
        first_n=mark.number(sel.first_n), last_n=mark.number(sel.last_n),
    )
    marked = tuple(mark.number(n) for n in numbers)
    return shaped, marked, Values(tuple(mark.lists), tuple(mark.numbers))


@dataclass
class Statement:
    """The SQL of one selection shape with its markers located (see the module docstring)."""

    sql: str
    lists: int
    numbers: int
    _texts: dict[tuple[int, ...], str] = field(default_factory=dict)

    @classmethod
    def of(cls, sql: str, values: Values) -> Statement:
        """Check that every marker sits where a parameter can (or raise), and keep the SQL."""
        found = {int(m) for m in _LIST_RE.findall(sql)}
        if found != set(range(len(values.lists))):
            raise ValueError(f"the compiled SQL holds code-list markers {sorted(found)}, expected "
                             f"{len(values.lists)}: Ibis no longer emits each list as written")
        for match in _LIST_RE.finditer(sql):
            if not sql[:match.start()].endswith("IN (") or not sql[match.end():].startswith(")"):
                raise ValueError(f"code-list marker {match.group(0)} is not the whole of an IN (...) list: "
                                 f"...{sql[max(0, match.start() - 60):match.end() + 20]}...")
        numbers = {int(m) - _NUMBER_BASE for m in _NUMBER_RE.findall(sql)}
        if numbers != set(range(len(values.numbers))):
            raise ValueError(f"the compiled SQL holds number markers {sorted(numbers)}, expected "
                             f"{len(values.numbers)}")
        return cls(sql, len(values.lists), len(values.numbers))

    def bind(self, values: Values) -> tuple[str, dict[str, Any]]:
        """The SQL text for these list lengths (cached per lengths) and its named parameters."""
        lengths = tuple(len(codes) for codes in values.lists)
        text = self._texts.get(lengths)
        if text is None:
            text = _LIST_RE.sub(lambda m: ", ".join(f"$p{m.group(1)}_{i}" for i in range(lengths[int(m.group(1))])),
                                self.sql)
            text = _NUMBER_RE.sub(lambda m: f"$n{int(m.group(1)) - _NUMBER_BASE}", text)
            self._texts[lengths] = text
        params: dict[str, Any] = {f"n{k}": n for k, n in enumerate(values.numbers)}
        for k, codes in enumerate(values.lists):
            params.update((f"p{k}_{i}", code) for i, code in enumerate(codes))
        return text, params


#: ``compile(kind, selection, *args) -> SQL``: the warehouse's one compiler of selections.
Compiler = Callable[..., str]


def parametrised(compile: Compiler, kind: str, sel: Selection, *args: Any) -> tuple[str, dict[str, Any]]:  # noqa: A002
    """SQL with named parameters, and their values, for one read of ``sel`` (``kind`` and ``args`` as
    ``compile`` takes them; a read's limit and offset are marked too)."""
    if kind == "rows":
        limit, offset, columns = args
        shaped, (limit_mark, offset_mark), values = template(sel, limit, offset or None)
        stmt = statement(compile, kind, shaped, values, limit_mark, offset_mark or 0, columns)
    else:
        shaped, _, values = template(sel)
        stmt = statement(compile, kind, shaped, values, *args)
    return stmt.bind(values)


@lru_cache(maxsize=1024)
def _statement(compile: Compiler, kind: str, shaped: Selection, lists: int, numbers: int,  # noqa: A002
               *args: Any) -> Statement:
    return Statement.of(compile(kind, shaped, *args), Values(((),) * lists, (0,) * numbers))


def statement(compile: Compiler, kind: str, shaped: Selection, values: Values, *args: Any) -> Statement:  # noqa: A002
    """The compiled statement of a template (once per shape and process: cached)."""
    return _statement(compile, kind, shaped, len(values.lists), len(values.numbers), *args)


def compilations() -> int:
    """How many shapes have been compiled in this process (a cache miss each; for tests and logs)."""
    return _statement.cache_info().misses
