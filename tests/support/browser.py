"""A real headless Chromium for tests of the HTML view, with the network cut off.

Why: the view must open on a desk with no network, and what matters is what a
browser does with the page (the network exists, filters change what is drawn,
hostile names run nothing), not what the HTML text looks like. So tests drive
Debian's ``chromium`` through Playwright; Playwright never downloads a browser.

Chromium runs headless (Playwright passes ``--headless`` and a fresh, empty
``--user-data-dir`` of its own for each launch: it refuses one in ``args``)
with software WebGL (SwiftShader) so that the WebGL renderer draws too. Every
page opens in a context that is offline and whose requests other than
``file:`` and ``data:`` are aborted and recorded in ``ViewPage.blocked``, so a
test can assert that the page tried to load nothing from outside. Dialogs
(``alert``) are recorded and dismissed, page errors are recorded.

Use from a test module::

    from tests.support.browser import browser, open_view  # noqa: F401  (fixtures)

If Chromium or Playwright is missing the tests are skipped with the reason,
except in CI (``CI=true``), where that is a failure: CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
)
LAUNCH_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-quic",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
]
STABILISE_TIMEOUT_MS = 60_000


def find_chromium() -> str | None:
    """The system Chromium: ``$STATECRIME_CHROMIUM``, then the Debian paths, then ``$PATH``."""
    override = os.environ.get("STATECRIME_CHROMIUM")
    if override and Path(override).exists():
        return override
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(reason: str) -> None:
    """Skip the test, or fail it in CI where the browser tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class ViewPage:
    """An opened page and what it did: requests blocked, dialogs shown, errors thrown."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        """Evaluate JavaScript in the page and return its value."""
        return self.page.evaluate(expression, arg)

    def wait_stabilised(self, timeout_ms: int = STABILISE_TIMEOUT_MS) -> None:
        """Wait until the page has drawn and the layout has settled (physics off)."""
        self.page.wait_for_function(
            "() => window.statecrime && window.statecrime.settled === true",
            timeout=timeout_ms,
        )

    def sc(self, expression: str, arg: Any = None) -> Any:
        """Evaluate ``expression`` with ``sc`` bound to ``window.statecrime`` (the test surface)."""
        return self.page.evaluate(f"(arg) => {{ const sc = window.statecrime; return {expression}; }}", arg)

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole test session (pages are cheap, launches are not)."""
    executable = find_chromium()
    if executable is None:
        unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=LAUNCH_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def open_view(browser: Any) -> Iterator[Callable[..., ViewPage]]:
    """A factory: ``open_view(path)`` opens an HTML file offline and returns a :class:`ViewPage`.

    Contexts are closed at the end of the test.
    """
    contexts: list[Any] = []

    def opener(
        path: Path,
        *,
        width: int = 1400,
        height: int = 900,
        wait: bool = True,
        fragment: str = "",
        context: Any = None,
    ) -> ViewPage:
        """Open ``path`` (``fragment`` appended to its URL), in ``context`` to share storage."""
        if context is None:
            context = browser.new_context(
                viewport={"width": width, "height": height}, accept_downloads=True
            )
            contexts.append(context)
        context.set_offline(True)
        page = context.new_page()
        view = ViewPage(page)

        def route(route_: Any) -> None:
            url = route_.request.url
            if url.startswith(("file:", "data:", "about:", "blob:")):
                route_.continue_()
            else:
                view.blocked.append(url)
                route_.abort()

        page.route("**/*", route)

        def on_dialog(dialog: Any) -> None:
            view.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: view.errors.append(str(error)))
        page.goto(Path(path).resolve().as_uri() + fragment)
        if wait:
            view.wait_stabilised()
        return view

    yield opener
    for context in contexts:
        context.close()
