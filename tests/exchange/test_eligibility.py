"""Each eligibility rule in both directions (passes on the base pair, fails on one change), the
score parts, and explanations that are exactly the rules and scores applied."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from corridor.exchange.eligibility import RULES, evaluate
from corridor.exchange.market import AgreementSpec, Market, VacancySpec, WorkerSpec
from corridor.exchange.matching import match
from corridor.exchange.scoring import score

AG = AgreementSpec(1, origin="608", destination="276", occupations=("222", "322"), sectors=("Q",), quota_left=2,
                   valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31))
VAC = VacancySpec(10, destination="276", isco="2221", openings=1, agreement_id=1, sector="Q",
                  languages={"de": "B1"}, credentials=("nursing diploma",), skills=frozenset({"s1", "s2"}),
                  housing=True, medical_care=True, hours_per_week=38.5)
WORKER = WorkerSpec(100, origin="608", isco="2221", consent=True, skills=frozenset({"s1"}),
                    languages={"de": "B2", "en": "C1"},
                    credentials=({"name": "nursing diploma", "recognition": {"276": "recognisable"}},),
                    work_record=({"outcome": "completed"},), preferences=("276", "380"))
ON = date(2026, 3, 1)


def _results(w: WorkerSpec = WORKER, v: VacancySpec = VAC, ag: AgreementSpec = AG, on: date = ON) -> dict:
    market = Market([w], [v], {ag.id: ag}, on)
    return {r.rule: r for r in evaluate(w, v, market)}


def test_the_base_pair_passes_every_rule() -> None:
    results = _results()
    assert list(results) == list(RULES)
    assert all(r.passed for r in results.values()), results


FAILING = {
    "consent": dict(w=replace(WORKER, consent=False)),
    "agreement": dict(w=replace(WORKER, origin="356")),
    "quota": dict(ag=replace(AG, quota_left=0)),
    "credentials": dict(w=replace(WORKER, credentials=(
        {"name": "nursing diploma", "recognition": {"276": "not_recognised"}},))),
    "languages": dict(w=replace(WORKER, languages={"de": "A2"})),
    "occupation": dict(w=replace(WORKER, isco="7411")),
    "destination": dict(w=replace(WORKER, preferences=("380",))),
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_fails_alone_when_its_condition_breaks(rule: str) -> None:
    results = _results(**FAILING[rule])
    assert [r for r, res in results.items() if not res.passed] == [rule], results


@pytest.mark.parametrize("change, reason", [
    (dict(ag=replace(AG, destination="380")), "destination 380 is not the vacancy's 276"),
    (dict(ag=replace(AG, occupations=("71",))), "occupation 2221 not covered"),
    (dict(ag=replace(AG, sectors=("F",))), "sector Q not covered"),
    (dict(on=date(2028, 1, 1)), "not in force"),
    (dict(v=replace(VAC, agreement_id=None)), "not posted under a bilateral agreement"),
])
def test_agreement_rule_names_what_is_not_covered(change: dict, reason: str) -> None:
    res = _results(**change)["agreement"]
    assert not res.passed and reason in res.detail


@pytest.mark.parametrize("change, passes", [
    (dict(w=replace(WORKER, credentials=({"name": "nursing diploma", "recognition": {"276": "recognised"}},))),
     True),
    (dict(w=replace(WORKER, credentials=())), False),
    (dict(v=replace(VAC, credentials=())), True),
    (dict(w=replace(WORKER, languages={"de": "B1"})), True),  # exactly the level asked
    (dict(w=replace(WORKER, languages={"en": "C2"})), False),  # German not held at all
    (dict(ag=replace(AG, quota_left=None)), True),
    (dict(w=replace(WORKER, preferences=())), True),  # no destination named: any is wanted
])
def test_rules_in_both_directions_at_their_edges(change: dict, passes: bool) -> None:
    assert all(r.passed for r in _results(**change).values()) is passes


def test_score_parts_follow_their_definitions() -> None:
    s = score(WORKER, VAC)
    assert s["occupation"] == 1.0  # same unit group
    assert s["skills"] == 0.5  # 1 of 2 wanted skills
    assert s["languages"] == 0.75  # B2 for B1: one level above
    assert s["work_record"] == 0.5  # one completed placement
    assert s["preference"] == 1.0  # first destination
    assert s["conditions"] == 1.0
    assert s["employer"] == pytest.approx(0.4 * 1 + 0.3 * 0.5 + 0.15 * 0.75 + 0.15 * 0.5)
    assert s["worker"] == pytest.approx(1.0)
    close = score(replace(WORKER, isco="2222"), VAC)
    assert close["occupation"] == 0.75  # same minor group 222


def test_a_proven_work_record_ranks_first_at_equal_merit() -> None:
    novice = replace(WORKER, id=101, work_record=())
    market = Market([novice, WORKER], [VAC], {1: AG}, ON)
    result = match(market)
    assert [m["jobseeker_id"] for m in result.matches] == [WORKER.id]  # the novice registered earlier


def test_explanations_are_the_rules_and_scores_applied() -> None:
    workers = [replace(WORKER, id=100 + i, skills=frozenset({"s1", "s2"} if i % 2 else {"s1"})) for i in range(4)]
    workers.append(replace(WORKER, id=200, consent=False))
    vacancies = [VAC, replace(VAC, id=11, openings=2, languages={})]
    market = Market(workers, vacancies, {1: replace(AG, quota_left=2)}, ON)
    result = match(market)
    assert len(result.matches) == 2  # quota 2 of 3 openings
    assert result.rule_failures["consent"] == 2  # worker 200, on both vacancies
    for m in result.matches:
        w = next(x for x in workers if x.id == m["jobseeker_id"])
        v = next(x for x in vacancies if x.id == m["vacancy_id"])
        expected = [r.__dict__ for r in evaluate(w, v, market)]
        assert m["explanation"]["rules"] == expected and all(r["passed"] for r in expected)
        assert m["explanation"]["score"] == score(w, v)
        assert m["explanation"]["assignment"]["worker_rank"] >= 1
    assert result.check().stable
    flow = match(market, method="flow")
    assert flow.check().feasible
    assert sum(m["score"] for m in flow.matches) >= sum(m["score"] for m in result.matches) - 1e-9


def test_auc_matches_the_scikit_learn_documentation_example() -> None:
    # sklearn.metrics.roc_auc_score docs: y_true = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] -> 0.75
    import numpy as np

    from corridor.exchange.quality import auc

    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5  # a tie counts one half
