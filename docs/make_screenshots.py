"""Screenshots of the maps for the README, taken with the browser tooling of the tests.

Usage: python docs/make_screenshots.py OUT_DIR  (``make screenshots`` builds the maps first).
Headless Debian Chromium driven by Playwright, every non-local request blocked — what a user
without network sees (no base-map tiles; the districts, panel and legend are in the file).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = {"science-city.html": "science-city.png", "economic-circle.html": "economic-circle.png"}
DOCS = Path(__file__).resolve().parent


def main(out_dir: str) -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 820})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for html, png in SHOTS.items():
            page.goto((Path(out_dir) / html).resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.L && L.ChengyuPacked && L.ChengyuPacked.drawnFeatures() > 0")
            page.wait_for_timeout(500)  # let Leaflet finish its fit animation
            page.screenshot(path=str(DOCS / png))
            print(f"wrote docs/{png}")
        browser.close()
    if errors:
        print("page errors: " + "; ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
