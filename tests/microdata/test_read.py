"""Reading microdata: the IPUMS CPS extract through its DDI codebook, EU-SILC R data, SPSS and Stata.

Reference values: 10,883 persons and 30 "abroad" answers to MIGRATE1 in the CPS extract, and 13,513
persons in EU-SILC, are stated in the mirror's MANIFEST.md (IPUMS / simPop documentation).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from corridor.errors import InputError
from corridor.microdata.read import find_codebook, read_microdata


def test_ipums_cps_through_ddi(cps: Path) -> None:
    assert find_codebook(cps) == cps.with_name("cps_00160.xml")
    df = read_microdata(cps, codebook=cps.with_name("cps_00160.xml"))
    assert len(df) == 10_883  # MANIFEST: 10,883 persons
    labels = df.attrs["value_labels"]["MIGRATE1"]
    abroad = [code for code, label in labels.items() if label == "Abroad"]
    assert abroad == [6]  # IPUMS CPS MIGRATE1 codebook: 6 = Abroad
    assert int((df["MIGRATE1"] == 6).sum()) == 30  # MANIFEST: 30 abroad one year earlier
    assert df.attrs["variable_labels"]["MIGRATE1"] == "Migration status, 1 year"
    assert df.attrs["format"] == "ipums"


def test_ipums_column_subset_and_unknown_variable(cps: Path) -> None:
    df = read_microdata(cps, columns=["AGE", "MIGRATE1"])
    assert list(df.columns) == ["AGE", "MIGRATE1"]
    with pytest.raises(InputError, match="BPL") as err:
        read_microdata(cps, columns=["BPL"])
    assert "MIGRATE1" in str(err.value) and "cps_00160.dat.gz" in str(err.value)


def test_ipums_without_codebook_is_an_error(cps: Path, tmp_path: Path) -> None:
    lonely = tmp_path / "extract.dat.gz"
    lonely.write_bytes(cps.read_bytes())
    with pytest.raises(InputError, match="DDI codebook"):
        read_microdata(lonely)


def test_eusilc_r_data(eusilc: Path) -> None:
    df = read_microdata(eusilc)
    assert df.shape == (13_513, 62)  # MANIFEST: 13,513 persons x 62 variables
    assert set(df["pb220a"].dropna().unique()) == {"AT", "EU", "Other"}
    assert df.attrs["value_labels"]["rb090"] == {"female": "female", "male": "male"}


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_keep_labels(eusilc: Path, tmp_path: Path, suffix: str) -> None:
    real = read_microdata(eusilc, columns=["rb090", "pb220a", "rb050"])
    codes = {"female": 2, "male": 1}
    frame = pd.DataFrame({"sex": real["rb090"].astype(str).map(codes), "citizen": real["pb220a"].astype(str),
                          "weight": real["rb050"]})
    frame.loc[real["pb220a"].isna(), "citizen"] = ""
    path = tmp_path / f"silc{suffix}"
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(frame, str(path), column_labels=["Sex", "Citizenship", "Personal weight"],
           variable_value_labels={"sex": {1: "Male", 2: "Female"}})
    df = read_microdata(path)
    assert len(df) == 13_513
    assert df.attrs["value_labels"]["sex"] == {1: "Male", 2: "Female"}
    assert df.attrs["variable_labels"]["citizen"] == "Citizenship"
    assert int((df["sex"] == 1).sum()) == int((real["rb090"] == "male").sum())
    assert df["weight"].sum() == pytest.approx(real["rb050"].sum(), rel=1e-12)


def test_csv_and_parquet(eusilc: Path, tmp_path: Path) -> None:
    real = read_microdata(eusilc, columns=["rb090", "pb220a"])
    real.astype(str).to_csv(tmp_path / "silc.csv", index=False)
    real.to_parquet(tmp_path / "silc.parquet")
    assert len(read_microdata(tmp_path / "silc.csv", columns=["pb220a"])) == 13_513
    assert list(read_microdata(tmp_path / "silc.parquet").columns) == ["rb090", "pb220a"]


def test_unreadable_and_unsupported_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.sav"
    bad.write_text("not an SPSS file")
    with pytest.raises(InputError, match="broken.sav.*cannot read as spss"):
        read_microdata(bad)
    with pytest.raises(InputError, match="unsupported microdata format"):
        read_microdata(tmp_path / "table.xlsx")
    with pytest.raises(InputError, match="file not found"):
        read_microdata(tmp_path / "absent.parquet")
