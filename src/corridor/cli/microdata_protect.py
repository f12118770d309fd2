"""``corridor microdata protect``: a public-use file with k-anonymity, optional PRAM, and a risk report.

Registered by :mod:`corridor.cli.microdata`. Method and references: ``docs/disclosure.md``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from corridor.disclose.public_use import protect_microdata
from corridor.disclose.report import write_public_file, write_report
from corridor.errors import InputError
from corridor.microdata.read import read_microdata

console = Console(stderr=True)


def protect(
    file: Path = typer.Argument(..., help="microdata file: CSV, Parquet, .sav, .dta, IPUMS .dat(.gz), .rda/.rds"),
    keys: str = typer.Option(..., "--keys", help="key variables (quasi-identifiers), comma-separated"),
    k: int = typer.Option(3, "--k", help="every key combination must be shared by at least k records"),
    out: Path = typer.Option(..., "--out", help="public-use file to write (Parquet)"),
    weight: str | None = typer.Option(None, "--weight", help="survey weight variable (individual risk)"),
    pram_var: str | None = typer.Option(None, "--pram", help="categorical variable to post-randomise"),
    pram_retain: float = typer.Option(0.8, "--pram-retain", help="PRAM probability of keeping a category"),
    seed: int | None = typer.Option(None, "--seed", help="random seed for PRAM"),
    report: Path | None = typer.Option(None, "--report", help="risk report: .json or .md"),
    access: str = typer.Option("public", "--access", help="access level of the output: public or restricted"),
    codebook: Path | None = typer.Option(None, "--codebook", help="IPUMS DDI codebook (.xml)"),
    ids: str | None = typer.Option(None, "--ids", help="direct identifiers to remove (default: the "
                                   "well-known person and household ids the file has)"),
    household: str | None = typer.Option(None, "--household", help="household id variable (household risk)"),
    household_ids: str = typer.Option("drop", "--household-ids", help="drop (default) or random"),
) -> None:
    """Protect microdata on its key variables and write a public-use file plus a risk report."""
    key_list = [p.strip() for p in keys.split(",") if p.strip()]
    if not key_list:
        raise InputError("--keys needs at least one variable")
    if k < 2:
        raise InputError(f"--k must be at least 2, got {k}")
    if out.suffix.lower() not in (".parquet", ".pq"):
        raise InputError("--out must be a Parquet file (.parquet)", file=str(out))
    df = read_microdata(file, codebook=codebook)
    unknown = [v for v in key_list if v not in df.columns]
    if unknown:
        raise InputError(f"unknown key variable(s) {', '.join(unknown)}", file=str(file))
    result = protect_microdata(df, keys=key_list, k=k, weight=weight, pram_var=pram_var,
                               pram_retain=pram_retain, seed=seed, access=access, source=str(file),
                               identifiers=[p.strip() for p in ids.split(",") if p.strip()] if ids else None,
                               household=household, household_ids=household_ids)
    write_public_file(result.data, out, result.report)
    if report is not None:
        write_report(result.report, report)
    r = result.report
    ka = r["k_anonymity"]
    console.print(
        f"wrote {out} ({r['records']} records, access {r['access']}; identifiers removed: "
        f"{', '.join(r['identifiers_removed']) or 'none'}): records below k={k} (stricter of the two blank "
        f"conventions) {max(ka['blank_matches_any']['before'], ka['blank_as_own_value']['before'])}"
        f" -> {ka['records_below_k_after']}, "
        f"{r['suppressed_total']} values suppressed, expected re-identifications "
        f"{r['before']['expected_reidentifications']:.3g} -> {r['after']['expected_reidentifications']:.3g}",
        highlight=False,
    )
