"""Read census and survey microdata in the formats statistical offices use.

One reader per format, found by file suffix in :data:`READERS` (a declarative registry: adding a
format is one function and one line). Every reader returns a :class:`pandas.DataFrame` whose
``attrs`` carry the codebook:

- ``attrs["variable_labels"]``: ``{variable: label}`` (IPUMS DDI labels, SPSS/Stata variable labels);
- ``attrs["value_labels"]``: ``{variable: {code: label}}`` (IPUMS DDI codes, SPSS/Stata value labels,
  R factor levels);
- ``attrs["format"]``: the reader id (``csv``, ``parquet``, ``spss``, ``stata``, ``ipums``, ``r``).

Libraries: ``pyreadstat`` (SPSS ``.sav``/``.zsav``, Stata ``.dta``), ``ipumspy`` (IPUMS fixed-width
``.dat``/``.dat.gz`` with its DDI XML codebook), ``pyreadr`` (R ``.rda``/``.RData``/``.rds``).
An unreadable or unsupported file raises :class:`corridor.errors.InputError` naming the file and why.

Large CSV and Parquet files should not go through this function: the tabulation engines scan them
directly (see :mod:`corridor.microdata.engines`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from corridor.errors import InputError

Reader = Callable[[Path, Path | None, list[str] | None], pd.DataFrame]


def format_of(path: str | Path) -> str:
    """The reader id for a file name (``csv``, ``parquet``, ``spss``, ``stata``, ``ipums``, ``r``).

    Raises :class:`InputError` for a suffix no reader handles.
    """
    name = Path(path).name.lower()
    for suffix, fmt in _SUFFIXES:
        if name.endswith(suffix):
            return fmt
    known = ", ".join(s for s, _ in _SUFFIXES)
    raise InputError(f"unsupported microdata format (known suffixes: {known})", file=str(path))


def find_codebook(path: str | Path) -> Path | None:
    """The IPUMS DDI codebook beside a fixed-width file (``cps_00160.dat.gz`` -> ``cps_00160.xml``)."""
    path = Path(path)
    stem = path.name
    for suffix in (".dat.gz", ".dat"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    candidate = path.with_name(stem + ".xml")
    return candidate if candidate.is_file() else None


def read_microdata(
    path: str | Path,
    *,
    codebook: str | Path | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a microdata file into a DataFrame (one row per person or record).

    ``codebook`` is the IPUMS DDI XML for a fixed-width ``.dat(.gz)`` file (found beside the data
    file when omitted). ``columns`` restricts the variables read; a name that is not in the file
    raises :class:`InputError` listing the variables that are.
    """
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    cb = Path(codebook) if codebook is not None else None
    if cb is not None and not cb.is_file():
        raise InputError("codebook not found", file=str(cb))
    cols = list(columns) if columns is not None else None
    try:
        df = READERS[fmt](path, cb, cols)
    except InputError:
        raise
    except Exception as exc:  # any library failure becomes a message naming the file
        raise InputError(f"cannot read as {fmt}: {type(exc).__name__}: {exc}", file=str(path)) from exc
    if cols is not None:
        _check_columns(path, list(df.columns), cols)
        df = df[cols]
    df.attrs.setdefault("variable_labels", {})
    df.attrs.setdefault("value_labels", {})
    df.attrs["format"] = fmt
    df.attrs["file"] = str(path)
    return df


def _check_columns(path: Path, available: Sequence[str], cols: list[str] | None) -> None:
    if cols is None:
        return
    missing = [c for c in cols if c not in set(available)]
    if missing:
        raise InputError(
            f"variable(s) not in the file: {', '.join(missing)}; available: {', '.join(map(str, available))}",
            file=str(path),
        )


def variable_names(path: str | Path, codebook: str | Path | None = None) -> tuple[list[str], dict[str, str]]:
    """The file's variable names and labels, read from its header or metadata (not its records)."""
    path = Path(path)
    fmt = format_of(path)
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if fmt == "csv":
        return list(pd.read_csv(path, nrows=0).columns), {}
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names), {}
    if fmt in ("spss", "stata"):
        import pyreadstat

        fn = pyreadstat.read_sav if fmt == "spss" else pyreadstat.read_dta
        _, meta = fn(str(path), metadataonly=True)
        return list(meta.column_names), {k: v for k, v in zip(meta.column_names, meta.column_labels,
                                                              strict=False) if v}
    if fmt == "r":
        import pyreadr

        objects = pyreadr.list_objects(str(path))
        return [str(c) for o in objects for c in (o.get("columns") or [])], {}
    df = read_microdata(path, codebook=codebook)  # IPUMS: names and labels come with the codebook
    return list(df.columns), dict(df.attrs.get("variable_labels", {}))


def _read_csv(path: Path, _cb: Path | None, cols: list[str] | None) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0)
    _check_columns(path, list(header.columns), cols)
    return pd.read_csv(path, usecols=cols, low_memory=False)


def _read_parquet(path: Path, _cb: Path | None, cols: list[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    _check_columns(path, names, cols)
    return pd.read_parquet(path, columns=cols)


def _readstat(kind: str) -> Reader:
    def read(path: Path, _cb: Path | None, cols: list[str] | None) -> pd.DataFrame:
        import pyreadstat

        fn = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
        _, meta = fn(str(path), metadataonly=True)
        _check_columns(path, meta.column_names, cols)
        df, meta = fn(str(path), usecols=cols)
        df.attrs["variable_labels"] = {
            k: v for k, v in zip(meta.column_names, meta.column_labels, strict=False) if v
        }
        df.attrs["value_labels"] = {
            k: {_int_if_whole(c): lab for c, lab in v.items()} for k, v in meta.variable_value_labels.items()
        }
        return df

    return read


def _int_if_whole(code: object) -> object:
    """SPSS stores numeric codes as doubles: label code 1.0 is the integer code 1."""
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def _read_ipums(path: Path, cb: Path | None, cols: list[str] | None) -> pd.DataFrame:
    from ipumspy import readers

    cb = cb or find_codebook(path)
    if cb is None:
        raise InputError(
            "an IPUMS fixed-width file needs its DDI codebook (.xml): pass --codebook", file=str(path)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipumspy's CitationWarning: the citation is in the codebook
        try:
            ddi = readers.read_ipums_ddi(cb)
        except Exception as exc:
            raise InputError(f"not a readable IPUMS DDI codebook: {exc}", file=str(cb)) from exc
        names = [v.name for v in ddi.data_description]
        _check_columns(path, names, cols)
        df = readers.read_microdata(ddi, path, subset=cols)
    if len(df) and df.isna().all(axis=None):
        raise InputError(f"no values read: the file does not match the codebook {cb}", file=str(path))
    df.attrs["variable_labels"] = {v.name: v.label for v in ddi.data_description}
    df.attrs["value_labels"] = {v.name: {c: lab for lab, c in v.codes.items()}
                                for v in ddi.data_description if v.codes}
    df.attrs["codebook"] = str(cb)
    return df


def _read_r(path: Path, _cb: Path | None, cols: list[str] | None) -> pd.DataFrame:
    import pyreadr

    result = pyreadr.read_r(str(path))
    frames = {k: v for k, v in result.items() if isinstance(v, pd.DataFrame)}
    if not frames:
        raise InputError("no data frame in the R file", file=str(path))
    if len(frames) > 1:
        raise InputError(f"several data frames in the R file ({', '.join(map(str, frames))}); "
                         "save one per file", file=str(path))
    df = next(iter(frames.values()))
    _check_columns(path, list(df.columns), cols)
    if cols is not None:
        df = df[cols]
    df.attrs["value_labels"] = {
        c: {lev: lev for lev in df[c].cat.categories}
        for c in df.columns
        if isinstance(df[c].dtype, pd.CategoricalDtype)
    }
    return df


#: suffix (lower case, longest first where they overlap) -> reader id
_SUFFIXES: list[tuple[str, str]] = [
    (".csv.gz", "csv"), (".csv", "csv"), (".parquet", "parquet"), (".pq", "parquet"),
    (".sav", "spss"), (".zsav", "spss"), (".dta", "stata"),
    (".dat.gz", "ipums"), (".dat", "ipums"),
    (".rda", "r"), (".rdata", "r"), (".rds", "r"),
]

#: reader id -> function(path, codebook, columns)
READERS: dict[str, Reader] = {
    "csv": _read_csv,
    "parquet": _read_parquet,
    "spss": _readstat("spss"),
    "stata": _readstat("stata"),
    "ipums": _read_ipums,
    "r": _read_r,
}
