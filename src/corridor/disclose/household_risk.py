"""Direct identifiers and the household level of microdata risk.

**Direct identifiers** (person and household ids) identify a record by themselves or link the
members of a household; a public-use file carries none of them (Hundepool et al. 2012, *Statistical
Disclosure Control*, §3.2). :func:`find_identifiers` recognises the standard ones (EU-SILC
``DB030``/``HB030``/``RB030``/``PB030``/``PX030``/``RX030``, IPUMS ``SERIAL``/``PERNUM``/``CPSID``/
``CPSIDP``, and names such as ``pid``, ``hid``, ``household_id``); they are dropped, or a household
id is replaced by random ids when household structure must stay usable.

**Household risk.** Members of a household are re-identified together: if any member is identified,
the household is. sdcMicro's hierarchical risk (Templ, Kowarik & Meindl 2015, "Statistical Disclosure
Control for Micro-Data Using the R Package sdcMicro", *Journal of Statistical Software* 67(4), §3.3,
``measure_hierarchical``) is ``1 - prod_i (1 - r_i)`` over the members' individual risks ``r_i``.

**Household structure as a key.** When household ids are published (even random ones), an intruder
matches whole households: the multiset of the members' key values (e.g. region plus each member's
sex and age) is a key of its own. :func:`household_uniques` lists households whose structure fewer than
``k`` households share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: well-known identifier names (upper case) -> kind
KNOWN_IDENTIFIERS: dict[str, str] = {
    "DB030": "household", "HB030": "household", "PX030": "household", "RX030": "household",
    "RB030": "person", "PB030": "person", "RB040": "household",
    "SERIAL": "household", "CPSID": "household", "HHID": "household", "HID": "household",
    "HOUSEHOLD_ID": "household", "PERNUM": "person", "CPSIDP": "person", "PID": "person",
    "PERSON_ID": "person", "ID": "person",
}


def find_identifiers(columns: Sequence[str]) -> dict[str, str]:
    """``{variable: "person"|"household"}`` for the file's variables with a well-known identifier name."""
    return {c: KNOWN_IDENTIFIERS[str(c).upper()] for c in columns if str(c).upper() in KNOWN_IDENTIFIERS}


def household_risk(risk: np.ndarray | pd.Series, household: pd.Series) -> pd.Series:
    """Per record, its household's risk ``1 - prod(1 - r_i)`` over the members (sdcMicro)."""
    r = pd.Series(np.asarray(risk, dtype=float), index=household.index).clip(0.0, 1.0)
    keep = np.log1p(-r.clip(upper=1.0 - 1e-15)).groupby(household.to_numpy()).transform("sum")
    return (1.0 - np.exp(keep)).where(r < 1.0, 1.0)


def household_structure(df: pd.DataFrame, household: str, keys: Sequence[str]) -> pd.Series:
    """Per household, its structure: the sorted members' key values (blank written ``.``)."""
    member = df[list(keys)].astype("object").where(df[list(keys)].notna(), ".").astype(str).agg("|".join, axis=1)
    return member.groupby(df[household].to_numpy()).agg(lambda s: "; ".join(sorted(s)))


def household_uniques(df: pd.DataFrame, household: str, keys: Sequence[str], k: int) -> pd.DataFrame:
    """Households whose structure (members' keys) fewer than ``k`` households share."""
    structure = household_structure(df, household, keys)
    freq = structure.map(structure.value_counts())
    low = freq < k
    return pd.DataFrame({"structure": structure[low], "households_sharing": freq[low]}).sort_values(
        "structure").reset_index(drop=True)


def summary(risk: np.ndarray | pd.Series, household: pd.Series) -> dict[str, float | int]:
    """Household-level risk summary: households, mean and max household risk, expected households
    re-identified (sum over households)."""
    per_record = household_risk(risk, household)
    per_household = per_record.groupby(household.to_numpy()).first()
    return {"households": int(len(per_household)), "mean_risk": float(per_household.mean()),
            "max_risk": float(per_household.max()),
            "expected_reidentified_households": float(per_household.sum())}


def random_ids(values: pd.Series, seed: int | None) -> pd.Series:
    """Replace each distinct id by a random integer id (a seeded permutation; the same id gets the same
    new id, so households stay together, but the original ids cannot be recovered)."""
    codes, uniques = pd.factorize(values)
    perm = np.random.default_rng(seed).permutation(len(uniques)) + 1
    return pd.Series(np.where(codes >= 0, perm[codes], 0), index=values.index, dtype="int64")
