"""An office's own geographies and age groups (``corridor register``): checked, stored, kept apart.

The symptom of the issue: Scotland, England, Wales and census zones could not be stored at all, and
labelling Scotland as the United Kingdom put it beside UN DESA's UK figures and plotted US-born people
in Scotland as "emigrants born in the USA living abroad". Here a declaration registers Scotland
(GSS code S92000003, within the UK, M49 826) and two real census zones of the Scottish census file in
the mirror; they join the AREA codelist with kind ``user``, which the portal never draws or sums as a
country, and a registered age group joins the AGE codelist.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from corridor.errors import InputError
from corridor.reference.areas import area_table, is_valid
from corridor.reference.codes import codes
from corridor.reference.user_codes import register
from corridor.store.warehouse import DatasetMeta, Warehouse
from tests.sources.user_reference import forget_codes, user_reference

DECLARATION = {
    "areas": [
        {"code": "S92000003", "name": "Scotland", "parent": "826", "aliases": ["Alba"]},
        {"code": "5601AD", "name": "Census zone 5601AD", "parent": "S92000003", "valid_from": "1971-04-25"},
        {"code": "5601AE", "name": "Census zone 5601AE", "parent": "S92000003"},
    ],
    "age_groups": [{"from": 15, "to": 64}, {"from": 65}],
}


def declare(folder: Path, doc: dict, name: str = "scotland.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_user_areas_and_age_groups_join_the_codelists(tmp_path: Path) -> None:
    assert "U_S92000003" not in codes("AREA") and "Y15T64" not in codes("AGE")
    with user_reference(tmp_path / "reference"):
        register(declare(tmp_path / "in", DECLARATION))
        forget_codes()
        table = area_table()
        assert table.loc["U_S92000003", ["name", "kind", "parent"]].tolist() == ["Scotland", "user", "826"]
        assert table.loc["U_5601AD", "parent"] == "U_S92000003"
        assert codes("AREA")["U_5601AD"] == "Census zone 5601AD"
        assert codes("AGE")["Y15T64"] == "15 to 64 years" and codes("AGE")["Y65T_"] == "65 years or over"
        assert not is_valid("U_5601AD", 1961) and is_valid("U_5601AD", 2011)
    assert "U_S92000003" not in codes("AREA")  # nothing leaks out of the user's folder


@pytest.mark.parametrize(("change", "message"), [
    ({"areas": [{"code": "S92000003", "name": "Scotland", "parent": "9999"}]},
     "key 'areas.0.parent': '9999' is neither an M49 area nor a user area"),
    ({"areas": [{"code": "S92000003", "name": "Scotland", "parent": "826", "colour": "blue"}]},
     "key 'areas.0.colour': unknown key"),
    ({"areas": [{"code": "S 92", "name": "Scotland", "parent": "826"}]}, "key 'areas.0.code': Value error"),
    ({"age_groups": [{"from": 65, "to": 15}]}, "key 'age_groups.0.to': 15 is below 'from' (65)"),
    ({"regions": []}, "key 'regions': unknown key"),
])
def test_a_bad_declaration_names_the_key_and_registers_nothing(change: dict, message: str, tmp_path: Path) -> None:
    with user_reference(tmp_path / "reference") as folder:
        path = declare(tmp_path / "in", change)
        with pytest.raises(InputError) as info:
            register(path)
        assert str(info.value).startswith(f"file {path}: {message}")
        assert not folder.exists() or not any(folder.iterdir())


def test_registering_twice_is_refused(tmp_path: Path) -> None:
    with user_reference(tmp_path / "reference"):
        register(declare(tmp_path / "in", DECLARATION))
        with pytest.raises(InputError, match="already registered"):
            register(declare(tmp_path / "in2", DECLARATION))


def test_user_areas_are_never_countries_in_the_portal(mirror: Path, tmp_path: Path) -> None:
    # Real counts of the Scottish census file (zones 5601AD and 5601AE, 1971 and 2011): people born in
    # Pakistan (586) living in the zones. Before user areas, the only way in was to write the zones as
    # the UK (826) -- and the portal then summed them into "emigrants born in Pakistan living abroad".
    from corridor.publish.portal.areas import aggregate_codes, is_country
    from corridor.publish.portal.queries.country import stock_totals

    raw = pd.read_csv(mirror / "microdata/countryOfBirth_Scotland_5_Census.csv", dtype={"zone": str})
    raw = raw[raw["zone"].isin(["5601AD", "5601AE"]) & raw["censusYear"].isin([1971, 2011])]
    with user_reference(tmp_path / "reference"):
        register(declare(tmp_path / "in", DECLARATION))
        forget_codes()
        assert not is_country("U_5601AD") and "U_5601AD" in aggregate_codes()
        obs = pd.DataFrame({"dataflow": "MIG_STOCK", "ref_area": "U_" + raw["zone"], "counterpart_area": "586",
                            "time_period": raw["censusYear"].astype(str), "value": raw["Pakistan"],
                            "obs_status": "A"})
        with Warehouse.open(tmp_path / "w.duckdb") as wh:
            wh.write_dataset(DatasetMeta("scot-pk", "test-scot", "2011", layout="test"), obs)
            stored = wh.observations("MIG_STOCK", counterpart_area="586")
            emigrants = stock_totals(wh, "586", "emigrants")
    assert len(stored) == 4 and set(stored["ref_area"]) == {"U_5601AD", "U_5601AE"}
    assert emigrants.empty  # the zones are not destinations countries of Pakistan's emigrants
