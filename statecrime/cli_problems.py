"""How ``statecrime load`` reports a refused load, at the size real files fail at.

A real file that fails usually fails in bulk: a wrong date format in one column
gives a problem per row. So the terminal shows problems grouped (``184 lines,
field 'since': ...``, see :func:`statecrime.loaders.problems.group_problems`),
``-f json`` prints every problem as JSON on stdout for scripts, and
``--problems FILE`` writes every problem, one JSON object a line, for whoever
fixes the file. The exit status of a refused load is 1 in every format.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import orjson
import typer

from statecrime.cli_common import fail
from statecrime.loaders.problems import Problem, group_problems, summary
from statecrime.output import OutputFormat, json_document


def write_problems(path: Path, problems: Sequence[Problem]) -> None:
    """Every problem, one JSON object a line (``file``, ``record``, ``field``, ``message``)."""
    try:
        with path.open("wb") as handle:
            for problem in problems:
                handle.write(orjson.dumps(problem.as_dict()) + b"\n")
    except OSError as exc:
        raise fail(f"cannot write the problems to {path}: {exc.strerror or exc}") from None


def refuse_load(
    fmt: OutputFormat, problems: Sequence[Problem], problems_file: Path | None
) -> typer.Exit:
    """Report a refused load in the format asked for; return the exit to raise."""
    if problems_file is not None:
        write_problems(problems_file, problems)
    if fmt is OutputFormat.json:
        payload = {
            "refused": True,
            "written": False,
            "problemCount": len(problems),
            "problemsFile": str(problems_file) if problems_file is not None else None,
            "groups": [group.as_dict() for group in group_problems(problems)],
            "problems": [problem.as_dict() for problem in problems],
        }
        sys.stdout.buffer.write(json_document("load", payload) + b"\n")
        sys.stdout.flush()
        return typer.Exit(1)
    message = summary(problems)
    if problems_file is not None:
        message += f"\nevery problem is written to {problems_file}"
    elif len(group_problems(problems)) < len(problems):
        message += "\n(--problems FILE writes every problem, one JSON object a line)"
    return fail(message)
