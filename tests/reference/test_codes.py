"""SEX, AGE, OBS_STATUS and CONF_STATUS codelists.

Labels are checked against the SDMX cross-domain code lists (CL_OBS_STATUS 2.2, CL_CONF_STATUS 1.3,
SDMX Global Registry); WPP age labels as they appear in the mirror's ``wpp2019/popM.txt``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.reference.codes import MISSING_STATUSES, age_bounds, check_code, codelists, codes, wpp_age_code


def test_codelists_content() -> None:
    assert codelists() == ["AREA", "SEX", "AGE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "METHOD",
                           "FLOW_DIRECTION", "CORE_TOPIC", "ISCO08", "REMIT_COST_MEASURE", "TREATY",
                           "INTEGRATION_MEASURE", "RC_BREAKDOWN", "EXCH_QUALITY"]
    assert codes("AREA")["840"] == "United States of America" and codes("AREA")["_T"].startswith("Total")
    assert list(codes("SEX")) == ["_T", "M", "F", "_U"]  # _U unknown (SDMX CL_SEX)
    assert list(codes("OBS_STATUS")) == list("ABDEFIKLMNOPQSUV")
    assert list(codes("CONF_STATUS")) == list("FNCDSAO")
    # SDMX labels
    assert codes("OBS_STATUS")["Q"] == "Missing value; suppressed"
    assert codes("OBS_STATUS")["M"] == "Missing value; data cannot exist"
    assert codes("OBS_STATUS")["I"] == "Imputed value (CCSA definition)"
    assert codes("CONF_STATUS")["A"] == "Primary confidentiality due to small counts"
    age = codes("AGE")
    assert [c for c in age if c.startswith("Y") and c[1].isdigit()][:3] == ["Y0T4", "Y5T9", "Y10T14"]
    assert {"Y95T99", "Y100T_", "Y_LT18", "Y15T24", "_T"} <= set(age)
    assert MISSING_STATUSES <= set(codes("OBS_STATUS"))


def test_check_code() -> None:
    assert check_code("sex", "F") == "F"
    assert check_code("OBS_STATUS", " E ") == "E"
    with pytest.raises(InputError, match="row 7") as err:
        check_code("SEX", "W", file="t.csv", row=7, column="sex")
    assert "_T, M, F" in str(err.value)
    with pytest.raises(InputError):
        check_code("COLOUR", "red")


def test_age_bounds() -> None:
    assert age_bounds("Y15T24") == (15, 24)
    assert age_bounds("Y100T_") == (100, None)
    assert age_bounds("Y_LT18") == (0, 17)
    assert age_bounds("_T") == (0, None)


def test_wpp_age_labels_from_the_mirror(mirror: Path) -> None:
    df = pd.read_csv(mirror / "wpp2019" / "popM.txt", sep="\t", dtype=str, usecols=["age"])
    labels = sorted(set(df["age"]), key=lambda s: int(s.rstrip("+").split("-")[0]))
    got = [wpp_age_code(a) for a in labels]
    assert got[0] == "Y0T4" and got[-1] == "Y100T_" and len(got) == 21
    assert all(age_bounds(c)[0] == int(a.rstrip("+").split("-")[0]) for a, c in zip(labels, got, strict=True))
    for bad in ("0-14", "101+", "abc", "5 - "):
        with pytest.raises(InputError):
            wpp_age_code(bad)


def test_every_codelist_has_a_name() -> None:
    """The API names each codelist it publishes; a codelist added without a name would stop the server."""
    from corridor.reference.codes import CODELIST_NAMES

    assert sorted(CODELIST_NAMES) == sorted(codelists())
