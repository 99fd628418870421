"""Screenshots of the maps for the README, taken with the browser tooling of the tests.

Usage: python docs/make_screenshots.py OUT_DIR  (``make screenshots`` builds the maps first).
Headless Debian Chromium driven by Playwright, every non-local request blocked — what a user
without network sees (no base-map tiles; the districts, panel and legend are in the file). Each map
at 1280×800 (a laptop) and 390×844 (a phone, touch), in Chinese and in English (``#lang=zh``,
``#lang=en``): docs/<map>-<zh|en>.png and docs/<map>-phone-<zh|en>.png.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAPS = ("science-city", "economic-circle")
LANGS = ("zh", "en")
#: The windows, by the suffix of their pictures' names.
WINDOWS = {"": {"width": 1280, "height": 800}, "-phone": {"width": 390, "height": 844}}
DOCS = Path(__file__).resolve().parent


def _local_only(route: Any) -> None:
    """Let the page read its own file; refuse every request to a network."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def main(out_dir: str) -> int:
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for suffix, window in WINDOWS.items():
            phone = window["width"] < 700
            context = browser.new_context(viewport=window, is_mobile=phone, has_touch=phone)
            context.route("**/*", _local_only)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            for name in MAPS:
                for lang in LANGS:
                    png = f"{name}{suffix}-{lang}.png"
                    page.goto("about:blank")  # a fresh load each time, not a change of the address's #lang
                    page.goto((Path(out_dir) / f"{name}.html").resolve().as_uri() + f"#lang={lang}", wait_until="load")
                    # laid out: the controls on screen, the zones fitted to what they leave free
                    page.wait_for_function("window.L && L.ChengyuFit && L.ChengyuFit.of(map_1)"
                                           " && L.ChengyuFit.of(map_1).refitted && L.ChengyuPacked.drawnFeatures() > 0")
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(DOCS / png))
                    print(f"wrote docs/{png}")
            context.close()
        browser.close()
    if errors:
        print("page errors: " + "; ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
