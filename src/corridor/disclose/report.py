"""Write a protected microdata file (Parquet, with its access level in the file metadata) and its
risk report (JSON, or Markdown when the report path ends in ``.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Parquet key-value metadata keys written by corridor.
ACCESS_KEY = b"corridor.access"
REPORT_KEY = b"corridor.disclosure"


def write_public_file(data: pd.DataFrame, path: str | Path, report: dict[str, Any]) -> None:
    """Write ``data`` as Parquet; the schema metadata carries the access level and the risk summary."""
    table = pa.Table.from_pandas(data, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[ACCESS_KEY] = str(report["access"]).encode()
    summary = {key: report[key] for key in ("source", "access", "source_access", "keys", "k", "weight",
                                             "after", "k_anonymity", "identifiers_removed", "household",
                                             "suppressed_values", "pram") if key in report}
    if summary.get("pram"):
        summary["pram"] = {k: v for k, v in summary["pram"].items() if k != "transition_matrix"}
    meta[REPORT_KEY] = json.dumps(summary, default=str).encode()
    pq.write_table(table.replace_schema_metadata(meta), str(path))


def read_access_level(path: str | Path) -> str | None:
    """The access level recorded in a Parquet file by :func:`write_public_file` (``None`` if absent)."""
    meta = pq.read_schema(str(path)).metadata or {}
    value = meta.get(ACCESS_KEY)
    return value.decode() if value is not None else None


def write_report(report: dict[str, Any], path: str | Path) -> None:
    """JSON (any suffix but ``.md``) or Markdown (``.md``)."""
    path = Path(path)
    if path.suffix.lower() == ".md":
        path.write_text(render_markdown(report), encoding="utf-8")
    else:
        path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def render_markdown(report: dict[str, Any]) -> str:
    """A human-readable risk report."""
    b, a = report["before"], report["after"]
    rows = [
        ("records below k", "violating_records"),
        ("key combinations below k", "violating_combinations"),
        ("sample uniques", "sample_uniques"),
        ("global risk (mean individual risk)", "global_risk"),
        ("expected re-identifications", "expected_reidentifications"),
        ("highest individual risk", "max_risk"),
    ]
    lines = [
        "# Disclosure risk report",
        "",
        f"- source: {report.get('source') or '(not given)'}",
        f"- access level of this file: **{report['access']}** (source: {report['source_access']})",
        f"- records: {report['records']}",
        f"- key variables: {', '.join(report['keys'])}; k = {report['k']}",
        f"- weight: {report.get('weight') or '(none: the file is treated as the population)'}",
        f"- risk measure: {report['risk_method']}",
        "",
        "| measure | before | after |",
        "|---|---:|---:|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {_fmt(b[key])} | {_fmt(a[key])} |")
    ka = report.get("k_anonymity")
    if ka:
        lines += ["", "## k-anonymity, both ways", "", "| records below k | before | after |", "|---|---:|---:|",
                  f"| a blank matches any value | {ka['blank_matches_any']['before']} | "
                  f"{ka['blank_matches_any']['after']} |",
                  f"| a blank is a value of its own | {ka['blank_as_own_value']['before']} | "
                  f"{ka['blank_as_own_value']['after']} |", "",
                  f"Decisive: {ka['decisive']}. Original sample uniques: {report['original_uniques']}, of "
                  f"which {report['original_uniques_unchanged']} are published unchanged."]
    if "identifiers_removed" in report:
        lines += ["", f"Direct identifiers removed: {', '.join(report['identifiers_removed']) or 'none'}."]
    hh = report.get("household")
    if hh:
        lines += ["", "## Households", "",
                  f"Household variable {hh['variable']} ({hh['ids']}); risk: {hh['risk_method']}.", "",
                  "| measure | before | after |", "|---|---:|---:|"]
        for key in ("households", "mean_risk", "max_risk", "expected_reidentified_households"):
            lines.append(f"| {key.replace('_', ' ')} | {_fmt(hh['before'][key])} | {_fmt(hh['after'][key])} |")
        lines += ["", f"Households below k on their structure (members' keys): before "
                      f"{hh['structure_below_k_before']}, published {hh['structure_below_k_after']} "
                      f"({hh['structure_note']})."]
    if "remaining_uniques" in report:
        rem = report["remaining_uniques"]
        lines += ["", "## What remains below k", ""]
        lines += [f"- {r}" for r in rem] if rem else ["Nothing: every key combination is shared by at "
                                                      "least k records under both conventions."]
    lines += ["", "## Local suppression", "", f"Rule: {report['local_suppression_rule']}.", "",
              "| variable | values suppressed |", "|---|---:|"]
    lines += [f"| {v} | {n} |" for v, n in report["suppressed_values"].items()]
    lines.append(f"| **total** | **{report['suppressed_total']}** |")
    if report.get("pram"):
        p = report["pram"]
        lines += ["", "## PRAM", "",
                  f"Variable {p['variable']}: retain probability {p['retain']}, "
                  f"{'invariant' if p['invariant'] else 'basic'} matrix, seed {p['seed']}; "
                  f"{p['records_changed']} records changed category.", "",
                  "| from \\ to | " + " | ".join(map(str, p["categories"])) + " |",
                  "|---|" + "---:|" * len(p["categories"])]
        for cat, row in zip(p["categories"], p["transition_matrix"], strict=True):
            lines.append(f"| {cat} | " + " | ".join(f"{x:.4f}" for x in row) + " |")
    return "\n".join(lines) + "\n"


def _fmt(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)
