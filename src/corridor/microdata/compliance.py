"""Census compliance: which of the five core migration questions each source can answer.

The UN *Principles and Recommendations for Population and Housing Censuses* (Rev. 2) recommend five
core questions on international migration (:data:`corridor.microdata.variables.CORE_TOPICS`):
A place/country of birth, B duration of residence, C residence at a past date / previous residence,
D citizenship, E year or period of arrival. The Migration and Development Series notes that their
inclusion in national censuses is uneven: 30% to 80% of countries per question in the 2010 round.

**Stored as data, through the store's door.** :func:`record_compliance` writes one warehouse dataset
per recording of a source (a census, survey or register: a microdata file), with its provenance, by
:meth:`corridor.store.warehouse.Warehouse.write_dataset`, which validates it against the dataflow
registry. Its observations belong to the dataflow ``CENSUS_QUESTION`` (key ``REF_AREA.TOPIC``):

===============  =================================================================================
column           value
===============  =================================================================================
ref_area         the country, M49 code (``840``; ``040`` is written ``40``)
topic            core topic letter ``A`` .. ``E`` (codelist ``CORE_TOPIC``)
time_period      the reference year of the source
value            ``1.0`` the source can answer the question (a variable is mapped to it), else ``0.0``
obs_status       ``A``; ``method`` ``recorded``; ``unit_measure`` ``PURE_NUMB``
basis            the variable answering the question (empty when not answered)
===============  =================================================================================

and its ``datasets`` row:

* ``dataset_id`` ``census:<source>@<sha256[:12]>`` (``<source>`` is the id given to
  :func:`record_compliance`, by default the file name);
* ``series`` ``census-questions/<source>``: **one series per source**. The vintage rule of
  :mod:`corridor.store.selection` keeps, per series and observation key, the latest vintage; a
  single series for every source would let a survey of Austria 2011 hide the census of Austria 2011
  (same key ``40.A``, 2011), so each source is its own series and re-recordings of it are its vintages;
* ``vintage`` the **recording time** (UTC, ``YYYYMMDDTHHMMSS``, the form flow estimates use), not the
  reference year: the reference year is already ``TIME_PERIOD``, and a corrected recording of the same
  source (same reference year) must be a *newer* vintage of it, never an overwrite;
* ``kind`` ``census``, ``survey`` or ``register``; ``layout`` and ``method`` say how it was made;
  ``parameters`` hold what was recorded (source, area, year, census round, kind, answers) and the
  dataset it supersedes; ``sha256`` is the sha256 of that JSON.

Recording a source again with the same area, year, kind and answers as its current vintage is a
no-op. With other answers (or another kind) it is a new vintage that supersedes the current one;
the older stays in the warehouse (``as_of``). A source keeps its country and reference year: a
different census needs its own id.

:func:`records` reads the current answers back through a
:class:`~corridor.store.selection.Selection`; :func:`inclusion_rates` gives, per census round and
topic, the share of *countries* with at least one source of the requested kinds that answers the
question.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from corridor.errors import InputError
from corridor.microdata.variables import CORE_TOPICS, TOPIC_QUESTIONS, VariableMap
from corridor.store.selection import Selection
from corridor.store.warehouse import DatasetMeta, Warehouse

DATAFLOW = "CENSUS_QUESTION"
SERIES = "census-questions"
LAYOUT = "census-questions"
METHOD = "recorded"
KINDS = ("census", "survey", "register")

#: Columns of :func:`records` (one row per current source and topic).
RECORD_COLUMNS = ("dataset_id", "source", "vintage", "ref_area", "census_round", "reference_year", "kind",
                  "topic", "topic_id", "answered", "variable")


@dataclass(frozen=True)
class Recording:
    """What :func:`record_compliance` did: the dataset holding the answers, and whether it is new."""

    dataset_id: str
    vintage: str
    created: bool
    rows: pd.DataFrame


def census_round(year: int) -> str:
    """The UN census round of a reference year: decades centred on the round year (2005-2014 -> 2010).

    The UN World Population and Housing Census Programmes cover ten-year windows (the 2010 round ran
    2005-2014, the 2020 round 2015-2024).
    """
    return str(((int(year) + 5) // 10) * 10)


_round_of = census_round  # the functions below take a ``census_round`` argument that shadows it


def round_years(round_: str) -> tuple[int, int]:
    """First and last reference year of a census round (``"2010"`` -> 2005, 2014)."""
    if not str(round_).isdigit() or int(round_) % 10:
        raise InputError(f"a census round is a year ending in 0 (2010, 2020), not {round_!r}")
    return int(round_) - 5, int(round_) + 4


def series_of(source: str) -> str:
    """The series of one source's recordings (see the module docstring)."""
    return f"{SERIES}/{source}"


def topics_answered(varmap: VariableMap | Mapping[str, str]) -> dict[str, str | None]:
    """Core topic letter -> the variable answering it, from a variable map (``None`` if unanswered)."""
    roles = varmap.roles if isinstance(varmap, VariableMap) else varmap
    return {letter: roles.get(role) for letter, role in CORE_TOPICS.items()}


def observations(ref_area: str, reference_year: int, answered: Mapping[str, str | None]) -> pd.DataFrame:
    """The ``CENSUS_QUESTION`` observations of one source (one per core topic)."""
    return pd.DataFrame({
        "dataflow": DATAFLOW,
        "ref_area": ref_area,
        "topic": list(answered),
        "time_period": str(int(reference_year)),
        "value": [1.0 if v is not None else 0.0 for v in answered.values()],
        "obs_status": "A",
        "method": METHOD,
        "unit_measure": "PURE_NUMB",
        "basis": list(answered.values()),
    })


def record_compliance(
    wh: Warehouse,
    dataset_id: str,
    *,
    ref_area: str,
    reference_year: int,
    kind: str,
    varmap: VariableMap | Mapping[str, str],
    file_name: str | None = None,
) -> Recording:
    """Record which core questions the source ``dataset_id`` answers, as a warehouse dataset.

    Returns the dataset now current for the source (``created`` is False when the same answers were
    already its current vintage) and its rows (:data:`RECORD_COLUMNS`).
    """
    if kind not in KINDS:
        raise InputError(f"unknown dataset kind {kind!r}; kinds: {', '.join(KINDS)}")
    if not str(ref_area).isdigit():
        raise InputError(f"ref_area must be an M49 code (digits), got {ref_area!r}")
    source = str(dataset_id)
    if not source.strip():
        raise InputError("a recorded source needs a non-empty dataset id")
    area, year = str(int(ref_area)), int(reference_year)
    answered = topics_answered(varmap)
    content = {"source": source, "ref_area": area, "reference_year": year, "census_round": _round_of(year),
               "kind": kind, "answers": answered}
    current = _current_dataset(wh, source)
    if current is not None:
        earlier = json.loads(current["parameters"])
        if (earlier["ref_area"], earlier["reference_year"]) != (area, year):
            raise InputError(
                f"source {source!r} is recorded for area {earlier['ref_area']}, reference year "
                f"{earlier['reference_year']} ({current['dataset_id']}); a source keeps its country and year: "
                "record a different census or survey under its own --dataset-id")
        if {k: v for k, v in earlier.items() if k != "supersedes"} == content:
            return Recording(current["dataset_id"], current["vintage"], False, records(wh, sources=[source]))
    parameters = {**content, "supersedes": None if current is None else current["dataset_id"]}
    sha = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
    vintage = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    meta = DatasetMeta(
        dataset_id=f"census:{source}@{sha[:12]}", series=series_of(source), vintage=vintage, layout=LAYOUT,
        publisher="corridor", title=f"Core census questions answered by {source} ({kind}, {area}, {year})",
        sha256=sha, file_name=file_name, reference_dates=str(year), kind=kind, method=METHOD,
        parameters=parameters,
        notes="Recorded from the variables mapped to the core topics of the UN Principles and "
              "Recommendations for Population and Housing Censuses, Rev. 2",
    )
    written = wh.write_dataset(meta, observations(area, year, answered))
    return Recording(written, vintage, True, records(wh, sources=[source]))


def _current_dataset(wh: Warehouse, source: str) -> dict[str, Any] | None:
    """The dataset holding the current answers of ``source`` (the vintage rule picks it), if any."""
    ids = wh.distinct(Selection.of(DATAFLOW, series=series_of(source), access=None), "dataset_id")
    if not ids:
        return None
    if len(ids) > 1:  # a source keeps its area and year, so its vintages share every key
        raise InputError(f"source {source!r} has answers in several datasets: {', '.join(ids)}")
    return wh.dataset(ids[0])


def records(wh: Warehouse, *, ref_area: str | None = None, census_round: str | None = None,
            sources: Sequence[str] | None = None) -> pd.DataFrame:
    """The current answers of every recorded source: one row per source and topic (:data:`RECORD_COLUMNS`).

    Read through a :class:`~corridor.store.selection.Selection` of ``CENSUS_QUESTION`` (latest vintage
    of each source) joined with the sources' dataset rows (kind, source id).
    """
    start = end = None
    if census_round is not None:
        start, end = round_years(census_round)
    sel = Selection.of(DATAFLOW, series=None if sources is None else [series_of(s) for s in sources],
                       ref_area=None if ref_area is None else str(int(ref_area)), start_year=start,
                       end_year=end)
    obs = wh.select(sel)
    if obs.empty:
        return pd.DataFrame({c: pd.Series(dtype="bool" if c == "answered" else object) for c in RECORD_COLUMNS})
    year = obs["time_period"].astype(int)
    out = pd.DataFrame({
        "dataset_id": obs["dataset_id"],
        "source": obs["series"].str.removeprefix(f"{SERIES}/"),
        "vintage": obs["vintage"],
        "ref_area": obs["ref_area"],
        "census_round": year.map(_round_of),
        "reference_year": year,
        "kind": obs["kind"],
        "topic": obs["topic"],
        "topic_id": obs["topic"].map(CORE_TOPICS),
        "answered": obs["value"] == 1.0,
        "variable": obs["basis"].astype(object).where(obs["basis"].notna(), None),
    })
    return out.sort_values(["source", "topic"]).reset_index(drop=True)


def inclusion_rates(wh: Warehouse, *, census_round: str | None = None,
                    kinds: Sequence[str] = ("census",)) -> pd.DataFrame:
    """Share of countries whose sources answer each core question, per census round.

    A country counts once per round: it includes a question when any of its sources of the given
    ``kinds`` answers it (current vintage of each source). Columns: ``census_round, topic, topic_id,
    question, countries, countries_answering, inclusion_rate`` (0-1); no rows when nothing is recorded.
    """
    kinds = list(kinds)
    if not kinds or any(k not in KINDS for k in kinds):
        raise InputError(f"kinds must be among {', '.join(KINDS)}")
    rows = records(wh, census_round=census_round)
    rows = rows[rows["kind"].isin(kinds)]
    per_country = rows.groupby(["census_round", "topic", "topic_id", "ref_area"], sort=True)["answered"].any()
    df = (per_country.groupby(level=["census_round", "topic", "topic_id"], sort=True)
          .agg(countries="size", countries_answering="sum").reset_index())
    df.insert(3, "question", df["topic"].map(TOPIC_QUESTIONS))
    df["countries"] = df["countries"].astype("int64")
    df["countries_answering"] = df["countries_answering"].astype("int64")
    df["inclusion_rate"] = df["countries_answering"] / df["countries"]
    return df
