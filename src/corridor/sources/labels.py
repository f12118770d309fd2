"""Work on the distinct labels of a column, not on every cell (a 10-million-row table has a few
hundred areas, two sexes and thirty years): factorise once, map the uniques, take back by code."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def by_unique(labels: pd.Series, fn: Callable[[pd.Series], pd.Series | np.ndarray | list]) -> pd.Categorical:
    """``fn`` applied to the distinct labels (a Series of text, stripped of surrounding blanks), spread
    back to every cell as a categorical (one small integer per cell, each result stored once)."""
    codes, uniques = pd.factorize(labels, use_na_sentinel=False)
    text = pd.Series(np.asarray(uniques, dtype=object)).map(lambda v: "" if v is None or v != v else str(v).strip())
    mapped = np.asarray(fn(text), dtype=object)
    again, results = pd.factorize(mapped)  # two labels may give one result
    return pd.Categorical.from_codes(again[codes], categories=pd.Index(results, dtype=object))


def constant(value: str, n: int) -> pd.Categorical:
    """One value for ``n`` cells, stored once."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([value], dtype=object))
