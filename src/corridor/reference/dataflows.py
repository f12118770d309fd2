"""The dataflow registry (``data/dataflows.yaml``): what each dataflow measures and its key.

A *dataflow* (SDMX Information Model) is a set of observations sharing one key structure: its
dimensions in key order, each with the codelist its codes come from, the units it may be in and
whether a negative value can be right. The store validates every write against this registry and
``publish/`` renders it; nothing else defines a dataflow. Codelists live beside it
(:mod:`corridor.reference.codes`, areas in :mod:`corridor.reference.areas`).

Warehouse observation columns (:data:`DIMENSION_COLUMNS`) that are not in a dataflow's key hold the
total ``_T``, except the dataflow's ``extra_columns`` (``MIG_FLOW`` keeps flows by birthplace).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from corridor.errors import InputError

#: Warehouse columns that are dimensions of an observation, in partition order (with ``dataflow`` and
#: ``time_period`` they identify an observation within a dataset).
DIMENSION_COLUMNS: tuple[str, ...] = (
    "ref_area", "counterpart_area", "birthplace", "sex", "age", "topic", "method",
)

#: Attributes every observation carries, attached at observation level:
#: SDMX id -> (warehouse column, codelist or None, description).
ATTRIBUTES: dict[str, tuple[str, str | None, str]] = {
    "OBS_STATUS": ("obs_status", "OBS_STATUS", "observation status (CL_OBS_STATUS)"),
    "CONF_STATUS": ("conf_status", "CONF_STATUS", "confidentiality status (CL_CONF_STATUS)"),
    "UNIT_MEASURE": ("unit_measure", "UNIT_MEASURE", "unit: PS persons, USD US dollars, PT percent"),
    "UNIT_MULT": ("unit_mult", None, "power of ten: the value is OBS_VALUE x 10^UNIT_MULT units"),
    "DATASET_ID": ("dataset_id", None, "the dataset (release or estimate run) the number comes from"),
    "LOWER": ("lower", None, "lower bound of the interval, for estimates"),
    "UPPER": ("upper", None, "upper bound of the interval, for estimates"),
    "INTERVAL": ("interval", None, "what the LOWER-UPPER interval is"),
    "OBS_METHOD": ("method", "METHOD", "how the number was made: published, adapter or method id"),
    "BASIS": ("basis", None, "basis of the count (birthplace or citizenship), where known"),
}


#: Name of every SDMX concept a dimension or attribute stands for (the API's concept scheme).
CONCEPT_NAMES: dict[str, str] = {
    "REF_AREA": "Reference area", "COUNTERPART_AREA": "Counterpart area", "SEX": "Sex", "AGE": "Age",
    "METHOD": "Estimation method", "TOPIC": "Core census question",
    "OCCUPATION": "Occupation (ISCO-08)", "TIME_PERIOD": "Time period",
    "MEASURE": "Indicator measure", "TREATY": "Treaty", "DIRECTION": "Direction of a recorded migration",
    "EXCH_MEASURE": "Matching quality measure",
    "OBS_VALUE": "Observation value", "OBS_STATUS": "Observation status", "CONF_STATUS": "Confidentiality status",
    "UNIT_MEASURE": "Unit of measure", "UNIT_MULT": "Unit multiplier", "DATASET_ID": "Dataset",
    "LOWER": "Lower bound", "UPPER": "Upper bound", "INTERVAL": "Interval definition",
    "OBS_METHOD": "Observation method", "BASIS": "Basis of the count",
    "BREAKDOWN": "Breakdown (occupation group or sector)",
    "SOURCE": "Source (series)",
}


@dataclass(frozen=True)
class Dimension:
    """One key position: SDMX id, the warehouse column it reads, its codelist and meaning."""

    id: str
    column: str
    codelist: str
    description: str


#: The last key position of every published dataflow (SDMX data structure definitions of the API): the
#: *series* a number belongs to (``undesa-ims``, ``wpp``, a flow-estimate run's series), read from the
#: dataset's ``series`` column. The store keeps one observation per series and observation key (its
#: vintage rule; :mod:`corridor.store.selection`), so with SOURCE in the key every observation key of an
#: answer is unique, while figures of two sources for the same cell stay side by side (issue 11: with the
#: source an attribute, overlapping series repeated keys). The vintage is not a dimension: ``asOf``
#: chooses it. Uncoded (``codelist`` empty): the series are those of the release catalogue and of the
#: estimate runs, not a reference codelist. Registry dimensions never include it: a write is keyed by its
#: dataset, which names its series.
SOURCE_DIMENSION = Dimension("SOURCE", "series", "",
                             "the series the number comes from (publisher's product or estimate run); "
                             "asOf chooses its vintage")


@dataclass(frozen=True)
class View:
    """How a page titles a dataflow; ``reverse``: money goes the other way (REF_AREA = origin)."""

    title: str
    value_title: str
    unit: str
    description: str
    reverse: bool = False


@dataclass(frozen=True)
class Dataflow:
    """A registered dataflow (see the module docstring)."""

    id: str
    name: str
    description: str
    dimensions: tuple[Dimension, ...]
    units: tuple[str, ...]
    nonnegative: bool
    view: View
    extra_columns: tuple[tuple[str, str], ...] = ()

    @property
    def key_template(self) -> str:
        return ".".join(d.id for d in self.dimensions)

    @property
    def published_dimensions(self) -> tuple[Dimension, ...]:
        """The key of the published data structure: the registry's dimensions, then
        :data:`SOURCE_DIMENSION`."""
        return (*self.dimensions, SOURCE_DIMENSION)

    @property
    def published_key(self) -> str:
        """The key template of the published data structure (``REF_AREA.COUNTERPART_AREA.SEX.SOURCE``)."""
        return ".".join(d.id for d in self.published_dimensions)

    @property
    def dsd_id(self) -> str:
        return f"DSD_{self.id}"

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise InputError(f"dataflow {self.id} has no dimension {dimension_id!r}; "
                         f"its key is {self.key_template}")

    def column_codelists(self) -> dict[str, str]:
        """Warehouse column -> codelist, for every column that may hold codes other than ``_T``."""
        out = {d.column: d.codelist for d in self.dimensions}
        out.update(dict(self.extra_columns))
        return out

    def key_totals(self) -> dict[str, str]:
        """Columns a keyed read (API key, explorer) holds at the total ``_T``: every dimension column
        outside the key, ``extra_columns`` included (MIG_FLOW's flows by birthplace are read at their
        total), so that a key identifies one observation per dataset and method.

        ``method`` is never a total: outside a key it says how each number was made (the attribute
        ``OBS_METHOD``)."""
        in_key = {d.column for d in self.dimensions}
        return {c: "_T" for c in DIMENSION_COLUMNS if c not in in_key and c != "method"}

    def fixed_columns(self) -> dict[str, str]:
        """Columns every stored observation holds at ``_T``: :meth:`key_totals` less the extra columns."""
        extra = dict(self.extra_columns)
        return {c: v for c, v in self.key_totals().items() if c not in extra}


def _parse(flow_id: str, body: dict) -> Dataflow:
    dims = tuple(Dimension(dim_id, spec["column"], spec["codelist"], spec["description"])
                 for dim_id, spec in body["dimensions"].items())
    for d in dims:
        if d.column not in DIMENSION_COLUMNS:
            raise ValueError(f"dataflows.yaml: {flow_id}.{d.id} reads unknown column {d.column!r}")
    view = body["view"]
    return Dataflow(
        id=flow_id, name=body["name"], description=body["description"], dimensions=dims,
        units=tuple(body["unit"]), nonnegative=bool(body["nonnegative"]),
        view=View(view["title"], view["value_title"], view["unit"], view["description"],
                  bool(view.get("reverse", False))),
        extra_columns=tuple((body.get("extra_columns") or {}).items()),
    )


@cache
def _registry() -> dict[str, Dataflow]:
    path = files("corridor.reference") / "data" / "dataflows.yaml"
    with path.open(encoding="utf-8") as f:
        import yaml  # loaded with the registry, not with the module (commands start fast)

        doc = yaml.load(f, Loader=yaml.CSafeLoader)  # the safe loader in C (PyYAML wheels ship libyaml)
    return {flow_id: _parse(flow_id, body) for flow_id, body in doc.items()}


def dataflows() -> dict[str, Dataflow]:
    """Every registered dataflow by id, in the registry's order."""
    return dict(_registry())


def dataflow(flow_id: str) -> Dataflow:
    """The registered dataflow ``flow_id``; an unknown id is an :class:`InputError` listing the known ones."""
    registry = _registry()
    if flow_id not in registry:
        raise InputError(f"unknown dataflow {flow_id!r}; registered dataflows: {', '.join(registry)} "
                         "(the registry is src/corridor/reference/data/dataflows.yaml)")
    return registry[flow_id]
