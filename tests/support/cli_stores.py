"""Stores made and read through the command line, as a user would.

Several test modules load a small YAML file of their own into a fresh store
with ``statecrime load`` and then run commands against it; the loading and
the running live here once.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from statecrime.cli import app


def store_loaded_with(tmp_path_factory: pytest.TempPathFactory, name: str, records: str) -> str:
    """A fresh store folder holding ``records`` (YAML text), loaded by ``statecrime load``."""
    folder = tmp_path_factory.mktemp(name)
    path = folder.parent / f"{name}-records.yaml"
    path.write_text(records, encoding="utf-8")
    result = CliRunner().invoke(app, ["--store", str(folder), "load", str(path)])
    assert result.exit_code == 0, result.output
    return str(folder)


def run(store: str, *args: str) -> tuple[int, str]:
    """Run one command against ``store``; its exit code and everything it printed."""
    result = CliRunner().invoke(app, ["--store", store, *args])
    return result.exit_code, result.output
