"""Tabulation on DuckDB of the real files, checked against an independent pandas count of the same file.

Reference values: 30 persons abroad one year earlier (CPS MIGRATE1 = 6) and 13,513 EU-SILC persons
come from the mirror's MANIFEST.md; the other expected figures are recomputed here with pandas from
the file itself (an independent code path: pyreadr + groupby, no Ibis, no DuckDB).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.microdata.engines import connect, load_table
from corridor.microdata.read import read_microdata
from corridor.microdata.tabulate import tabulate
from corridor.microdata.variables import parse_map

SILC_MAP = parse_map("citizenship=pb220a,sex=rb090,age=age,weight=rb050")


@pytest.fixture(scope="module")
def duck():
    return connect("duckdb")


def test_cps_migrate1_abroad(duck, cps: Path) -> None:
    t = load_table(duck, cps, name="cps")
    table = tabulate(t, ["residence_past_date"], parse_map("residence_past_date=MIGRATE1"))
    # unweighted: counts of records only, no estimate column (issue 15: weights never silently dropped)
    assert list(table.columns) == ["residence_past_date", "n", "obs_status", "conf_status"]
    assert table.attrs["weighting"] == "unweighted"
    row = table.set_index("residence_past_date").loc["6"]
    assert row["n"] == 30  # MANIFEST: 30 persons abroad one year earlier
    assert table["n"].sum() == 10_883


def test_cps_weighted_by_age_group(duck, cps: Path) -> None:
    t = load_table(duck, cps, name="cps_w")
    table = tabulate(t, ["MIGRATE1", "age_group"], parse_map("age=AGE"), weight="ASECWT")
    df = read_microdata(cps, columns=["MIGRATE1", "AGE", "ASECWT"])
    lo = (df["AGE"].astype(int).clip(upper=100) // 5) * 5
    group = lo.map(lambda v: "Y100T_" if v >= 100 else f"Y{v}T{v + 4}")
    expected = df.assign(g=group).groupby(["MIGRATE1", "g"])["ASECWT"].agg(["size", "sum"])
    got = table.set_index(["MIGRATE1", "age_group"])
    assert len(got) == len(expected)
    for (mig, g), (size, total) in expected.iterrows():
        assert got.loc[(str(mig), g), "n"] == size
        assert got.loc[(str(mig), g), "estimate"] == pytest.approx(total, rel=1e-12)


def test_eusilc_citizenship_by_sex_weighted(duck, eusilc: Path) -> None:
    t = load_table(duck, eusilc, name="silc")
    table = tabulate(t, ["citizenship", "sex"], SILC_MAP, weight="weight")
    df = read_microdata(eusilc, columns=["pb220a", "rb090", "rb050", "age"])
    expected = (df.assign(c=df["pb220a"].astype("string").fillna("_U"), s=df["rb090"].astype(str))
                .groupby(["c", "s"])["rb050"].agg(["size", "sum"]))
    got = table.set_index(["citizenship", "sex"])
    assert sorted(got.index) == sorted(expected.index)
    for key, (size, total) in expected.iterrows():
        assert got.loc[key, "n"] == size
        assert got.loc[key, "estimate"] == pytest.approx(total, rel=1e-12)
    assert table["n"].sum() == 13_513  # MANIFEST: every person is in the table, none dropped
    # Missing citizenship (pb220a is asked from age 16; the synthetic file also leaves it empty for
    # some of the oldest) is the code _U, kept as its own row.
    missing = table[table["citizenship"] == "_U"]["n"].sum()
    assert missing == int(df["pb220a"].isna().sum())
    under16 = tabulate(t, ["citizenship", "age_group_broad"], SILC_MAP)
    u = under16.set_index(["citizenship", "age_group_broad"])
    assert "Y_LT15" not in {k[1] for k in u.index if k[0] != "_U"}  # no under-15 answered pb220a
    assert u.loc[("_U", "Y_LT15"), "n"] == int((pd.to_numeric(df["age"].astype(str)).between(0, 14)).sum())
    assert set(table["obs_status"]) == {"A"} and set(table["conf_status"]) == {"F"}


def test_min_cell_suppression_empties_the_estimate(duck, cps: Path) -> None:
    t = load_table(duck, cps, name="cps_s")
    table = tabulate(t, ["MIGRATE1", "age_group_broad"], parse_map("age=AGE"), weight="ASECWT", min_cell=10)
    hidden = table[table["conf_status"] != "F"]
    assert len(hidden) > 0
    assert hidden["estimate"].isna().all() and (hidden["obs_status"] == "Q").all()
    # MIGRATE1 = 6 (30 persons) splits into age groups of 9, 6 and 15: the small ones are primary (A)
    abroad = table[table["MIGRATE1"] == "6"].set_index("age_group_broad")
    assert abroad.loc["Y_LT15", "conf_status"] == "A" and abroad.loc["Y15T24", "conf_status"] == "A"
    free = table[table["conf_status"] == "F"]
    assert free["estimate"].notna().all()


def test_unknown_variable_is_named_with_the_available_ones(duck, eusilc: Path) -> None:
    t = load_table(duck, eusilc, name="silc_e")
    with pytest.raises(InputError, match="'nope' is not in the file; available: db030"):
        tabulate(t, ["nope"], SILC_MAP)
    with pytest.raises(InputError, match="period_of_arrival needs the role 'year_of_arrival'"):
        tabulate(t, ["period_of_arrival"], SILC_MAP)
    with pytest.raises(InputError, match="mapped to weight"):
        tabulate(t, ["rb090"], parse_map("weight=w99"))


def test_bad_map_syntax() -> None:
    with pytest.raises(InputError, match="expected ROLE=VARIABLE"):
        parse_map("country_of_birth")
    with pytest.raises(InputError, match="unknown role 'birth'"):
        parse_map("birth=BPL")
    with pytest.raises(InputError, match="mapped twice"):
        parse_map("sex=a,sex=b")


def test_records_without_weight_are_refused(duck, eusilc: Path, tmp_path: Path) -> None:
    df = read_microdata(eusilc, columns=["rb090", "rb050"])
    df = df.assign(rb090=df["rb090"].astype(str))
    df.loc[:4, "rb050"] = None
    path = tmp_path / "silc_noweight.parquet"
    df.to_parquet(path)
    t = load_table(duck, path, name="silc_nw")
    with pytest.raises(InputError, match="5 record\\(s\\) have no weight"):
        tabulate(t, ["rb090"], parse_map(""), weight="rb050")
    assert tabulate(t, ["rb090"], parse_map(""))["n"].sum() == 13_513


def test_csv_and_parquet_are_scanned_by_the_engine_with_the_same_result(duck, eusilc: Path,
                                                                         tmp_path: Path) -> None:
    df = read_microdata(eusilc, columns=["pb220a", "rb090", "rb050"])
    df = df.assign(pb220a=df["pb220a"].astype("string"), rb090=df["rb090"].astype("string"))
    df.to_csv(tmp_path / "silc.csv", index=False)
    df.to_parquet(tmp_path / "silc.parquet")
    vm = parse_map("citizenship=pb220a,sex=rb090")
    from_r = tabulate(load_table(duck, eusilc, name="silc_r"), ["citizenship", "sex"], vm, weight="rb050")
    for name in ("silc.csv", "silc.parquet"):
        got = tabulate(load_table(duck, tmp_path / name, name=name.replace(".", "_")), ["citizenship", "sex"],
                       vm, weight="rb050")
        assert got[["citizenship", "sex", "n"]].equals(from_r[["citizenship", "sex", "n"]])
        assert got["estimate"].tolist() == pytest.approx(from_r["estimate"].tolist(), rel=1e-12)
