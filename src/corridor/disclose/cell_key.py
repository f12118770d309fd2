"""Cell-key perturbation of frequency tables: the ONS cell key method, through ONS's own package.

Every record carries a fixed random *record key* (0-255). A cell's *cell key* is the sum of its
records' keys modulo 256; the noise added to the cell is read from a perturbation table (*p-table*)
indexed by the cell value and the cell key. The same records always give the same cell key, so a
cell gets the same noise in every table it appears in and differencing two tables reveals nothing
about the noise (Office for National Statistics, "Cell key perturbation" method, used for the 2021
Census outputs; Marley & Leaver 2011, "A method for confidentialising user-defined tables: statistical
properties and a risk-utility analysis", ISI 58th World Statistics Congress; Hundepool et al. 2012,
§5.5 "post-tabular perturbative methods").

The default p-table is the package's 10-5 rule: cells below 10 become 0 (then blank), larger ones
are moved to a multiple of 5 by at most 2. Margins are tabulated from the records like any cell (so a
total is perturbed once, consistently), not summed from the perturbed cells: perturbed tables are
not additive, which is the price of the method. Implementation: ``cell_key_perturbation`` (ONS, MIT
licence) ``create_perturbed_table``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools

import numpy as np
import pandas as pd

from corridor.errors import InputError

RECORD_KEY = "record_key"
KEY_RANGE = 255


def record_keys(df: pd.DataFrame, *, id_column: str | None = None, seed: int = 0) -> pd.Series:
    """A record key in 0..255 for every record.

    With ``id_column`` the key is derived from the record's identifier (SHA-256 of its text, modulo
    256), so the same person gets the same key in every extract; otherwise keys are drawn with a
    seeded generator (ONS draws them once and stores them with the records).
    """
    if id_column is not None:
        if id_column not in df.columns:
            raise InputError(f"unknown identifier variable: {id_column}")
        keys = [int.from_bytes(hashlib.sha256(str(v).encode()).digest()[:4], "big") % (KEY_RANGE + 1)
                for v in df[id_column]]
        return pd.Series(keys, index=df.index, name=RECORD_KEY, dtype="int64")
    rng = np.random.default_rng(seed)
    return pd.Series(rng.integers(0, KEY_RANGE + 1, size=len(df)), index=df.index, name=RECORD_KEY)


def default_ptable() -> pd.DataFrame:
    """The ONS package's 10-5 rule p-table (columns ``pcv``, ``ckey``, ``pvalue``)."""
    from cell_key_perturbation.utils.generate_test_ptable import generate_ptable_10_5_rule

    return generate_ptable_10_5_rule()


def _perturb(data: pd.DataFrame, dims: list[str], ptable: pd.DataFrame, threshold: int) -> pd.DataFrame:
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints progress notes
        if dims:
            t = create_perturbed_table(data=data, ptable=ptable, geog=[], tab_vars=dims,
                                       record_key=RECORD_KEY, use_existing_ons_id=False,
                                       threshold=threshold)
        else:  # grand total: tabulate on a constant column
            d = data.assign(_all="_T")
            t = create_perturbed_table(data=d, ptable=ptable, geog=[], tab_vars=["_all"],
                                       record_key=RECORD_KEY, use_existing_ons_id=False,
                                       threshold=threshold).drop(columns="_all")
    return t


def perturb_table(
    data: pd.DataFrame,
    *,
    by: list[str],
    record_key: pd.Series | None = None,
    ptable: pd.DataFrame | None = None,
    threshold: int = 10,
    totals: bool = True,
    total_code: str = "_T",
) -> pd.DataFrame:
    """Frequency table of ``data`` by ``by`` with cell-key perturbation (and margins if ``totals``).

    Returns the ``by`` columns (totals as ``total_code``), ``n`` (the perturbed count; NA when below
    ``threshold``), ``obs_status`` (``A``, or ``Q`` when blanked) and ``conf_status`` (``F``, or ``A``
    when blanked). The unperturbed counts are not returned.
    """
    missing = [c for c in by if c not in data.columns]
    if missing:
        raise InputError(f"unknown variable(s): {', '.join(missing)}")
    if data[by].isna().any().any():
        bad = [c for c in by if data[c].isna().any()]
        raise InputError(f"missing values in {', '.join(bad)}: drop or code them before tabulating")
    d = data[by].astype(str).copy()
    d[RECORD_KEY] = record_keys(data) if record_key is None else record_key.to_numpy()
    pt = default_ptable() if ptable is None else ptable
    pieces = []
    subsets = [by] if not totals else [
        [c for c in by if c not in drop] for r in range(len(by) + 1) for drop in itertools.combinations(by, r)
    ]
    for dims in subsets:
        t = _perturb(d, list(dims), pt, threshold)
        t = t[t["pre_sdc_count"] > 0]  # combinations absent from the data are not cells
        out = t[list(dims)].copy() if dims else pd.DataFrame(index=t.index)
        for c in by:
            if c not in dims:
                out[c] = total_code
        out["n"] = t["count"].astype("Int64")
        pieces.append(out[by + ["n"]])
    table = pd.concat(pieces, ignore_index=True)
    blank = table["n"].isna()
    table["obs_status"] = np.where(blank, "Q", "A")
    table["conf_status"] = np.where(blank, "A", "F")
    return table
