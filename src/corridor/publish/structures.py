"""SDMX structures of the API: dataflows, data structure definitions (DSDs) and codelists, *rendered*.

The SDMX information model (SDMX 2.1 Technical Notes, section 2; Information Model, part 5 "Data
Structure Definition and Dataset") describes a dataset by a *data structure definition*: the
dimensions that identify an observation (the *key*), the measure (``OBS_VALUE``) and attributes
(``OBS_STATUS``, ``CONF_STATUS``, ...), each with its concept and, for coded components, a
*codelist*. A *dataflow* points at a DSD. Agency: ``CORRIDOR``, version ``1.0``.

Nothing here defines a dataflow or a code: the dataflows, their keys and the attributes come from
the dataflow registry (:mod:`corridor.reference.dataflows`), every codelist from
:mod:`corridor.reference.codes` (SDMX codelist id ``CL_<NAME>``, named by ``CODELIST_NAMES``), and
the data type of each attribute from the warehouse schema (:data:`corridor.store.warehouse.OBSERVATION_COLUMNS`).
This module turns them into ``pysdmx`` model objects. Which of them a caller is shown -- the
dataflows holding data it may read, the codes not used only in data it may not read -- is decided by
:mod:`corridor.publish.api.visibility`; this catalogue renders whole and partial artefacts.

Warehouse dimension columns outside a dataflow's key are held at the total ``_T`` in every answer
(``Dataflow.key_totals`` in the registry), and every data structure ends its key with ``SOURCE``, the
series (:data:`corridor.reference.dataflows.SOURCE_DIMENSION`), so that a key identifies one observation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pysdmx.model import (
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    DataStructureDefinition,
    DataType,
    Role,
    Schema,
)
from pysdmx.model import Dataflow as SdmxDataflow

from corridor.reference.codes import CODELIST_NAMES, codelists, codes
from corridor.reference.dataflows import ATTRIBUTES, CONCEPT_NAMES, SOURCE_DIMENSION, Dataflow, Dimension, dataflows
from corridor.store.warehouse import OBSERVATION_COLUMNS, Warehouse

AGENCY = "CORRIDOR"
VERSION = "1.0"
CONCEPT_SCHEME = "CS_CORRIDOR"

_URN = "urn:sdmx:org.sdmx.infomodel"

#: Names of the SDMX concepts of the concept scheme ``CS_CORRIDOR`` (SDMX cross-domain concept names
#: where one exists). A dimension or attribute of the registry without a name here is an error at start.

#: pysdmx data type of a warehouse column, from its SQL type in the warehouse schema.
_SQL_TYPES: dict[str, DataType] = {"DOUBLE": DataType.DOUBLE, "INTEGER": DataType.INTEGER,
                                   "BIGINT": DataType.INTEGER, "VARCHAR": DataType.STRING}


def codelist_id(name: str) -> str:
    """SDMX id of a reference codelist: ``AREA`` -> ``CL_AREA``."""
    return f"CL_{name}"


def _data_type(column: str) -> DataType:
    sql = OBSERVATION_COLUMNS[column].split()[0]
    return _SQL_TYPES[sql]


def _required(column: str) -> bool:
    return "NOT NULL" in OBSERVATION_COLUMNS[column]


def _codelist(cl_id: str, name: str, items: dict[str, str]) -> Codelist:
    return Codelist(
        id=cl_id, agency=AGENCY, version=VERSION, name=name,
        urn=f"{_URN}.codelist.Codelist={AGENCY}:{cl_id}({VERSION})",
        items=[Code(id=k, name=v) for k, v in items.items()],
    )


@dataclass
class Catalog:
    """Every structure the API serves, rendered once from the reference registries."""

    flows: dict[str, Dataflow]
    codes: dict[str, dict[str, str]]  # SDMX codelist id -> code -> name
    codelist_names: dict[str, str] = field(default_factory=dict)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_reference(cls) -> Catalog:
        """Every registered dataflow, every reference codelist (``CL_<NAME>``)."""
        flows = dataflows()
        concepts = [d.id for f in flows.values() for d in f.dimensions] + list(ATTRIBUTES)
        unnamed = sorted({c for c in concepts if c not in CONCEPT_NAMES})
        if unnamed:
            raise ValueError(f"reference/dataflows.py: concepts without a name in CONCEPT_NAMES: {', '.join(unnamed)}")
        names = codelists()
        return cls(flows=flows, codes={codelist_id(n): codes(n) for n in names},
                   codelist_names={codelist_id(n): CODELIST_NAMES[n] for n in names})

    @classmethod
    def from_warehouse(cls, wh: Warehouse) -> Catalog:
        """The catalogue served over ``wh``: the registries' structures (see the module docstring).

        The warehouse is not read: its writes are validated against the same registries, so every
        dataflow and code it holds is in them (which of them a caller sees: :mod:`.api.visibility`).
        """
        return cls.from_reference()

    def codes_of(self, dim: Dimension) -> dict[str, str]:
        """``{code: name}`` of a dimension's codelist."""
        return self.codes[codelist_id(dim.codelist)]

    # -- SDMX artefacts (pysdmx model objects) ----------------------------------------------------
    @cached_property
    def codelists(self) -> dict[str, Codelist]:
        return {cl: _codelist(cl, self.codelist_names.get(cl, cl), items) for cl, items in self.codes.items()}

    @cached_property
    def concepts(self) -> dict[str, Concept]:
        return {
            cid: Concept(id=cid, name=name,
                         urn=f"{_URN}.conceptscheme.Concept={AGENCY}:{CONCEPT_SCHEME}({VERSION}).{cid}")
            for cid, name in CONCEPT_NAMES.items()
        }

    @cached_property
    def concept_scheme(self) -> ConceptScheme:
        return ConceptScheme(
            id=CONCEPT_SCHEME, agency=AGENCY, version=VERSION, name="corridor concepts",
            urn=f"{_URN}.conceptscheme.ConceptScheme={AGENCY}:{CONCEPT_SCHEME}({VERSION})",
            items=list(self.concepts.values()),
        )

    def components(self, flow_id: str) -> Components:
        """Key dimensions (registry order, then ``SOURCE``), ``TIME_PERIOD``, ``OBS_VALUE`` and the
        registry's attributes."""
        flow = self.flows[flow_id]
        comps: list[Component] = [
            Component(id=d.id, required=True, role=Role.DIMENSION, concept=self.concepts[d.id],
                      local_dtype=DataType.STRING, local_codes=self.codelists[codelist_id(d.codelist)],
                      description=d.description)
            for d in flow.dimensions
        ]
        # SOURCE (the series) ends the key, uncoded: it keeps every observation key unique
        # (reference/dataflows.py, SOURCE_DIMENSION)
        comps.append(Component(id=SOURCE_DIMENSION.id, required=True, role=Role.DIMENSION,
                               concept=self.concepts[SOURCE_DIMENSION.id], local_dtype=DataType.STRING,
                               description=SOURCE_DIMENSION.description))
        # SDMX 2.1 (SDMXStructureDataStructure.xsd, TimeDimensionRepresentationType): a time dimension's
        # text format is a time type, never String; ObservationalTimePeriod is the widest of them
        comps.append(Component(id="TIME_PERIOD", required=True, role=Role.DIMENSION,
                               concept=self.concepts["TIME_PERIOD"], local_dtype=DataType.PERIOD))
        comps.append(Component(id="OBS_VALUE", required=False, role=Role.MEASURE,
                               concept=self.concepts["OBS_VALUE"], local_dtype=DataType.DOUBLE))
        for att_id, (column, codelist, description) in ATTRIBUTES.items():
            comps.append(Component(
                id=att_id, required=_required(column), role=Role.ATTRIBUTE, concept=self.concepts[att_id],
                local_dtype=_data_type(column),
                local_codes=self.codelists[codelist_id(codelist)] if codelist else None,
                attachment_level="O", description=description,
            ))
        return Components(comps)

    def dsd(self, flow_id: str) -> DataStructureDefinition:
        flow = self.flows[flow_id]
        return self._artefact(("dsd", flow_id), lambda: DataStructureDefinition(
            id=flow.dsd_id, agency=AGENCY, version=VERSION, name=f"{flow.name} (key {flow.published_key})",
            description=flow.description, components=self.components(flow_id),
            urn=f"{_URN}.datastructure.DataStructure={AGENCY}:{flow.dsd_id}({VERSION})",
        ))

    def dataflow(self, flow_id: str) -> SdmxDataflow:
        flow = self.flows[flow_id]
        return self._artefact(("flow", flow_id), lambda: SdmxDataflow(
            id=flow.id, agency=AGENCY, version=VERSION, name=flow.name, description=flow.description,
            structure=self.dsd(flow_id),
            urn=f"{_URN}.datastructure.Dataflow={AGENCY}:{flow.id}({VERSION})",
        ))

    def schema(self, flow_id: str) -> Schema:
        """The pysdmx ``Schema`` the data writers need (SDMX-CSV and SDMX-ML)."""
        return self._artefact(("schema", flow_id), lambda: Schema(
            context="dataflow", agency=AGENCY, id=flow_id, version=VERSION,
            components=self.components(flow_id), name=self.flows[flow_id].name,
        ))

    def partial_codelist(self, cl_id: str, hidden: frozenset[str]) -> Codelist:
        """Codelist ``cl_id`` without the codes in ``hidden`` (an SDMX *partial* codelist: same id,
        version and URN, fewer codes; SDMX 2.1 Technical Notes, 4.4 "detail=referencepartial")."""
        if not hidden:
            return self.codelists[cl_id]
        items = {k: v for k, v in self.codes[cl_id].items() if k not in hidden}
        return self._artefact(("partial", cl_id, hidden), lambda: _codelist(
            cl_id, self.codelist_names.get(cl_id, cl_id), items))

    def partial_concept_scheme(self, flow_ids: Iterable[str]) -> ConceptScheme:
        """The concept scheme with the concepts of these dataflows' keys, the time period, the measure
        and the attributes only (the concepts of dataflows a caller may not see are left out)."""
        wanted = {d.id for f in flow_ids for d in self.flows[f].published_dimensions} | {"TIME_PERIOD", "OBS_VALUE"} \
            | set(ATTRIBUTES)
        if wanted >= set(self.concepts):
            return self.concept_scheme
        return self._artefact(("concepts", frozenset(wanted)), lambda: ConceptScheme(
            id=CONCEPT_SCHEME, agency=AGENCY, version=VERSION, name="corridor concepts",
            urn=f"{_URN}.conceptscheme.ConceptScheme={AGENCY}:{CONCEPT_SCHEME}({VERSION})",
            items=[c for cid, c in self.concepts.items() if cid in wanted],
        ))

    def codelists_of(self, flow_ids: Iterable[str]) -> list[Codelist]:
        """The codelists of these dataflows' dimensions, then those of the coded attributes."""
        wanted: list[str] = []
        names = [d.codelist for f in flow_ids for d in self.flows[f].dimensions]
        names += [codelist for _col, codelist, _desc in ATTRIBUTES.values() if codelist]
        for name in names:
            if codelist_id(name) not in wanted:
                wanted.append(codelist_id(name))
        return [self.codelists[c] for c in wanted]

    def _artefact(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        store = self.__dict__.setdefault("_artefacts", {})
        if key not in store:
            store[key] = build()
        return store[key]
