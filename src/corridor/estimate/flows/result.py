"""What a flow estimation returns: flows by birthplace, origin x destination totals, the account.

Flows by birthplace are kept *sparse* (coordinate lists ``birthplace, origin, destination, flow``):
most birthplaces live in few countries, so a 199-area run holds a few hundred thousand non-zero
cells rather than 199**3.

The *demographic account* of Abel (2013) adds, for each birthplace, a "birth" origin row, a "death"
destination column and "outside" row and column (moves out of and into the system of areas) to the
origin x destination flows and the stayers (origin = destination). Its rows add up to the start stock
table actually used and its columns to the end stock table actually used (``stock_start_used``,
``stock_end_used``); where the data forced an adjustment, ``adjustments`` says what and how much.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.estimate.flows.ipf import IPFReport

if TYPE_CHECKING:  # the frames are for the warehouse and the API; the CSV path writes without pandas
    import pandas as pd

BIRTH = "birth"
DEATH = "death"
OUTSIDE = "outside"


@dataclass
class FlowResult:
    """Estimated flows for one method and one period."""

    method: str
    areas: list[str]
    #: origin x destination flows summed over birthplace (diagonal zero)
    od: np.ndarray
    #: sparse flows by birthplace (indices into ``areas``), origin != destination
    bp_birthplace: np.ndarray
    bp_origin: np.ndarray
    bp_destination: np.ndarray
    bp_flow: np.ndarray
    #: birthplace x area: persons in the same area at both dates (None for methods without an account)
    stayers: np.ndarray | None = None
    #: birthplace x area arrays of the account's extra rows/columns
    births: np.ndarray | None = None
    deaths: np.ndarray | None = None
    from_outside: np.ndarray | None = None
    to_outside: np.ndarray | None = None
    #: the stock tables the account adds up to (after the adjustments the data forced)
    stock_start_used: np.ndarray | None = None
    stock_end_used: np.ndarray | None = None
    ipf: IPFReport | None = None
    warnings: list[str] = field(default_factory=list)
    adjustments: dict[str, float] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    #: ``ok``; ``ill_posed`` (input kept although ill-posed: :mod:`~corridor.estimate.flows.validate`);
    #: ``not_converged`` (the IPF margins were not met: ``margin_error`` says by how much)
    status: str = "ok"
    #: why the status is not ``ok`` (the ill-posed conditions, the convergence failure)
    flags: list[str] = field(default_factory=list)

    @property
    def margin_error(self) -> float | None:
        """Largest relative error of a fitted margin (IPF; Bishop, Fienberg & Holland 1975, ch. 3), or None
        for the methods that fit no margin (stock differencing, migration rate)."""
        return None if self.ipf is None or not self.ipf.fits else float(self.ipf.max_rel_error)

    @property
    def total(self) -> float:
        """Total flow (all origin != destination moves)."""
        return float(self.od.sum())

    @property
    def has_account(self) -> bool:
        return self.stayers is not None

    def od_frame(self) -> pd.DataFrame:
        """Tidy ``origin, destination, flow`` (origin != destination, every pair listed)."""
        import pandas as pd

        n = len(self.areas)
        o, d = np.nonzero(~np.eye(n, dtype=bool))
        labels = np.asarray(self.areas, dtype=object)
        return pd.DataFrame({"origin": labels[o], "destination": labels[d], "flow": self.od[o, d]})

    def birthplace_frame(self) -> pd.DataFrame:
        """Tidy ``birthplace, origin, destination, flow`` for the non-zero flows by birthplace."""
        import pandas as pd

        labels = np.asarray(self.areas, dtype=object)
        frame = pd.DataFrame({
            "birthplace": labels[self.bp_birthplace],
            "origin": labels[self.bp_origin],
            "destination": labels[self.bp_destination],
            "flow": self.bp_flow,
        })
        return frame

    def account_frame(self) -> pd.DataFrame:
        """The full demographic account in tidy form: ``birthplace, origin, destination, value``.

        Origins are the areas plus ``birth`` and ``outside``; destinations the areas plus ``death``
        and ``outside``; origin = destination rows are the stayers. Zero cells are left out.
        """
        import pandas as pd

        if not self.has_account:
            raise ValueError(f"method {self.method} has no demographic account")
        labels = np.asarray(self.areas, dtype=object)
        parts = [self.birthplace_frame().rename(columns={"flow": "value"})]

        def add(arr: np.ndarray, origin: Any, destination: Any) -> None:
            b, a = np.nonzero(arr)
            parts.append(pd.DataFrame({
                "birthplace": labels[b],
                "origin": labels[a] if origin is None else origin,
                "destination": labels[a] if destination is None else destination,
                "value": arr[b, a],
            }))

        add(self.stayers, None, None)
        add(self.births, BIRTH, None)
        add(self.deaths, None, DEATH)
        add(self.from_outside, OUTSIDE, None)
        add(self.to_outside, None, OUTSIDE)
        return pd.concat(parts, ignore_index=True)

    def birthplace_dense(self) -> np.ndarray:
        """Flows by birthplace as a dense ``birthplace x origin x destination`` array (small n only)."""
        n = len(self.areas)
        out = np.zeros((n, n, n))
        np.add.at(out, (self.bp_birthplace, self.bp_origin, self.bp_destination), self.bp_flow)
        return out


def od_from_sparse(n: int, origin: np.ndarray, destination: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sum sparse flows into an ``n x n`` origin x destination matrix."""
    return np.bincount(origin * n + destination, weights=flow, minlength=n * n).reshape(n, n)
