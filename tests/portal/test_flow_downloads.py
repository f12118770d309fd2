"""Estimated flows through the data API: corridor's own estimate (written by the flows package into the
portal's warehouse, see conftest.portal_warehouse) comes back with its interval, status and dataset."""

from __future__ import annotations

import csv
import io

import httpx


def test_mig_flow_csv_has_one_column_per_name_and_honest_intervals(portal_url: str) -> None:
    response = httpx.get(f"{portal_url}/data/MIG_FLOW/840.484._T.da_min_closed?format=csv", timeout=60)
    assert response.status_code == 200, response.text
    reader = csv.reader(io.StringIO(response.text))
    header = next(reader)
    assert len(header) == len(set(header)), header  # 'method' once: it is the METHOD dimension
    rows = [dict(zip(header, r, strict=True)) for r in reader]
    (row,) = [r for r in rows if r["time_period"] == "2010-2015"]
    value, lower, upper = float(row["value"]), float(row["lower"]), float(row["upper"])
    assert 0 < lower <= value <= upper
    assert row["obs_status"] == "E" and row["method"] == "da_min_closed"
    assert row["dataset_id"].startswith("est:flows:da_min_closed:2010-2015:_T@")
    assert "90% prediction interval" in row["interval"]
