"""Making damaged copies of real mirror files, and reading them through a layout, for bad-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.sources.layouts import get_layout


def text_lines(source: Path) -> list[str]:
    """The lines of a UTF-8 text file (a byte-order mark dropped)."""
    return source.read_text(encoding="utf-8-sig").splitlines()


def write_lines(lines: list[str], path: Path, *, bom: bool = True) -> Path:
    """Write lines back as the publisher did (UTF-8, with a byte-order mark by default)."""
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def layout_error(layout: str, path: Path) -> InputError:
    """The InputError the layout raises on ``path`` (the test fails if it raises none)."""
    with pytest.raises(InputError) as info:
        get_layout(layout)([path])
    return info.value
