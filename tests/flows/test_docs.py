"""Docs cannot fall behind (Datasette's habit): every flows CLI option and every method id is documented."""

from __future__ import annotations

from pathlib import Path

from corridor.cli.flows import estimate_command
from corridor.estimate.flows import METHODS

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods-flows.md"


def test_every_option_and_method_is_documented() -> None:
    import inspect

    import typer

    text = DOC.read_text(encoding="utf-8")
    for param in inspect.signature(estimate_command).parameters.values():
        info = param.default
        assert isinstance(info, typer.models.OptionInfo)
        long_names = [d for d in info.param_decls if d.startswith("--")]
        assert any(f"`{name}" in text or f"{name} " in text for name in long_names), long_names
    for method in METHODS:
        assert f"`{method}`" in text, method
