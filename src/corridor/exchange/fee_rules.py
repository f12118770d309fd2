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

    def allowance_table(self) -> pd.DataFrame:
        """One row per (scope, key, category) a worker may bear: ``cap_usd`` (inf = no cap)."""
        rows = []
        for scope, table in (("agreement", self.agreements), ("jurisdiction", self.jurisdictions)):
            for key, spec in table.items():
                for cat, limit in (spec.get("worker_may_bear") or {}).items():
                    cap = (limit or {}).get("cap_usd")
                    rows.append((scope, str(key), cat, np.inf if cap is None else float(cap)))
        return pd.DataFrame(rows, columns=["scope", "key", "category", "cap_usd"])


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


def _check(entries: pd.DataFrame, rules: FeeRules) -> None:
    missing = [c for c in ENTRY_COLUMNS if c not in entries.columns]
    if missing:
        raise InputError(f"ledger entries lack column(s) {missing}")
    for column, allowed in (("category", set(rules.categories)), ("payer", set(PAYERS)), ("side", set(SIDES))):
        bad = ~entries[column].isin(allowed)
        if bad.any():
            row = entries[bad].iloc[0]
            raise InputError(f"ledger entry {row['entry_id']}: {column} {row[column]!r} is not one of "
                             f"{sorted(allowed)}", column=column)
    negative = entries["amount_usd"] < 0
    if negative.any():
        raise InputError(f"ledger entry {entries[negative].iloc[0]['entry_id']}: negative amount "
                         "(a refund is a correction of the entry, not a negative charge)", column="amount")


def _lookup(frame: pd.DataFrame, allow: pd.DataFrame, scope: str, key: str) -> pd.Series:
    """The cap of ``scope`` keyed by column ``key`` for each row (NaN where that scope has no rule)."""
    table = allow[allow["scope"] == scope]
    if table.empty:
        return pd.Series(np.nan, index=frame.index)
    idx = pd.MultiIndex.from_frame(table[["key", "category"]])
    caps = pd.Series(table["cap_usd"].to_numpy(), index=idx)
    at = pd.MultiIndex.from_arrays([frame[key].astype(str), frame["category"]])
    return pd.Series(caps.reindex(at).to_numpy(), index=frame.index)


def _share(amount: pd.Series, keys: list[pd.Series], excess: pd.Series) -> pd.Series:
    """Each entry's share of its group's ``excess`` (in proportion to its amount)."""
    total = amount.groupby(keys).transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        return (excess * np.where(total > 0, amount / total, 0.0)).fillna(0.0)


def flag_entries(entries: pd.DataFrame, rules: FeeRules | None = None) -> pd.DataFrame:
    """``entries`` (effective, :data:`ENTRY_COLUMNS`) with ``group``, ``flag`` (None or one of
    :data:`FLAGS`) and ``owed_usd`` (what the worker is owed back for that entry). See the module docstring."""
    rules = rules or ilo_rules()
    _check(entries, rules)
    out = entries.copy()
    out["group"] = out["category"].map(rules.group_of())
    allow = rules.allowance_table()
    worker = (out["payer"] == "worker").to_numpy()
    legit = out["group"].isin(["fee", "related"]).to_numpy()
    amount = out["amount_usd"].astype(float)

    # may the worker bear it where it was charged? agreement rule, else the charging jurisdiction's rule
    here = _lookup(out, allow, "agreement", "agreement").fillna(_lookup(out, allow, "jurisdiction", "jurisdiction"))
    # the origin's cap: agreement rule, else the origin jurisdiction's rule, else 0 (the default)
    origin_cap = _lookup(out, allow, "agreement", "agreement").fillna(
        _lookup(out, allow, "jurisdiction", "origin")).fillna(0.0)
    employer_must = worker & legit & here.isna().to_numpy()

    capped = worker & legit & ~employer_must
    keys = [out["worker"], out["category"]]
    at_origin = pd.Series(np.where(capped & (out["side"] == "origin").to_numpy(), amount, 0.0), index=out.index)
    at_dest = pd.Series(np.where(capped & (out["side"] == "destination").to_numpy(), amount, 0.0), index=out.index)
    s_origin = at_origin.groupby(keys).transform("sum")
    s_dest = at_dest.groupby(keys).transform("sum")
    origin_excess = (s_origin - origin_cap).clip(lower=0.0)
    total_excess = (s_origin + s_dest - origin_cap).clip(lower=0.0)
    over_cap = (at_origin > 0) & (origin_excess > 0)
    circumvents = (at_dest > 0) & (total_excess > origin_excess)

    illegitimate = (out["group"] == "illegitimate").to_numpy()
    flag = np.select([illegitimate, employer_must, over_cap.to_numpy(), circumvents.to_numpy()], list(FLAGS),
                     default="")
    owed = np.select(
        [illegitimate & worker, employer_must, over_cap.to_numpy(), circumvents.to_numpy()],
        [amount.to_numpy(), amount.to_numpy(), _share(at_origin, keys, origin_excess).to_numpy(),
         _share(at_dest, keys, total_excess - origin_excess).to_numpy()], default=0.0)
    out["flag"] = pd.Series(np.where(flag == "", None, flag), index=out.index, dtype=object)
    out["owed_usd"] = np.round(owed, 2)
    return out
