"""The demo: the curated dataset loaded, proxy chains printed, the HTML view written."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
