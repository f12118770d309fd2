"""A text column held as a categorical is written as an Arrow dictionary, and stores the same rows as strings.

What each test proves:

* the stream DuckDB reads carries a categorical text column (a flow estimate's ``interval`` sentence) as an
  Arrow dictionary -- each distinct text once, not once per row (issue 9: the warehouse path's peak memory,
  ``corridor.store.write_stream``) -- and a plain one as strings;
* what is stored is the same either way, missing texts included, across several chunks of a write (the
  later chunks are converted with the first chunk's schema): read back with DuckDB directly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from corridor.store import warehouse as store
from corridor.store import write_stream
from corridor.store.prepare import prepare_observations
from corridor.store.warehouse import OBSERVATION_COLUMNS, Warehouse
from tests.store.test_warehouse import _meta, _obs

SENTENCES = ["a 90% prediction interval for the flow a register would record", "no interval: not estimated"]


def _with_interval(categorical: bool) -> pd.DataFrame:
    texts = [SENTENCES[0], SENTENCES[1], None, SENTENCES[0], SENTENCES[0]]
    obs = _obs([10.0, 20.0, 30.0, 40.0, 50.0])
    obs["interval"] = pd.Categorical(texts) if categorical else pd.Series(texts, dtype=object)
    return obs


def _stored(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT ref_area, value, interval FROM observations ORDER BY ref_area").fetchall()
    finally:
        con.close()


def test_a_categorical_text_column_is_streamed_as_a_dictionary() -> None:
    schema = write_stream.arrow_schema(OBSERVATION_COLUMNS)
    for categorical, expected in ((True, pa.dictionary(pa.int32(), pa.string())), (False, pa.string())):
        obs = _with_interval(categorical)
        first = prepare_observations(obs, _meta("d", "2020", "s"))  # as write_dataset does
        reader = write_stream.validated_stream(obs, lambda part: part, first, [], schema, 100)
        assert reader.schema.field("interval").type == expected
        assert reader.schema.field("ref_area").type == pa.string()


@pytest.mark.parametrize("chunk", [2, 250_000])
def test_dictionary_and_strings_store_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     chunk: int) -> None:
    monkeypatch.setattr(store, "WRITE_CHUNK", chunk)  # 2: three chunks, the later two with the first's schema
    rows = {}
    for categorical in (True, False):
        path = tmp_path / f"w-{categorical}.duckdb"
        with Warehouse.open(path) as wh:
            wh.write_dataset(_meta("d", "2020", "s"), _with_interval(categorical))
        rows[categorical] = _stored(path)
    assert rows[True] == rows[False]
    assert [r[2] for r in rows[True]].count(None) == 1 and len(rows[True]) == 5
