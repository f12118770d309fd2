"""SDMX structures of the API: dataflows, data structure definitions (DSDs) and codelists.

The SDMX information model (SDMX 2.1 Technical Notes, section 2; Information Model, part 5 "Data
Structure Definition and Dataset") describes a dataset by a *data structure definition*: the
dimensions that identify an observation (the *key*), the measure (``OBS_VALUE``) and attributes
(``OBS_STATUS``, ``CONF_STATUS``, ...), each with its concept and, for coded components, a
*codelist*. A *dataflow* points at a DSD. Agency: ``CORRIDOR``, version ``1.0``.

Dataflows are described as data (:data:`FLOW_DEFINITIONS`): adding a dataflow is one entry. A dataflow
found in the warehouse without an entry gets the generic key ``REF_AREA.COUNTERPART_AREA.SEX.AGE``.
Warehouse columns that are not part of a dataflow's key are fixed at ``_T`` (total) so that every key
identifies one observation per dataset.

Codelists come from ``corridor.reference`` where it has them (areas: UN M49 with names) and from the
warehouse itself for codes only the data define (age groups, estimation methods), so every code that
can appear in a response is in a codelist.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from pysdmx.model import (
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Role,
    Schema,
)

AGENCY = "CORRIDOR"
VERSION = "1.0"
CONCEPT_SCHEME = "CS_CORRIDOR"

_URN = "urn:sdmx:org.sdmx.infomodel"


@dataclass(frozen=True)
class Dimension:
    """One key position: its SDMX id, the warehouse column it reads, its codelist and meaning."""

    id: str
    column: str
    codelist: str
    description: str


@dataclass(frozen=True)
class FlowDefinition:
    """A dataflow: id, name, its key dimensions (in key order) and what it measures."""

    id: str
    name: str
    description: str
    dimensions: tuple[Dimension, ...]

    @property
    def key_template(self) -> str:
        return ".".join(d.id for d in self.dimensions)

    @property
    def dsd_id(self) -> str:
        return f"DSD_{self.id}"

    def fixed_columns(self) -> dict[str, str]:
        """Warehouse dimension columns outside the key, held at the total ``_T``."""
        used = {d.column for d in self.dimensions}
        return {c: "_T" for c in ("counterpart_area", "birthplace", "sex", "age") if c not in used}


def _dim(sdmx_id: str, description: str) -> Dimension:
    column, codelist = {
        "REF_AREA": ("ref_area", "CL_AREA"),
        "COUNTERPART_AREA": ("counterpart_area", "CL_AREA"),
        "SEX": ("sex", "CL_SEX"),
        "AGE": ("age", "CL_AGE"),
        "METHOD": ("method", "CL_METHOD"),
    }[sdmx_id]
    return Dimension(sdmx_id, column, codelist, description)


_SEX = _dim("SEX", "sex: _T total, M male, F female")
_AGE = _dim("AGE", "age group: _T all ages, Y0T4 0-4 years, ...")
_ASYLUM = _dim("REF_AREA", "country of asylum")
_ORIGIN = _dim("COUNTERPART_AREA", "country of origin")

#: The dataflows corridor publishes, in the order they are listed.
FLOW_DEFINITIONS: dict[str, FlowDefinition] = {
    f.id: f
    for f in (
        FlowDefinition(
            "MIG_STOCK", "International migrant stock",
            "Persons living in REF_AREA (country of residence) born in, or citizens of, COUNTERPART_AREA "
            "(_T = from anywhere) at mid-year. Which of the two depends on the source (see the dataset's "
            "concept).",
            (_dim("REF_AREA", "country or area of residence (destination)"),
             _dim("COUNTERPART_AREA", "country or area of birth or citizenship (origin); _T total"), _SEX),
        ),
        FlowDefinition(
            "MIG_FLOW", "Estimated migration flows",
            "Persons moving to REF_AREA (destination) from COUNTERPART_AREA (origin) during the period, "
            "by estimation METHOD.",
            (_dim("REF_AREA", "destination"), _dim("COUNTERPART_AREA", "origin; _T total"), _SEX,
             _dim("METHOD", "estimation method (published = as the publisher gives it)")),
        ),
        FlowDefinition("MIG_SHARE", "International migrants as a share of the population",
                       "International migrant stock in REF_AREA as a percentage of its population, mid-year.",
                       (_dim("REF_AREA", "country or area"), _SEX)),
        FlowDefinition("POP", "Population", "Population of REF_AREA by sex and age at mid-year.",
                       (_dim("REF_AREA", "country or area"), _SEX, _AGE)),
        FlowDefinition("BIRTHS", "Births", "Live births in REF_AREA during the period.",
                       (_dim("REF_AREA", "country or area"),)),
        FlowDefinition("DEATHS", "Deaths", "Deaths in REF_AREA during the period.",
                       (_dim("REF_AREA", "country or area"), _SEX)),
        FlowDefinition("NET_MIG", "Net migration",
                       "Net number of migrants (immigrants minus emigrants) of REF_AREA during the period.",
                       (_dim("REF_AREA", "country or area"), _SEX)),
        FlowDefinition("REFUGEES", "Refugees",
                       "Refugees in REF_AREA (country of asylum) from COUNTERPART_AREA (origin), end of "
                       "year.", (_ASYLUM, _ORIGIN)),
        FlowDefinition("ASYLUM_SEEKERS", "Asylum seekers",
                       "Asylum seekers in REF_AREA (country of asylum) from COUNTERPART_AREA (origin).",
                       (_ASYLUM, _ORIGIN)),
        FlowDefinition("REMIT", "Remittances",
                       "Remittances received by REF_AREA from COUNTERPART_AREA (_T: all senders), US$.",
                       (_dim("REF_AREA", "receiving country"), _dim("COUNTERPART_AREA", "sending country"))),
        FlowDefinition("REMIT_PAID", "Personal remittances paid",
                       "Personal remittances paid by residents of REF_AREA to the rest of the world, current US$.",
                       (_dim("REF_AREA", "sending country"),)),
        FlowDefinition("REMIT_COST", "Cost of sending remittances",
                       "Average total cost (%) of sending USD 200 from COUNTERPART_AREA to REF_AREA "
                       "(SDG indicator 10.c.1).",
                       (_dim("REF_AREA", "receiving country"), _dim("COUNTERPART_AREA", "sending country"))),
    )
}


def generic_flow(flow_id: str) -> FlowDefinition:
    """The definition given to a dataflow present in the warehouse but not in the table above."""
    return FlowDefinition(
        flow_id, flow_id.replace("_", " ").capitalize(), f"Dataflow {flow_id} (generic key).",
        (_dim("REF_AREA", "country or area"), _dim("COUNTERPART_AREA", "counterpart area; _T total"),
         _SEX, _AGE),
    )


#: Attributes every observation carries (SDMX cross-domain concepts where one exists), all attached
#: at observation level: (id, warehouse column, data type, description).
ATTRIBUTES: tuple[tuple[str, str, DataType, str], ...] = (
    ("OBS_STATUS", "obs_status", DataType.STRING, "observation status (CL_OBS_STATUS)"),
    ("CONF_STATUS", "conf_status", DataType.STRING, "confidentiality status (CL_CONF_STATUS)"),
    ("UNIT_MEASURE", "unit_measure", DataType.STRING, "unit: PS persons, USD US dollars, PT percent"),
    ("UNIT_MULT", "unit_mult", DataType.INTEGER, "power of ten: the value is OBS_VALUE x 10^UNIT_MULT units"),
    ("DATASET_ID", "dataset_id", DataType.STRING,
     "the dataset (release or estimate run) the number comes from"),
    ("LOWER", "lower", DataType.DOUBLE, "lower bound of the interval, for estimates"),
    ("UPPER", "upper", DataType.DOUBLE, "upper bound of the interval, for estimates"),
    ("INTERVAL", "interval", DataType.STRING, "what the LOWER-UPPER interval is"),
    ("OBS_METHOD", "method", DataType.STRING, "how the number was made: published, adapter or method id"),
    ("BASIS", "basis", DataType.STRING, "basis of the count (birthplace or citizenship), where known"),
)

CONCEPT_NAMES: dict[str, str] = {
    "REF_AREA": "Reference area", "COUNTERPART_AREA": "Counterpart area", "SEX": "Sex", "AGE": "Age",
    "METHOD": "Estimation method", "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value",
    "OBS_STATUS": "Observation status", "CONF_STATUS": "Confidentiality status",
    "UNIT_MEASURE": "Unit of measure", "UNIT_MULT": "Unit multiplier", "DATASET_ID": "Dataset",
    "LOWER": "Lower bound", "UPPER": "Upper bound", "INTERVAL": "Interval definition",
    "OBS_METHOD": "Observation method", "BASIS": "Basis of the count",
}

#: SDMX cross-domain code lists (SDMX Content-Oriented Guidelines, CL_OBS_STATUS 2.2, CL_CONF_STATUS 1.3),
#: restricted to the codes corridor uses.
FIXED_CODELISTS: dict[str, tuple[str, dict[str, str]]] = {
    "CL_SEX": ("Sex", {"_T": "Total", "M": "Male", "F": "Female"}),
    "CL_OBS_STATUS": ("Observation status", {
        "A": "Normal value", "B": "Time series break", "E": "Estimated value", "F": "Forecast value",
        "I": "Imputed value (CCSA definition)", "L": "Missing value; data exist but were not collected",
        "M": "Missing value; data cannot exist", "O": "Missing value", "P": "Provisional value",
        "Q": "Missing value; suppressed", "U": "Low reliability",
    }),
    "CL_CONF_STATUS": ("Confidentiality status", {
        "F": "Free", "A": "Primary confidentiality due to small counts",
        "C": "Confidential statistical information", "D": "Secondary confidentiality set by the sender",
        "N": "Not for publication, restricted for internal use only",
        "S": "Secondary confidentiality set and not disseminated",
    }),
    "CL_UNIT_MEASURE": ("Unit of measure", {"PS": "Persons", "USD": "US dollars", "PT": "Percent"}),
}


def _age_name(code: str) -> str:
    """Readable name of an SDMX age code (``Y0T4`` -> ``0 to 4 years``)."""
    if code == "_T":
        return "All ages"
    body = code[1:] if code.startswith("Y") else code
    if body.startswith("_LT"):
        return f"Under {body[3:]} years"
    if body.endswith("T_"):
        return f"{body[:-2]} years and over"
    if "T" in body:
        low, high = body.split("T", 1)
        return f"{low} to {high} years"
    return code


def _area_names() -> dict[str, str]:
    """M49 code -> name from ``corridor.reference.areas`` (empty if that module is not installed)."""
    try:
        areas = importlib.import_module("corridor.reference.areas")
    except ModuleNotFoundError:
        return {}
    table = areas.area_table()
    return {str(k): str(v) for k, v in zip(table["m49"], table["name"], strict=True)}


def _codelist(cl_id: str, name: str, codes: dict[str, str], description: str | None = None) -> Codelist:
    return Codelist(
        id=cl_id, agency=AGENCY, version=VERSION, name=name, description=description,
        urn=f"{_URN}.codelist.Codelist={AGENCY}:{cl_id}({VERSION})",
        items=[Code(id=k, name=v) for k, v in codes.items()],
    )


@dataclass
class Catalog:
    """Every structure the API serves, built once from the warehouse (it is read-only while served)."""

    flows: dict[str, FlowDefinition]
    codes: dict[str, dict[str, str]]  # codelist id -> code -> name
    codelist_names: dict[str, str] = field(default_factory=dict)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_warehouse(cls, con) -> Catalog:  # noqa: ANN001 - a duckdb connection or cursor
        """Dataflows present in the warehouse, with codelists covering every code in the data."""
        present = [r[0] for r in con.execute(
            "SELECT DISTINCT dataflow FROM observations ORDER BY dataflow").fetchall()]
        flows = {k: v for k, v in FLOW_DEFINITIONS.items() if k in present or k in ("MIG_STOCK", "MIG_FLOW")}
        for flow_id in present:
            flows.setdefault(flow_id, generic_flow(flow_id))

        def distinct(sql: str) -> list[str]:
            return [str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None]

        data_areas = distinct(
            "SELECT DISTINCT ref_area FROM observations "
            "UNION SELECT DISTINCT counterpart_area FROM observations")
        names = _area_names()
        areas = {"_T": "Total (all areas)"}
        for code in sorted(set(names) | set(data_areas), key=_area_sort_key):
            if code != "_T":
                areas[code] = names.get(code, f"Area {code} (M49)")
        ages = distinct("SELECT DISTINCT age FROM observations")
        methods = distinct("SELECT DISTINCT method FROM observations")
        codes = {cl: dict(items) for cl, (_, items) in FIXED_CODELISTS.items()}
        codes["CL_AREA"] = areas
        codes["CL_AGE"] = {c: _age_name(c) for c in sorted(set(ages) | {"_T"}, key=_age_sort_key)}
        codes["CL_METHOD"] = {c: c for c in sorted(set(methods) | {"published"})}
        for extra in distinct("SELECT DISTINCT obs_status FROM observations"):
            codes["CL_OBS_STATUS"].setdefault(extra, extra)
        for extra in distinct("SELECT DISTINCT conf_status FROM observations"):
            codes["CL_CONF_STATUS"].setdefault(extra, extra)
        cl_names = {cl: name for cl, (name, _) in FIXED_CODELISTS.items()}
        cl_names.update({"CL_AREA": "Areas (UN M49 numeric codes)", "CL_AGE": "Age groups",
                         "CL_METHOD": "Methods (published, or corridor's estimation method ids)"})
        return cls(flows=flows, codes=codes, codelist_names=cl_names)

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
        flow = self.flows[flow_id]
        comps: list[Component] = [
            Component(id=d.id, required=True, role=Role.DIMENSION, concept=self.concepts[d.id],
                      local_dtype=DataType.STRING, local_codes=self.codelists[d.codelist],
                      description=d.description)
            for d in flow.dimensions
        ]
        comps.append(Component(id="TIME_PERIOD", required=True, role=Role.DIMENSION,
                               concept=self.concepts["TIME_PERIOD"], local_dtype=DataType.STRING))
        comps.append(Component(id="OBS_VALUE", required=False, role=Role.MEASURE,
                               concept=self.concepts["OBS_VALUE"], local_dtype=DataType.DOUBLE))
        coded = {"OBS_STATUS": "CL_OBS_STATUS", "CONF_STATUS": "CL_CONF_STATUS",
                 "UNIT_MEASURE": "CL_UNIT_MEASURE"}
        for att_id, _col, dtype, description in ATTRIBUTES:
            comps.append(Component(
                id=att_id, required=att_id in ("OBS_STATUS", "CONF_STATUS", "DATASET_ID"),
                role=Role.ATTRIBUTE, concept=self.concepts[att_id], local_dtype=dtype,
                local_codes=self.codelists[coded[att_id]] if att_id in coded else None,
                attachment_level="O", description=description,
            ))
        return Components(comps)

    def dsd(self, flow_id: str) -> DataStructureDefinition:
        flow = self.flows[flow_id]
        return _cached(self, ("dsd", flow_id), lambda: DataStructureDefinition(
            id=flow.dsd_id, agency=AGENCY, version=VERSION, name=f"{flow.name} (key {flow.key_template})",
            description=flow.description, components=self.components(flow_id),
            urn=f"{_URN}.datastructure.DataStructure={AGENCY}:{flow.dsd_id}({VERSION})",
        ))

    def dataflow(self, flow_id: str) -> Dataflow:
        flow = self.flows[flow_id]
        return _cached(self, ("flow", flow_id), lambda: Dataflow(
            id=flow.id, agency=AGENCY, version=VERSION, name=flow.name, description=flow.description,
            structure=self.dsd(flow_id),
            urn=f"{_URN}.datastructure.Dataflow={AGENCY}:{flow.id}({VERSION})",
        ))

    def schema(self, flow_id: str) -> Schema:
        """The pysdmx ``Schema`` the data writers need (SDMX-CSV and SDMX-ML)."""
        return _cached(self, ("schema", flow_id), lambda: Schema(
            context="dataflow", agency=AGENCY, id=flow_id, version=VERSION,
            components=self.components(flow_id), name=self.flows[flow_id].name,
        ))

    def codelists_of(self, flow_ids: Iterable[str]) -> list[Codelist]:
        wanted: list[str] = []
        for flow_id in flow_ids:
            for d in self.flows[flow_id].dimensions:
                if d.codelist not in wanted:
                    wanted.append(d.codelist)
        for cl in ("CL_OBS_STATUS", "CL_CONF_STATUS", "CL_UNIT_MEASURE"):
            if cl not in wanted:
                wanted.append(cl)
        return [self.codelists[c] for c in wanted]

    def codelist_frame(self, cl_id: str) -> pd.DataFrame:
        return pd.DataFrame({"id": list(self.codes[cl_id]), "name": list(self.codes[cl_id].values())})


def _cached(catalog: Catalog, key: tuple[str, str], build):  # noqa: ANN001, ANN202
    store = catalog.__dict__.setdefault("_artefacts", {})
    if key not in store:
        store[key] = build()
    return store[key]


def _area_sort_key(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**9, code)


def _age_sort_key(code: str) -> tuple[int, str]:
    if code == "_T":
        return (-1, code)
    digits = "".join(ch if ch.isdigit() else " " for ch in code).split()
    return (int(digits[0]) if digits else 10**6, code)
