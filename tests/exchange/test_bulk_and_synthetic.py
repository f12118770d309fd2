"""Bulk load (CSV and JSON Lines files, all or nothing) and the synthetic generator on real structure:
corridors from UN DESA's International Migrant Stock 2019 (ingested from the mirror) and ESCO v1.1.1
occupations, matched and checked by the independent checker."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corridor.errors import InputError
from corridor.exchange import bulk
from corridor.exchange.codelists import esco
from corridor.exchange.market import load_market
from corridor.exchange.matching import match
from corridor.exchange.models import Jobseeker
from corridor.exchange.registry import Registry
from corridor.exchange.synthetic import corridors_from_stocks, generate
from corridor.sources.ingest import ingest_release
from corridor.store.warehouse import Warehouse


def _count(reg: Registry) -> int:
    with reg.sessions() as s:
        return s.scalar(select(func.count()).select_from(Jobseeker))


def test_csv_and_json_lines_files_load_whole_or_not_at_all(registry: Registry, tmp_path: Path) -> None:
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(
        "origin,esco_version,isco,consent,languages,preferences,personal_name,personal_email\n"
        '608,1.1.1,2221,true,"{""en"": ""B2""}","[""276""]",Ana Csvperson,ana@example.test\n'
        '356,1.1.1,3221,false,{},[],Raj Csvperson,\n', encoding="utf-8")
    assert bulk.load(registry, "jobseeker", bulk.read_records(csv_path)) == 2
    lines = tmp_path / "people.jsonl"
    good = {"origin": "608", "esco_version": "1.1.1", "isco": "2221"}
    lines.write_text("\n".join(json.dumps(r) for r in (good, {**good, "isco": None, "visa_status": "x"})))
    with pytest.raises(InputError, match="record 1: field\\(s\\) visa_status refused"):
        bulk.load(registry, "jobseeker", bulk.read_records(lines))
    lines.write_text("\n".join(json.dumps(r) for r in (good, {"origin": "608"})))
    with pytest.raises(InputError, match="record 1: missing required field\\(s\\) esco_version, isco"):
        bulk.load(registry, "jobseeker", bulk.read_records(lines))
    assert _count(registry) == 2  # the bad files changed nothing
    from corridor.exchange.access import Principal
    first = registry.jobseeker(Principal("auditor"), 1)
    assert first["personal"] == {"name": "Ana Csvperson", "email": "ana@example.test"}
    assert first["languages"] == {"en": "B2"} and first["consent"] is True
    [loaded] = registry.history("jobseeker", 2)
    assert loaded["action"] == "bulk" and loaded["changes"] == {"first_id": 1, "last_id": 2, "count": 2}


@pytest.fixture(scope="module")
def stocks_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "stocks.duckdb"
    with Warehouse.open(path) as wh:
        ingest_release(wh, "undesa-ims-2019-od", mirror=mirror)
    return path


def test_synthetic_world_on_real_corridors_matches_stably(stocks_warehouse: Path, mirror: Path,
                                                         registry: Registry, tmp_path: Path) -> None:
    with Warehouse.open(stocks_warehouse, read_only=True) as wh:
        corridors = corridors_from_stocks(wh, top=10)
    # UN DESA 2019: Mexico (484) -> United States (840) is the largest corridor (about 11.5 million)
    assert (corridors.loc[0, "origin"], corridors.loc[0, "destination"]) == ("484", "840")
    assert 11_000_000 < corridors.loc[0, "stock"] < 12_500_000
    occupations = esco("1.1.1", mirror=str(mirror), cache_dir=str(tmp_path / "cache"))
    world = generate(corridors, occupations, n_jobseekers=600, n_vacancies=80, seed=3)
    assert all(a["title"].startswith("SYNTHETIC") for a in world.agreements)
    assert {(a["origin"], a["destination"]) for a in world.agreements} == set(
        zip(corridors["origin"], corridors["destination"], strict=True))
    assert all(v["esco_uri"] in occupations.by_uri for v in world.vacancies)
    for kind, records in (("agreement", world.agreements), ("employer", world.employers),
                          ("vacancy", world.vacancies), ("jobseeker", world.jobseekers)):
        bulk.load(registry, kind, records, actor="synthetic")
    market = load_market(registry, date(2026, 7, 1))
    assert len(market.workers) == 600 and len(market.vacancies) == 80
    result = match(market, essential_skills=occupations.essential_skills)
    report = result.check()
    assert result.matches and report.stable, report
    assert result.check().feasible
    flow = match(market, method="flow", essential_skills=occupations.essential_skills)
    assert flow.check().feasible
    assert sum(m["score"] for m in flow.matches) >= sum(m["score"] for m in result.matches) - 1e-6
