"""Errors that reach the user.

Every error about a user's input names the file, the row and column where that is known, and the
reason, so that the message alone is enough to fix the input. The command line prints
``str(error)`` and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable


class CorridorError(Exception):
    """Base class for errors corridor reports to its users (never a traceback)."""


class InputError(CorridorError):
    """Bad input: names the file, row, column and reason.

    ``row`` is the 1-based line or spreadsheet row as a person opening the file would count it,
    ``column`` the column header (or letter) as written in the file.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.column = column
        self.sheet = sheet
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.reason


class UnmatchedAreasError(InputError):
    """Area names or codes that no alias table knows. Lists every unmatched name, never guesses."""

    def __init__(self, names: Iterable[str], *, file: str | None = None, column: str | None = None,
                 source: str | None = None) -> None:
        self.names = sorted(set(names))
        listed = "; ".join(repr(n) for n in self.names)
        what = f" for source {source!r}" if source else ""
        super().__init__(
            f"{len(self.names)} area name(s) not in the alias tables{what}: {listed}. "
            "Add them to the source's alias table (src/corridor/reference/data/aliases_*.csv); "
            "corridor never matches names approximately.",
            file=file,
            column=column,
        )


class ChecksumError(CorridorError):
    """A file's sha256 differs from the one the release catalogue pins."""

    def __init__(self, file: str, expected: str, actual: str) -> None:
        self.file, self.expected, self.actual = file, expected, actual
        super().__init__(
            f"checksum mismatch for {file}: expected sha256 {expected}, got {actual}. "
            "The file is not the published release (corrupt, truncated or a different edition)."
        )
