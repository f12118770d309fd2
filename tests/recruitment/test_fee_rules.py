"""Violation flags against the rules: every ILO 2019 category with every payer under the default rule
(ILO General Principle 7), caps, and a destination-side fee that circumvents the origin's cap.

What this proves: the table in corridor.exchange.fee_rules holds for each category/payer pair, amounts owed
are the hand-computed ones, and the rules file is validated (an illegitimate cost can never be allowed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.exchange.fee_rules import PAYERS, effective_entries, flag_entries, ilo_rules, load_rules


def _flags(out: pd.DataFrame) -> list[str | None]:
    return [None if pd.isna(f) else f for f in out["flag"]]


def _entries(*rows: dict) -> pd.DataFrame:
    base = {"worker": 1, "origin": "608", "agreement": "", "side": "origin", "jurisdiction": "608",
            "payer": "worker"}
    return pd.DataFrame([{**base, "entry_id": i + 1, **r} for i, r in enumerate(rows)])


@pytest.mark.parametrize("payer", PAYERS)
@pytest.mark.parametrize("category", sorted(ilo_rules().categories))
def test_every_category_and_payer_under_the_default_rule(category: str, payer: str) -> None:
    group = ilo_rules().categories[category]["group"]
    out = flag_entries(_entries({"category": category, "payer": payer, "amount_usd": 40.0,
                                 "origin": "999", "jurisdiction": "999"})).iloc[0]
    if group == "illegitimate":
        expected, owed = "illegitimate", (40.0 if payer == "worker" else 0.0)
    elif payer == "worker":
        expected, owed = "employer_must_bear", 40.0
    else:
        expected, owed = None, 0.0
    assert (None if pd.isna(out["flag"]) else out["flag"]) == expected
    assert out["owed_usd"] == owed


def test_caps_and_allowances_of_a_rule_file(rules_path: Path) -> None:
    rules = load_rules(rules_path)
    out = flag_entries(_entries(
        {"category": "recruitment_fee", "amount_usd": 80.0},                     # within 608's cap of 100
        {"category": "medical", "amount_usd": 500.0},                            # 608 lets the worker pay, no cap
        {"category": "travel_lodging", "amount_usd": 60.0, "agreement": "7"},    # agreement cap 50
        {"category": "travel_lodging", "amount_usd": 60.0, "worker": 2},          # no agreement: employer's
        {"category": "recruitment_fee", "amount_usd": 130.0, "worker": 3},         # over the cap by 30
    ), rules)
    assert _flags(out) == [None, None, "over_cap", "employer_must_bear", "over_cap"]
    assert out["owed_usd"].tolist() == [0.0, 0.0, 10.0, 60.0, 30.0]


def test_a_destination_fee_that_circumvents_the_origin_cap_is_flagged(rules_path: Path) -> None:
    rules = load_rules(rules_path)
    # 60 paid at origin (cap 100), then 70 more charged at the destination, where 410's law allows a fee
    out = flag_entries(_entries(
        {"category": "recruitment_fee", "amount_usd": 60.0},
        {"category": "recruitment_fee", "amount_usd": 70.0, "side": "destination", "jurisdiction": "410"},
    ), rules)
    assert _flags(out) == [None, "circumvents_origin_cap"]
    assert out["owed_usd"].tolist() == [0.0, 30.0]  # 60 + 70 - 100
    # the same destination fee is legal when the worker paid nothing at origin and it stays under the cap
    alone = flag_entries(_entries({"category": "recruitment_fee", "amount_usd": 70.0, "side": "destination",
                                   "jurisdiction": "410"}), rules)
    assert _flags(alone) == [None]
    # origin 999 lets the worker pay nothing: a fee moved to 410 circumvents a cap of 0
    moved = flag_entries(_entries({"category": "recruitment_fee", "amount_usd": 70.0, "side": "destination",
                                   "jurisdiction": "410", "origin": "999"}), rules)
    assert _flags(moved) == ["circumvents_origin_cap"] and moved["owed_usd"].tolist() == [70.0]


def test_a_destination_charge_the_destination_forbids_is_the_employers(rules_path: Path) -> None:
    out = flag_entries(_entries({"category": "medical", "amount_usd": 30.0, "side": "destination",
                                 "jurisdiction": "410"}), load_rules(rules_path))
    assert _flags(out) == ["employer_must_bear"]


def test_corrections_replace_and_void_entries() -> None:
    frame = pd.DataFrame({"entry_id": [1, 2, 3, 4, 5], "corrects_id": [None, None, 1, 3, 2],
                          "void": [False, False, False, False, True]})
    assert effective_entries(frame)["entry_id"].tolist() == [4]  # 1 -> 3 -> 4; 2 voided by 5


def test_bad_rules_and_entries_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("jurisdictions:\n  '608':\n    worker_may_bear:\n      bribe: {}\n")
    with pytest.raises(InputError, match="illegitimate costs .*bribe.* can never be the worker's"):
        load_rules(bad)
    with pytest.raises(InputError, match="ledger entry 1: category 'visa' is not one of"):
        flag_entries(_entries({"category": "visa", "amount_usd": 1.0}))
