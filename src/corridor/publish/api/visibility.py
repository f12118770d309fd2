"""What a caller may *see* of the served snapshot: dataflows, codes and datasets, by access level.

Access control on observations is the store's (a :class:`~corridor.store.selection.Selection` names
the access levels the reader may see). Structures and error messages must not tell more than the
observations would: a dataflow that exists only in restricted data, a code used only there, or the id
of an embargoed dataset must not appear in any answer to a caller who may not read them (issue 11,
"Restricted material leaks outside /data").

The rules, decided once per snapshot from the warehouse (two group-bys through
:meth:`Warehouse.summary`):

* a **dataflow** is visible to a caller when it holds observations the caller may read. A dataflow of
  the registry with no observations at all is not listed either, so that an anonymous caller cannot
  tell "empty" from "restricted only" by comparing the listing with the (public) registry;
* a **code** is visible unless every observation that uses it (in any coded column rendered with its
  codelist) is in data the caller may not read. Codes no observation uses stay listed: the
  codelists are the public reference registries (``reference/data``), and cutting them to the codes
  in use would break clients that validate keys against them;
* a **dataset** (and so a vintage named by ``asOf``) is visible when the caller may read its access
  level; an invisible one is answered exactly as an unknown one.

Readable access levels come from :meth:`corridor.publish.security.Principal.may_read`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corridor.publish.security import Principal
from corridor.reference.dataflows import ATTRIBUTES, Dataflow
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse


def coded_columns(flows: Iterable[Dataflow]) -> dict[str, set[str]]:
    """Warehouse column -> codelist names it is rendered with (dimensions of every flow, coded attributes)."""
    out: dict[str, set[str]] = {}
    for flow in flows:
        for dim in flow.dimensions:
            out.setdefault(dim.column, set()).add(dim.codelist)
    for column, codelist, _description in ATTRIBUTES.values():
        if codelist:
            out.setdefault(column, set()).add(codelist)
    return out


@dataclass(frozen=True)
class Visibility:
    """Access levels under which each dataflow and each (codelist, code) occurs in the snapshot."""

    #: dataflow id -> access levels of its observations
    flows: dict[str, frozenset[str]]
    #: codelist name (``AREA``) -> code -> access levels of the observations using it
    codes: dict[str, dict[str, frozenset[str]]]

    @classmethod
    def of_warehouse(cls, wh: Warehouse, flows: dict[str, Dataflow]) -> Visibility:
        """Read the levels from ``wh`` (every vintage, every access level)."""
        everything = Selection.of(tuple(flows), vintages="all", access=None)
        by_flow: dict[str, set[str]] = {}
        for row in wh.summary(everything, by=("dataflow", "access")).itertuples(index=False):
            by_flow.setdefault(str(row.dataflow), set()).add(str(row.access or "public"))
        by_code: dict[str, dict[str, set[str]]] = {}
        for column, codelists in coded_columns(flows.values()).items():
            frame = wh.summary(everything, by=(column, "access"))
            for code, access in zip(frame[column], frame["access"], strict=True):
                if code is None or code != code:  # NULL / NaN: no code
                    continue
                for codelist in codelists:
                    by_code.setdefault(codelist, {}).setdefault(str(code), set()).add(str(access or "public"))
        return cls(flows={f: frozenset(v) for f, v in by_flow.items()},
                   codes={cl: {c: frozenset(v) for c, v in found.items()} for cl, found in by_code.items()})

    @staticmethod
    def _readable(levels: frozenset[str], principal: Principal) -> bool:
        return any(principal.may_read(level) for level in levels)

    def flow_visible(self, flow_id: str, principal: Principal) -> bool:
        """Whether ``principal`` may read some observation of ``flow_id``."""
        levels = self.flows.get(flow_id)
        return levels is not None and self._readable(levels, principal)

    def code_visible(self, codelist: str, code: str, principal: Principal) -> bool:
        """Whether a code may be shown: unused, or used by some observation ``principal`` may read."""
        levels = self.codes.get(codelist, {}).get(code)
        return levels is None or self._readable(levels, principal)

    def hidden_codes(self, codelist: str, principal: Principal) -> frozenset[str]:
        """Codes of ``codelist`` used only in observations ``principal`` may not read."""
        return frozenset(code for code, levels in self.codes.get(codelist, {}).items()
                         if not self._readable(levels, principal))

    def view(self, principal: Principal) -> View:
        """What ``principal`` sees (one per request)."""
        return View(self, principal)


@dataclass(frozen=True)
class View:
    """The visibility rules bound to one caller."""

    visibility: Visibility
    principal: Principal

    @property
    def key(self) -> tuple[str, ...]:
        """What decides what this caller sees (for cache keys): ``admin``, or its roles."""
        roles = self.principal.roles
        return ("*admin*",) if "admin" in roles else tuple(sorted(roles))

    def flow(self, flow_id: str) -> bool:
        return self.visibility.flow_visible(flow_id, self.principal)

    def code(self, codelist: str, code: str) -> bool:
        return self.visibility.code_visible(codelist, code, self.principal)

    def hidden(self, codelist: str) -> frozenset[str]:
        return self.visibility.hidden_codes(codelist, self.principal)
