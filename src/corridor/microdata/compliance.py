"""Census compliance: which of the five core migration questions each dataset can answer.

The UN *Principles and Recommendations for Population and Housing Censuses* (Rev. 2) recommend five
core questions on international migration (:data:`corridor.microdata.variables.CORE_TOPICS`):
A place/country of birth, B duration of residence, C residence at a past date / previous residence,
D citizenship, E year or period of arrival. The Migration and Development Series notes that their
inclusion in national censuses is uneven: 30% to 80% of countries per question in the 2010 round.

This module records, per dataset, country and census round, whether each question can be answered
(a variable is mapped to it), in the DuckDB table ``census_compliance`` (long form, one row per
dataset and topic):

=================  =========  ==========================================================
column             type       meaning
=================  =========  ==========================================================
dataset_id         VARCHAR    dataset (the warehouse's ``datasets.dataset_id`` when ingested)
ref_area           VARCHAR    country, M49 code without leading zeros (``840``)
census_round       VARCHAR    UN census round: ``2010`` = censuses held 2005-2014,
                              ``2020`` = 2015-2024 (:func:`census_round`)
reference_year     INTEGER    year the data refer to
kind               VARCHAR    ``census``, ``survey`` or ``register``
topic              VARCHAR    core topic letter ``A``..``E``
topic_id           VARCHAR    role id (``country_of_birth`` ...)
answered           BOOLEAN    the dataset can answer the question
variable           VARCHAR    the variable answering it (NULL when not answered)
recorded_at        TIMESTAMP  UTC
=================  =========  ==========================================================

Primary key ``(dataset_id, topic)``: recording a dataset again replaces its rows.
:func:`inclusion_rates` gives, per census round and topic, the share of *countries* with at least
one dataset of the requested kinds that answers the question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from corridor.errors import InputError
from corridor.microdata.variables import CORE_TOPICS, TOPIC_QUESTIONS, VariableMap

TABLE = "census_compliance"

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    dataset_id VARCHAR NOT NULL,
    ref_area VARCHAR NOT NULL,
    census_round VARCHAR NOT NULL,
    reference_year INTEGER,
    kind VARCHAR NOT NULL,
    topic VARCHAR NOT NULL,
    topic_id VARCHAR NOT NULL,
    answered BOOLEAN NOT NULL,
    variable VARCHAR,
    recorded_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    PRIMARY KEY (dataset_id, topic)
)
"""

KINDS = ("census", "survey", "register")


def create_compliance_table(con: Any) -> None:
    """Create ``census_compliance`` on a duckdb connection if it does not exist (schema above)."""
    con.execute(DDL)


def census_round(year: int) -> str:
    """The UN census round of a reference year: decades centred on the round year (2005-2014 -> 2010).

    The UN World Population and Housing Census Programmes cover ten-year windows (the 2010 round ran
    2005-2014, the 2020 round 2015-2024).
    """
    return str(((int(year) + 5) // 10) * 10)


def topics_answered(varmap: VariableMap | Mapping[str, str]) -> dict[str, str | None]:
    """Core topic letter -> the variable answering it, from a variable map (``None`` if unanswered)."""
    roles = varmap.roles if isinstance(varmap, VariableMap) else varmap
    return {letter: roles.get(role) for letter, role in CORE_TOPICS.items()}


def record_compliance(
    con: Any,
    dataset_id: str,
    *,
    ref_area: str,
    reference_year: int,
    kind: str,
    varmap: VariableMap | Mapping[str, str],
) -> pd.DataFrame:
    """Record which core questions ``dataset_id`` answers (replacing earlier rows); returns the rows."""
    if kind not in KINDS:
        raise InputError(f"unknown dataset kind {kind!r}; kinds: {', '.join(KINDS)}")
    if not str(ref_area).isdigit():
        raise InputError(f"ref_area must be an M49 code (digits), got {ref_area!r}")
    create_compliance_table(con)
    answered = topics_answered(varmap)
    rows = pd.DataFrame(
        {
            "dataset_id": dataset_id,
            "ref_area": str(int(ref_area)),
            "census_round": census_round(reference_year),
            "reference_year": int(reference_year),
            "kind": kind,
            "topic": list(answered),
            "topic_id": [CORE_TOPICS[t] for t in answered],
            "answered": [v is not None for v in answered.values()],
            "variable": list(answered.values()),
        }
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {TABLE} WHERE dataset_id = ?", [dataset_id])
        con.register("_compliance_rows", rows)
        con.execute(
            f"INSERT INTO {TABLE} (dataset_id, ref_area, census_round, reference_year, kind, topic, "
            "topic_id, answered, variable) SELECT dataset_id, ref_area, census_round, reference_year, "
            "kind, topic, topic_id, answered, variable FROM _compliance_rows"
        )
        con.unregister("_compliance_rows")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return rows


def inclusion_rates(con: Any, *, census_round: str | None = None,
                    kinds: Sequence[str] = ("census",)) -> pd.DataFrame:
    """Share of countries whose datasets answer each core question, per census round.

    A country counts once per round: it includes a question when any of its datasets of the given
    ``kinds`` answers it. Columns: ``census_round, topic, topic_id, question, countries,
    countries_answering, inclusion_rate`` (0-1).
    """
    create_compliance_table(con)
    kinds = list(kinds)
    if not kinds or any(k not in KINDS for k in kinds):
        raise InputError(f"kinds must be among {', '.join(KINDS)}")
    params: list[Any] = [kinds]
    where = "kind = ANY(?)"
    if census_round is not None:
        where += " AND census_round = ?"
        params.append(str(census_round))
    df = con.execute(
        f"""
        WITH per_country AS (
            SELECT census_round, topic, topic_id, ref_area, bool_or(answered) AS answered
            FROM {TABLE} WHERE {where}
            GROUP BY census_round, topic, topic_id, ref_area
        )
        SELECT census_round, topic, topic_id,
               count(*) AS countries,
               count(*) FILTER (WHERE answered) AS countries_answering
        FROM per_country GROUP BY census_round, topic, topic_id
        ORDER BY census_round, topic
        """,
        params,
    ).df()
    df.insert(3, "question", df["topic"].map(TOPIC_QUESTIONS))
    df["countries"] = df["countries"].astype("int64")
    df["countries_answering"] = df["countries_answering"].astype("int64")
    df["inclusion_rate"] = df["countries_answering"] / df["countries"]
    return df
