"""Real-browser harness: headless Debian Chromium driven by Playwright (sync API).

Fixtures
--------
``browser``   session-scoped Chromium (``/usr/bin/chromium`` or ``$CHROMIUM_PATH``);
              Playwright's own browser download does not work here.
``page``      a fresh context and page.  Every request whose URL does not start
              with ``file://`` or ``data:`` is aborted, so a test sees exactly
              what a user without network sees.  The page carries lists:

              * ``page.page_errors``      uncaught exceptions ("L is not defined")
              * ``page.console_errors``   console errors that are real problems
              * ``page.blocked_requests`` URLs the harness aborted
              * ``page.failed_loads``     "Failed to load resource" console errors
                                          for URLs the harness aborted
              * ``page.dialogs``          alert/confirm/prompt texts (dismissed)
``load_html`` write an HTML string (or take a path) and open it via ``file://``.
``assert_clean`` assert no page error, no real console error, no dialog, and
              that every blocked request matched the allowed patterns.

Failed tile loads
-----------------
Tile layers point at tile servers, which are blocked; Chromium then logs
"Failed to load resource: net::ERR_FAILED" for each tile.  Those are
expected offline and go to ``page.failed_loads`` (not ``console_errors``)
*only when the failing URL is one we blocked*.  ``assert_clean`` still checks
every blocked URL against ``allow_blocked`` (default: tile URLs containing
``{z}/{x}/{y}``-style numeric paths), so an unexpected script/stylesheet
request to a CDN fails the test.  A failed load of a ``file://`` or ``data:``
URL is a real error (a missing local asset) and stays in ``console_errors``.

Missing browser
---------------
Without playwright or the Chromium binary the browser tests are skipped;
with ``REQUIRE_BROWSER=1`` (CI) they fail with one clear line instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_PREFIXES = ("file://", "data:")
# Slippy-map tiles: .../<z>/<x>/<y>.png (optionally with @2x, query string), or ArcGIS .../tile/<z>/<y>/<x>.
TILE_URL = re.compile(
    r"^https?://[^?#]*/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp|pbf)(\?.*)?$"
    r"|^https?://[^?#]*/MapServer/tile/\d+/\d+/\d+$"  # ArcGIS REST tiles have no extension
)


def _unavailable() -> str | None:
    """Why browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "python package 'playwright' is not installed"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    why = _unavailable()
    if why is not None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but browser tests cannot run: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    except Exception:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page with all non-local requests blocked and errors collected (see module doc)."""
    # a laptop's window: the panel and legend open beside the map (below 700×740 they fold into buttons)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    blocked: list[str] = []

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.page_errors = []
    pg.console_errors = []
    pg.failed_loads = []
    pg.blocked_requests = blocked
    pg.dialogs = []

    def on_console(msg: Any) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and source in blocked:
            pg.failed_loads.append(f"{msg.text} [{source}]")
        else:
            pg.console_errors.append(f"{msg.text} [{source}]" if source else msg.text)

    def on_dialog(dialog: Any) -> None:
        pg.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    pg.on("console", on_console)
    pg.on("pageerror", lambda error: pg.page_errors.append(f"{error.name}: {error.message}"))
    pg.on("dialog", on_dialog)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def load_html(page: Any, tmp_path: Path) -> Callable[..., Any]:
    """``load_html(html_or_path, name="map.html")`` opens the page from ``file://``."""

    def load(source: str | Path, name: str = "map.html") -> Any:
        if isinstance(source, Path):
            path = source
        else:
            path = tmp_path / name
            path.write_text(source, encoding="utf-8")
        page.goto(path.resolve().as_uri(), wait_until="load")
        # A packed page (maps.pack) builds its map after unpacking itself.
        page.wait_for_function("!document.getElementById('chengyu-pack') || window.chengyuReady === true")
        # Panels and the base map join a frame after the districts (maps.controls.after_first_frame),
        # and a task after them the map is fitted to what they leave free (maps.controls.FitToFree):
        # a frame and two tasks later, whatever they queued has run.
        page.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(() => setTimeout(done, 0), 0)))")
        return page

    return load


@pytest.fixture
def assert_clean(page: Any) -> Callable[..., None]:
    """``assert_clean(allow_blocked=TILE_URL)``: the page ran without real errors."""

    def check(allow_blocked: re.Pattern[str] | None = TILE_URL) -> None:
        assert page.page_errors == [], page.page_errors
        assert page.console_errors == [], page.console_errors
        assert page.dialogs == [], page.dialogs
        unexpected = [u for u in page.blocked_requests if allow_blocked is None or not allow_blocked.match(u)]
        assert unexpected == [], f"requests to non-local URLs other than tiles: {unexpected}"

    return check
