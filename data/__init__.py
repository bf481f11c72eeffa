"""The curated dataset, shipped with statecrime as package data (see README.md here)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def curated_files() -> list[Path]:
    """The curated record files, in a stable order."""
    folder = resources.files(__name__).joinpath("curated")
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".yaml"))
