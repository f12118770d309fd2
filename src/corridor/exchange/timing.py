"""Time to fill: days from a vacancy's posting to the acceptance of each of its openings (``EXCH_TIME_TO_FILL``).

Definition (as job boards and the EURES reporting use the term: posting to accepted offer): for every
placement that reached ``accepted`` (and whatever followed, ``broken_off`` included -- the opening was
filled then), the days from ``Vacancy.created_at`` to the time of the placement's ``accepted`` event
(``placement_event``). One filled opening = one duration. Cells: destination x origin of the
agreement x ISCO-08 major and sub-major group, with every margin (``_T``), by the quarter the vacancy
was posted (as the fill rate). The value is the **median** days; ``LOWER``/``UPPER`` are the 25th and
75th percentiles, and ``INTERVAL`` says so (an interquartile range of the filled openings, not a
confidence interval).

Disclosure: a median is not additive, so margins cannot recover a cell; a cell counting fewer than
``min_cell`` filled openings (placements, i.e. persons) is suppressed (``OBS_STATUS`` ``Q``,
``CONF_STATUS`` ``A``), its quartiles too. Vacancies with no accepted placement have no time to fill
and are not in the table (their share is the complement of ``EXCH_FILL_RATE``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from corridor.exchange.models import Agreement, Placement, PlacementEvent, Vacancy
from corridor.exchange.registry import Registry

INTERVAL = "interquartile range (25th-75th percentile) of days to fill over the filled openings"
COLUMNS = ["ref_area", "counterpart_area", "topic", "time_period", "n", "lower", "upper", "interval",
           "conf_status", "missing", "filled"]


def _quarter(ts: pd.Series) -> pd.Series:
    return ts.dt.year.astype(str) + "-Q" + ((ts.dt.month - 1) // 3 + 1).astype(str)


def fill_durations(registry: Registry) -> pd.DataFrame:
    """One row per filled opening: destination, origin, ISCO unit group, quarter posted, days to fill."""
    accepted = (select(PlacementEvent.placement_id, func.min(PlacementEvent.at).label("at"))
                .where(PlacementEvent.status == "accepted").group_by(PlacementEvent.placement_id).subquery())
    with registry.sessions() as s:
        rows = s.execute(
            select(Vacancy.destination, Agreement.origin, Vacancy.isco, Vacancy.created_at, accepted.c.at)
            .join(Placement, Placement.vacancy_id == Vacancy.id)
            .join(accepted, accepted.c.placement_id == Placement.id)
            .join(Agreement, Agreement.id == Vacancy.agreement_id)).all()
    frame = pd.DataFrame(rows, columns=["ref_area", "counterpart_area", "isco", "posted", "accepted"])
    if frame.empty:
        return frame.assign(time_period=pd.Series(dtype=str), days=pd.Series(dtype=float))
    posted, at = pd.to_datetime(frame["posted"]), pd.to_datetime(frame["accepted"])
    return frame.assign(time_period=_quarter(posted), days=(at - posted).dt.total_seconds() / 86400.0)


def time_to_fill_table(registry: Registry, min_cell: int = 5) -> pd.DataFrame:
    """``EXCH_TIME_TO_FILL`` cells (module docstring): median and quartiles of days, suppressed below
    ``min_cell`` filled openings; ``n`` is the median, ``filled`` the number of openings behind it."""
    durations = fill_durations(registry)
    if durations.empty:
        return pd.DataFrame(columns=COLUMNS)
    durations = durations.assign(isco1=durations["isco"].str[0], isco2=durations["isco"].str[:2])
    parts = []
    # every combination of totals: destination, origin and occupation each either kept or _T
    for keep_dest in (True, False):
        for keep_origin in (True, False):
            for level in ("isco2", "isco1", None):
                frame = durations.assign(
                    ref_area=durations["ref_area"] if keep_dest else "_T",
                    counterpart_area=durations["counterpart_area"] if keep_origin else "_T",
                    topic=durations[level] if level else "_T")
                parts.append(frame.groupby(["ref_area", "counterpart_area", "topic", "time_period"])["days"]
                             .agg(n="median", lower=lambda d: d.quantile(0.25), upper=lambda d: d.quantile(0.75),
                                  filled="size").reset_index())
    table = pd.concat(parts, ignore_index=True)
    small = table["filled"] < min_cell
    table.loc[small, ["n", "lower", "upper"]] = np.nan
    return table.assign(interval=np.where(small, None, INTERVAL), conf_status=np.where(small, "A", "F"),
                        missing="Q")[COLUMNS].sort_values(["time_period", "ref_area", "counterpart_area", "topic"],
                                                          ignore_index=True)
