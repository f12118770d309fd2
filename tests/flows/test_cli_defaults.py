"""The ``corridor flows`` command loads numpy and the estimators only when it runs (issue 15: `--help`
must start fast), so its option defaults and method list are written in the command; these tests tie
them to the estimators' own values, so the two cannot drift apart."""

from __future__ import annotations

import inspect
import subprocess
import sys

from corridor.cli.flows import estimate_command
from corridor.estimate.flows.ipf import DEFAULT_MAX_ITER, DEFAULT_RTOL
from corridor.estimate.flows.methods import METHODS


def _default(name: str) -> object:
    return inspect.signature(estimate_command).parameters[name].default.default


def test_the_ipf_defaults_of_the_command_are_the_estimators() -> None:
    assert _default("tolerance") == DEFAULT_RTOL
    assert _default("max_iter") == DEFAULT_MAX_ITER


def test_the_method_help_names_every_method() -> None:
    text = inspect.signature(estimate_command).parameters["method"].default.help
    assert [m for m in METHODS if m not in text] == []


def test_loading_the_flows_command_does_not_import_numpy_or_pandas() -> None:
    code = ("import sys, corridor.cli.flows; "
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
