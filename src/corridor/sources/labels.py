"""Work on the distinct labels of a column, not on every cell (a 10-million-row table has a few
hundred areas, two sexes and thirty years): factorise once, map the uniques, take back by code."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def by_unique(labels: pd.Series, fn: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """``fn`` applied to the distinct labels (a Series of text, stripped of surrounding blanks), spread
    back to every cell (an object array in the order of ``labels``)."""
    codes, uniques = pd.factorize(labels, use_na_sentinel=False)
    text = pd.Series(np.asarray(uniques, dtype=object)).map(lambda v: "" if v is None or v != v else str(v).strip())
    mapped = np.asarray(fn(text), dtype=object)
    return mapped[codes]


def first_cell(labels: pd.Series, label: object) -> int:
    """Position of the first cell whose (stripped) label is ``label`` (to name its row in a message)."""
    text = by_unique(labels, lambda u: u)
    return int(np.flatnonzero(text == label)[0])
