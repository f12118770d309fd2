"""Public-use microdata that is public (issue 11 item 3), on the EU-SILC file in the mirror.

Reference for the household risk: sdcMicro's hierarchical risk, ``1 - prod(1 - r_i)`` over the members
(Templ, Kowarik & Meindl 2015, JSS 67(4), §3.3), checked by hand on a three-person household. The
k-anonymity claims are checked on the written Parquet file with both blank conventions; the issue's
symptoms (ids kept; 427 records below k=3 when blanks count as their own value; original uniques left
unchanged) are each asserted gone.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli.main import build_app
from corridor.disclose.household_risk import find_identifiers, household_risk, household_uniques
from corridor.disclose.microdata_risk import key_frequencies
from corridor.disclose.public_use import protect_microdata
from corridor.errors import InputError

KEYS = ["db040", "rb090", "age", "pb220a"]


def test_household_risk_by_hand() -> None:
    hh = pd.Series([1, 1, 1, 2])
    got = household_risk([0.1, 0.2, 0.5, 0.3], hh)
    assert got.iloc[0] == pytest.approx(1 - 0.9 * 0.8 * 0.5) and got.iloc[2] == got.iloc[0]
    assert got.iloc[3] == pytest.approx(0.3)


def test_identifiers_are_recognised(mirror) -> None:
    import pyreadr

    cols = pyreadr.list_objects(str(mirror / "microdata" / "eusilc13puf.rda"))[0]["columns"]
    ids = find_identifiers(cols)
    assert ids["db030"] == "household" and ids["pid"] == "person"


@pytest.mark.slow
def test_protect_cli_public_file(mirror, tmp_path) -> None:
    out, report = tmp_path / "public.parquet", tmp_path / "report.json"
    result = CliRunner().invoke(build_app(), [
        "microdata", "protect", str(mirror / "microdata" / "eusilc13puf.rda"), "--keys", ",".join(KEYS),
        "--k", "3", "--out", str(out), "--weight", "rb050", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # the summary is on standard error
    public = pd.read_parquet(out)
    assert not {"db030", "pid", "hb030", "px030", "rx030", "pb030", "rb030"} & set(public.columns)
    for blank in ("any", "own"):
        assert (key_frequencies(public, KEYS, blank=blank)["fk"] >= 3).all()
    rep = json.loads(report.read_text())
    assert rep["k_anonymity"]["records_below_k_after"] == 0 and rep["remaining_uniques"] == []
    assert rep["original_uniques"] > 0 and rep["original_uniques_unchanged"] == 0
    hh = rep["household"]
    assert hh["variable"] == "db030" and hh["ids"] == "removed"
    assert hh["before"]["households"] == 5977  # EU-SILC puf households (db030)
    assert hh["after"]["expected_reidentified_households"] < hh["before"]["expected_reidentified_households"]
    assert hh["structure_below_k_before"] > 1000  # the issue: 1,446 unique on region + members' sex, age


def test_random_household_ids_refused_when_households_are_unique(mirror) -> None:
    import pyreadr

    df = pyreadr.read_r(str(mirror / "microdata" / "eusilc13puf.rda"))["eusilc13puf"].head(2000)
    with pytest.raises(InputError, match="household\\(s\\) are shared by fewer than 3 households"):
        protect_microdata(df, keys=KEYS, k=3, household_ids="random", seed=1)


def test_random_household_ids_keep_households_together() -> None:
    # 12 two-person households with 3 identical structures each: safe to link by random ids
    df = pd.DataFrame({"hid": [h for h in range(12) for _ in range(2)],
                       "sex": ["F", "M"] * 12, "age": [30, 32, 50, 52, 70, 72, 20, 22] * 3})
    prot = protect_microdata(df, keys=["sex", "age"], k=3, identifiers=["hid"], household="hid",
                             household_ids="random", seed=7)
    out = prot.data
    assert set(out.columns) == {"hid", "sex", "age"} and not out["hid"].equals(df["hid"])
    assert out.groupby("hid").size().eq(2).all()  # members stay together
    assert household_uniques(out, "hid", ["sex", "age"], 3).empty
    assert prot.report["household"]["ids"] == "random ids"
    assert math.isclose(prot.report["household"]["before"]["households"], 12)
