"""Violations in a recruitment fee ledger, from rules held as data (``data/fee_rules.yaml``).

The rules follow the ILO (2019) *General principles and operational guidelines for fair recruitment and
Definition of recruitment fees and related costs*: General Principle 7 ("no recruitment fees or related
costs should be charged to, or otherwise borne by, workers or jobseekers") is the default, and a
jurisdiction (UN M49) or a bilateral agreement may let a worker bear named categories up to a cap.
Four violations are flagged per ledger entry, and what the worker is owed is computed with them:

=========================  =====================================================================  ==========
flag                       rule                                                                   owed
=========================  =====================================================================  ==========
``illegitimate``           a bribe, tribute, extortion, kickback, bond or illegal collateral      all (if the
                           (ILO Definition, illegitimate costs), whoever paid it                  worker paid)
``employer_must_bear``     a fee or related cost paid by the worker that the rule of the          all
                           agreement, else of the jurisdiction charging it, else the default
                           puts on the employer
``over_cap``               origin-side worker payments of a category above the origin's cap      the excess
``circumvents_origin_cap`` destination-side worker payments of a category that take the          the excess
                           worker's total above the *origin's* cap (a fee moved to the            over the
                           destination to get around it; UN report, issue 13)                     cap
=========================  =====================================================================  ==========

The origin's cap of a category is the agreement's cap, else the origin jurisdiction's, else 0 when the
default puts it on the employer. Caps are per worker, in US dollars at each entry's recorded rate. An
excess is shared among the entries that make it in proportion to their amounts.

:func:`flag_entries` works on a whole ledger at once (vectorised pandas; the benchmark runs it on ten
million entries); :func:`effective_entries` first drops the entries a correction replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from corridor.errors import InputError

RULES_FILE = Path(__file__).with_name("data") / "fee_rules.yaml"
GROUPS = ("fee", "related", "illegitimate")
PAYERS = ("worker", "employer", "recruiter", "government")
SIDES = ("origin", "destination")
FLAGS = ("illegitimate", "employer_must_bear", "over_cap", "circumvents_origin_cap")
#: Columns :func:`flag_entries` needs.
ENTRY_COLUMNS = ("entry_id", "worker", "origin", "agreement", "category", "side", "jurisdiction", "payer",
                 "amount_usd")


@dataclass(frozen=True)
class FeeRules:
    """The categories and who bears them (see the module docstring and ``data/fee_rules.yaml``)."""

    categories: dict[str, dict[str, str]]
    default_bearer: dict[str, str]
    jurisdictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    agreements: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base: FeeRules | None = None, where: str = "rules") -> FeeRules:
        """Rules from a parsed YAML mapping; ``base`` supplies what it leaves out (the ILO defaults)."""
        categories = data.get("categories", base.categories if base else {})
        for cid, spec in categories.items():
            if spec.get("group") not in GROUPS:
                raise InputError(f"{where}: category {cid!r} has group {spec.get('group')!r}; groups: {GROUPS}")
        rules = cls(categories=categories,
                    default_bearer=data.get("default", {}).get("bearer", base.default_bearer if base else {}),
                    jurisdictions={str(k): v for k, v in (data.get("jurisdictions") or {}).items()},
                    agreements={str(k): v for k, v in (data.get("agreements") or {}).items()},
                    source=data.get("source", base.source if base else ""))
        for scope, table in (("jurisdiction", rules.jurisdictions), ("agreement", rules.agreements)):
            for key, spec in table.items():
                unknown = set(spec.get("worker_may_bear") or {}) - set(categories)
                bad = {c for c in (spec.get("worker_may_bear") or {}) if categories.get(c, {}).get("group")
                       == "illegitimate"}
                if unknown or bad:
                    raise InputError(f"{where}: {scope} {key}: "
                                     + (f"unknown categories {sorted(unknown)}" if unknown else
                                        f"illegitimate costs {sorted(bad)} can never be the worker's"))
        return rules

    def group_of(self) -> dict[str, str]:
        return {c: spec["group"] for c, spec in self.categories.items()}


@lru_cache(maxsize=1)
def ilo_rules() -> FeeRules:
    """The shipped rules: ILO 2019 categories, General Principle 7 as the default, no country's law."""
    return FeeRules.from_mapping(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")), where=str(RULES_FILE))


def load_rules(path: Path | None) -> FeeRules:
    """The ILO rules, with the jurisdictions and agreements of ``path`` (a YAML file in the same shape)."""
    if path is None:
        return ilo_rules()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read fee rules: {exc}") from None
    return FeeRules.from_mapping(data, base=ilo_rules(), where=str(path))


def effective_entries(entries: pd.DataFrame) -> pd.DataFrame:
    """The ledger as it now stands: an entry replaced by a correction (``corrects_id``) is dropped, and so
    is a voiding correction itself (append-only ledger; history stays in the table)."""
    replaced = entries["corrects_id"].dropna().astype("int64")
    keep = ~entries["entry_id"].isin(replaced) & ~entries["void"].astype(bool)
    return entries[keep].reset_index(drop=True)


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their values as text (categorical columns are used as they are: no copy)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]
    codes, uniques = pd.factorize(column)
    return codes, [str(u) for u in uniques]


def _check(entries: pd.DataFrame, rules: FeeRules) -> None:
    missing = [c for c in ENTRY_COLUMNS if c not in entries.columns]
    if missing:
        raise InputError(f"ledger entries lack column(s) {missing}")
    for column, allowed in (("category", set(rules.categories)), ("payer", set(PAYERS)), ("side", set(SIDES))):
        codes, values = _codes(entries[column])
        if (codes < 0).any():
            row = entries[codes < 0].iloc[0]
            raise InputError(f"ledger entry {row['entry_id']}: {column} is empty", column=column)
        bad_values = [v for v in values if v not in allowed and (entries[column] == v).any()]
        if bad_values:
            row = entries[entries[column].astype(str) == bad_values[0]].iloc[0]
            raise InputError(f"ledger entry {row['entry_id']}: {column} {row[column]!r} is not one of "
                             f"{sorted(allowed)}", column=column)
    negative = entries["amount_usd"].to_numpy() < 0
    if negative.any():
        raise InputError(f"ledger entry {entries[negative].iloc[0]['entry_id']}: negative amount "
                         "(a refund is a correction of the entry, not a negative charge)", column="amount")


def _caps(table: dict[str, dict[str, Any]], column: pd.Series, cat: np.ndarray,
          cat_index: dict[str, int]) -> np.ndarray:
    """Per row, the cap of the rule of ``table`` keyed by ``column`` for the row's category (NaN: no rule;
    inf: no cap). A lookup in a small (keys x categories) matrix by integer codes."""
    if not table:
        return np.full(len(cat), np.nan)
    codes, values = _codes(column)
    matrix = np.full((len(values) + 1, len(cat_index)), np.nan)  # last row: code -1 (missing)
    for i, value in enumerate(values):
        for category, limit in ((table.get(value) or {}).get("worker_may_bear") or {}).items():
            cap = (limit or {}).get("cap_usd")
            matrix[i, cat_index[category]] = np.inf if cap is None else float(cap)
    return matrix[codes, cat]


def _group_sum(key: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over the rows sharing its ``key`` (a dense non-negative integer
    key: one bincount, no sort)."""
    return np.bincount(key, weights=values)[key]


def flag_entries(entries: pd.DataFrame, rules: FeeRules | None = None) -> pd.DataFrame:
    """``entries`` (effective, :data:`ENTRY_COLUMNS`) with ``group``, ``flag`` (categorical: missing or one
    of :data:`FLAGS`) and ``owed_usd`` (what the worker is owed back for that entry). See the module docstring.

    Vectorised over integer codes (a rule lookup is an index into a keys x categories matrix; sums per
    worker and category are bincounts), so ten million entries take seconds."""
    rules = rules or ilo_rules()
    _check(entries, rules)
    cat_names = list(rules.categories)
    cat_index = {c: i for i, c in enumerate(cat_names)}
    codes, values = _codes(entries["category"])
    cat = np.array([cat_index[v] for v in values], dtype=np.int64)[codes]
    group_names = np.array([rules.categories[c]["group"] for c in cat_names])
    group_codes = np.array([GROUPS.index(g) for g in group_names], dtype=np.int8)[cat]
    amount = entries["amount_usd"].to_numpy(dtype=float)
    worker = (entries["payer"] == "worker").to_numpy()
    legit = group_codes != GROUPS.index("illegitimate")
    origin_side = (entries["side"] == "origin").to_numpy()

    by_agreement = _caps(rules.agreements, entries["agreement"], cat, cat_index)
    # may the worker bear it where it was charged? agreement rule, else the charging jurisdiction's rule
    here = np.where(np.isnan(by_agreement), _caps(rules.jurisdictions, entries["jurisdiction"], cat, cat_index),
                    by_agreement)
    # the origin's cap: agreement rule, else the origin jurisdiction's rule, else 0 (the default)
    origin_cap = np.where(np.isnan(by_agreement), _caps(rules.jurisdictions, entries["origin"], cat, cat_index),
                          by_agreement)
    origin_cap = np.where(np.isnan(origin_cap), 0.0, origin_cap)
    employer_must = worker & legit & np.isnan(here)

    capped = worker & legit & ~employer_must
    at_origin = np.where(capped & origin_side, amount, 0.0)
    at_dest = np.where(capped & ~origin_side, amount, 0.0)
    s_origin = np.zeros(len(amount))
    s_dest = np.zeros(len(amount))
    key = None
    if capped.any():
        worker_codes, _ = _codes(entries["worker"])
        key = worker_codes[capped].astype(np.int64) * len(cat_names) + cat[capped]
        s_origin[capped] = _group_sum(key, at_origin[capped])
        s_dest[capped] = _group_sum(key, at_dest[capped])
    origin_excess = np.clip(s_origin - origin_cap, 0.0, None)
    total_excess = np.clip(s_origin + s_dest - origin_cap, 0.0, None)
    over_cap = (at_origin > 0) & (origin_excess > 0)
    circumvents = (at_dest > 0) & (total_excess > origin_excess)
    with np.errstate(divide="ignore", invalid="ignore"):  # an excess shared in proportion to amounts
        share_origin = np.where(s_origin > 0, origin_excess * at_origin / s_origin, 0.0)
        share_dest = np.where(s_dest > 0, (total_excess - origin_excess) * at_dest / s_dest, 0.0)

    illegitimate = ~legit
    code = np.select([illegitimate, employer_must, over_cap, circumvents], [1, 2, 3, 4], default=0)
    owed = np.select([illegitimate & worker, employer_must, over_cap, circumvents],
                     [amount, amount, share_origin, share_dest], default=0.0)
    out = entries.copy(deep=False)
    out["group"] = pd.Categorical.from_codes(group_codes, categories=list(GROUPS))
    out["flag"] = pd.Categorical.from_codes(code - 1, categories=list(FLAGS))  # missing: no violation
    out["owed_usd"] = np.round(owed, 2)
    return out
