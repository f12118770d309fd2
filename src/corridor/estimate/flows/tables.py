"""The inputs of flow estimation: two birthplace x residence stock tables, births and deaths.

A :class:`StockTables` holds dense ``n x n`` arrays (rows = place of birth, columns = place of
residence; the diagonal holds the native-born) for the start and end of a period, and births and deaths
during the period by area of residence. Areas are any labels (M49 codes, ISO alpha-3, regions,
sub-national areas) as long as every table uses the same set, in the same order.

Optionally each stock cell carries a status (SDMX ``OBS_STATUS``: ``A`` observed, ``E`` estimated,
``I`` imputed, ...) and a source type (``census``, ``register``, ``survey``, ``estimate``), recorded
with the tables (the calibrated interval of :mod:`corridor.estimate.flows.intervals` does not use them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from corridor.errors import InputError


@dataclass
class StockTables:
    """Stocks at two dates, births and deaths between them, for ``areas``."""

    areas: list[str]
    start: np.ndarray
    end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    #: per-cell OBS_STATUS of the start/end stocks (same shape, dtype object/str) or None (= all 'A')
    status_start: np.ndarray | None = None
    status_end: np.ndarray | None = None
    #: per-cell source type (census/register/survey/estimate) or None (unknown)
    source_start: np.ndarray | None = None
    source_end: np.ndarray | None = None
    #: ids of the datasets the tables were built from (provenance)
    inputs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.areas)
        self.start = np.asarray(self.start, dtype=float)
        self.end = np.asarray(self.end, dtype=float)
        self.births = np.asarray(self.births, dtype=float).reshape(-1)
        self.deaths = np.asarray(self.deaths, dtype=float).reshape(-1)
        if self.start.shape != (n, n) or self.end.shape != (n, n):
            raise InputError(f"mismatched areas: {n} areas, but stock tables of shape {self.start.shape} and "
                             f"{self.end.shape} (they must be {n} x {n}: one row and column per area)")
        if self.births.shape != (n,) or self.deaths.shape != (n,):
            raise InputError(f"mismatched areas: births and deaths must have one value per area ({n}), not "
                             f"{self.births.size} and {self.deaths.size}")
        if len(set(self.areas)) != n:
            raise InputError("area labels must be unique")

    @property
    def n(self) -> int:
        return len(self.areas)

    def with_values(self, start: np.ndarray, end: np.ndarray, births: np.ndarray,
                    deaths: np.ndarray) -> StockTables:
        """A copy with other numbers (same areas, statuses and provenance): used by the bootstrap."""
        return StockTables(self.areas, start, end, births, deaths, self.status_start, self.status_end,
                           self.source_start, self.source_end, list(self.inputs))

    @classmethod
    def from_rows(cls, areas: list[str], start_rows: list[list[float]], end_rows: list[list[float]],
                  births: list[float] | None = None, deaths: list[float] | None = None) -> StockTables:
        """Build from row-wise lists (rows = birthplace), zero births/deaths by default."""
        n = len(areas)
        return cls(list(areas), np.array(start_rows, dtype=float), np.array(end_rows, dtype=float),
                   np.zeros(n) if births is None else np.array(births, dtype=float),
                   np.zeros(n) if deaths is None else np.array(deaths, dtype=float))
