"""Roll-ups of user areas into the area they lie in: computed on request, marked, never merged.

An office's own areas (``corridor register``; :mod:`corridor.reference.user_codes`) each name a parent:
Scotland, England, Wales and "Rest of UK" lie in the United Kingdom (M49 826), census zones in Scotland.
Stored observations keep the office's own areas; a reader who asks for a roll-up gets, computed at read
time, the sum of the user areas that lie in the area asked for, as a row of that area with the mark
``computed roll-up of user areas <list> into <area>`` in the :data:`ROLLUP` column. The roll-up rows keep
their dataset and series, so they are shown *beside* the official figures for the same area (UN DESA's
United Kingdom), never merged with them, and rows of official areas are left as they are.

The rule (a plain sum, as a parent's count is the sum of its parts' counts when the parts do not overlap):

* **target**: each user area rolls up into the area asked for, if it lies in it (directly or through other
  user areas), otherwise into its nearest ancestor that is not a user area (an M49 area);
* **no double counting**: where an area and one of the user areas it lies in are both present for the same
  observation key (a table with Scotland and its zones), only the larger one is summed;
* **missing is not zero**: if any part is missing, the roll-up is missing (value NULL, ``OBS_STATUS O``)
  and the mark names the missing parts; otherwise ``OBS_STATUS`` is the parts' own when they all share it,
  else ``E``; ``CONF_STATUS`` is the most restrictive of the parts'; no interval is derived (``lower``/
  ``upper`` NULL);
* **coverage is said**: where registered user areas directly under the target are absent from the sum
  (a census of Scotland rolled into the United Kingdom), the mark lists them ("not covered: ...").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import pandas as pd

#: The column that marks a computed roll-up (NULL on every stored row).
ROLLUP = "rollup"
#: Most restrictive first (SDMX CL_CONF_STATUS): a roll-up is as confidential as its most confidential part.
CONF_ORDER = ("C", "D", "S", "A", "O", "N", "F")
#: Columns that are not part of what identifies a rolled-up row (aggregated or dropped).
_MEASURES = ("value", "lower", "upper", "obs_status", "conf_status", "interval", "margin_error")
_LISTED = 10


def _parents() -> dict[str, str]:
    from corridor.reference.areas import area_table

    table = area_table()
    parents = table["parent"].dropna().astype(str)
    return {code: parent for code, parent in parents.items() if table.loc[code, "kind"] == "user"}


def chain(code: str, parents: dict[str, str] | None = None) -> list[str]:
    """The areas ``code`` lies in, nearest first, up to and including the first that is not a user area."""
    parents = _parents() if parents is None else parents
    out: list[str] = []
    while code in parents and len(out) < 50:
        code = parents[code]
        out.append(code)
    return out


def user_descendants(code: str) -> list[str]:
    """Every registered user area that lies in ``code`` (directly or through other user areas), sorted."""
    parents = _parents()
    return sorted(c for c in parents if code in chain(c, parents))


def _listed(codes: Iterable[str]) -> str:
    codes = sorted(codes, key=lambda c: (len(c), c))
    shown = ", ".join(codes[:_LISTED])
    return shown if len(codes) <= _LISTED else f"{shown} ... ({len(codes)} areas)"


def _status(values: pd.Series) -> str:
    kinds = set(values.dropna())
    return kinds.pop() if len(kinds) == 1 else "E"


def _conf(values: pd.Series) -> str:
    present = set(values.dropna())
    return next((c for c in CONF_ORDER if c in present), "F")


def roll_up(frame: pd.DataFrame, column: str, target: str | None = None) -> pd.DataFrame:
    """``frame`` (observations as :meth:`~corridor.store.warehouse.Warehouse.select` returns them) with the rows
    whose ``column`` is a user area replaced by their marked roll-up (the module docstring's rule) into
    ``target`` -- or, where the area does not lie in ``target`` (or ``target`` is None), into its nearest
    M49 ancestor. Other rows are returned unchanged, with :data:`ROLLUP` NULL."""
    frame = frame.copy()
    if ROLLUP not in frame.columns:
        frame[ROLLUP] = None
    parents = _parents()
    up = {code: chain(code, parents) for code in frame[column].unique() if code in parents}
    if not up:
        return frame
    into = {code: (target if target in ancestors else ancestors[-1]) for code, ancestors in up.items()}
    mine = frame[column].isin(list(into))
    keep, parts = frame[~mine], frame[mine].copy()
    parts["_target"] = parts[column].map(into)
    keys = [c for c in parts.columns if c not in (*_MEASURES, column, ROLLUP, "_target")]
    group = [*keys, "_target"]
    parts["_group"] = parts.groupby(group, dropna=False, sort=False).ngroup()
    present = parts.groupby("_group")[column].agg(set)
    # an area whose (user) ancestor below the target is present for the same key is inside that ancestor
    inner = [any(a in present[g] for a in up[c][: up[c].index(t)])
             for c, g, t in zip(parts[column], parts["_group"], parts["_target"], strict=True)]
    parts = parts[~pd.Series(inner, index=parts.index)]
    rows = []
    for _, part in parts.groupby("_group", sort=False):
        first = part.iloc[0]
        target_code = first["_target"]
        summed = set(part[column])
        direct = {c for c, p in parents.items() if p == target_code}
        covered = {a for c in summed for a in [c, *up[c]]}
        earlier = [m for m in dict.fromkeys(part[ROLLUP]) if isinstance(m, str)]  # a roll-up of another column
        mark = "; ".join([*earlier, f"computed roll-up of user areas {_listed(summed)} into {target_code}"])
        missing = part.loc[part["value"].isna(), column]
        if len(missing):
            mark += f"; missing because part(s) are missing: {_listed(missing)}"
        if direct - covered:
            mark += f"; registered user areas in {target_code} not covered: {_listed(direct - covered)}"
        row = {c: first[c] for c in keys}
        row.update({column: target_code, "value": None if len(missing) else float(part["value"].sum()),
                    "obs_status": "O" if len(missing) else _status(part["obs_status"]),
                    "conf_status": _conf(part["conf_status"]) if "conf_status" in part else None, ROLLUP: mark})
        rows.append(row)
    rolled = pd.DataFrame(rows, columns=[c for c in frame.columns])
    for column_name in keys:  # the stored columns' types (text stays text where every part is missing)
        with contextlib.suppress(ValueError, TypeError):
            rolled[column_name] = rolled[column_name].astype(frame[column_name].dtype)
    return pd.concat([keep, rolled], ignore_index=True) if len(keep) else rolled.reset_index(drop=True)
