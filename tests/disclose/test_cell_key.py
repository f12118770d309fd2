"""Cell-key perturbation (ONS ``cell-key-perturbation`` package) on the EU-SILC public-use file.

What this proves: with the package's 10-5 p-table every published count is a multiple of 5 within
2 of the true count and small cells are blank; with a p-table whose noise depends on the cell key, a
cell shared by two different tables (the region margin) gets the same noise in both — the property
that makes differencing tables useless to an attacker.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from corridor.disclose.cell_key import perturb_table, record_keys
from corridor.errors import InputError


@pytest.fixture(scope="module")
def persons(eusilc):
    return eusilc.dropna(subset=["pb220a"]).reset_index(drop=True)


def _true_counts(df, by):
    t = df.groupby(by, observed=True).size().rename("true").reset_index()
    for c in by:
        t[c] = t[c].astype(str)
    return t


def test_ten_five_rule(persons):
    rk = record_keys(persons, id_column="pid")
    t = perturb_table(persons, by=["db040", "pb220a"], record_key=rk)
    m = t.merge(_true_counts(persons, ["db040", "pb220a"]), on=["db040", "pb220a"])
    assert len(m) == 27  # 9 regions x 3 citizenships, interior cells
    small = m["true"] < 10
    assert m.loc[small, "n"].isna().all() and (m.loc[small, "conf_status"] == "A").all()
    big = m[~small & m["n"].notna()]
    assert (big["n"] % 5 == 0).all() and ((big["n"] - big["true"]).abs() <= 2).all()
    grand = t[(t.db040 == "_T") & (t.pb220a == "_T")]["n"].iloc[0]
    assert abs(grand - len(persons)) <= 2  # 10,437 persons aged 16+ with citizenship


def test_same_cell_same_noise_in_every_table(persons):
    # noise depends only on the cell key: +1 for odd keys, -1 for even keys (values >= 1)
    ptable = pd.DataFrame(list(itertools.product(range(1, 751), range(256))), columns=["pcv", "ckey"])
    ptable["pvalue"] = [1 if k % 2 else -1 for k in ptable["ckey"]]
    rk = record_keys(persons, seed=3)
    a = perturb_table(persons, by=["db040", "pb220a"], record_key=rk, ptable=ptable, threshold=0)
    b = perturb_table(persons, by=["db040", "rb090"], record_key=rk, ptable=ptable, threshold=0)
    ma = a[(a.pb220a == "_T") & (a.db040 != "_T")].set_index("db040")["n"]
    mb = b[(b.rb090 == "_T") & (b.db040 != "_T")].set_index("db040")["n"]
    pd.testing.assert_series_equal(ma, mb, check_names=False)
    true = _true_counts(persons, ["db040"]).set_index("db040")["true"]
    noise = (ma.astype(int) - true.reindex(ma.index)).abs()
    assert (noise == 1).all()


def test_unknown_variable_is_named(persons):
    with pytest.raises(InputError, match="nosuch"):
        perturb_table(persons, by=["db040", "nosuch"])
