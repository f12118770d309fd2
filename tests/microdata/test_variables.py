"""Variable roles, suggestions from well-known names / labels, and the ISCO-08 table.

ISCO-08 group counts (10 major, 43 sub-major, 130 minor groups) are the ILO structure's, as stated in
the mirror's MANIFEST.md.
"""

from __future__ import annotations

from pathlib import Path

from corridor.microdata.read import read_microdata
from corridor.microdata.variables import isco08_labels, isco08_major_group, parse_map, suggest_roles


def test_isco08_structure(mirror: Path) -> None:
    labels = isco08_labels(str(mirror / "occupations" / "_cwfcn_labels_isco08.sthlp"))
    assert sum(c.endswith("000") for c in labels) == 10
    assert sum(c.endswith("00") and not c.endswith("000") for c in labels) == 43
    assert sum(c.endswith("0") and not c.endswith("00") for c in labels) == 130
    assert labels["2211"] == "Generalist Medical Practitioners"
    assert labels["0000"] == "Armed Forces Occupations"
    assert isco08_major_group("2211") == "2" and isco08_major_group(2211.0) == "2"
    assert isco08_major_group("x") is None


def test_suggested_roles_for_the_real_files(cps: Path) -> None:
    df = read_microdata(cps)
    roles = suggest_roles(df.columns, df.attrs["variable_labels"])
    assert roles["MIGRATE1"] == "residence_past_date"
    assert roles["AGE"] == "age" and roles["ASECWT"] == "weight"
    assert "HEALTH" not in roles
    assert suggest_roles(["pb220a", "rb090", "rb050"]) == {"pb220a": "citizenship", "rb090": "sex",
                                                            "rb050": "weight"}


def test_parse_map_topics() -> None:
    vm = parse_map(" citizenship = pb220a , sex=rb090,")
    assert vm.topics() == {"A": None, "B": None, "C": None, "D": "pb220a", "E": None}
    assert vm.resolve("sex") == "rb090" and vm.resolve("age") == "age"


def test_isco_labels_on_a_table(mirror: Path) -> None:
    import pandas as pd

    from corridor.microdata.tabulate import add_labels

    isco = isco08_labels(str(mirror / "occupations" / "_cwfcn_labels_isco08.sthlp"))
    table = pd.DataFrame({"occupation_major": ["2", "0", "_U"], "occupation": ["2211", "110", "_U"],
                          "n": [5, 6, 7]})
    out = add_labels(table, ["occupation_major", "occupation"], parse_map(""), isco=isco)
    assert out["occupation_major_label"].tolist() == ["Professionals", "Armed Forces Occupations", ""]
    assert out["occupation_label"].tolist() == ["Generalist Medical Practitioners",
                                                "Commissioned Armed Forces Officers", ""]
