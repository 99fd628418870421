"""Map weight and speed: our two pages against ``GeoDataFrame.explore()`` of the same units.

    .venv/bin/python benchmarks/maps_bench.py [--repeats N] [--loads M]

Both sides are measured in the same run, alternating; medians of N builds and of M page loads:

- bytes: the HTML file of each map (ours: ``chengyu build``; baseline: ``benchmarks/explore_pages.py``,
  explore() saved with the same inlined Leaflet, so both draw offline);
- draw: headless Chromium (Debian's), every non-file request blocked, time from navigation start
  until every district polygon of the page is in the DOM (``performance.now()`` read by a
  requestAnimationFrame poll that an init script starts at document creation, identically for both
  pages), 15 loads of each page (``--loads``), each in a fresh context, alternating. The page
  reports the time in a console message: waiting with Playwright's ``wait_for_function`` injected
  Playwright's own script into the page while it loaded, 8-17 ms of main-thread work that landed
  in the middle of the measurement (seen in Chromium traces), before or after the polygons
  depending on the page;
- first paint (for information): the page's first-contentful-paint entry, when the browser
  presented the first frame with content (in both pages here, the frame with the polygons): the
  frame's style, layout and paint included, which the draw time above does not see;
- floor (for information): the same draw time for a page with the same inlined Leaflet, a map and
  38 triangles and nothing else, loaded in turn with the Science City pages — what Leaflet alone
  costs any page, against explore()'s;
- another window (for information): the Science City pages in a 1366×768 window, where the map
  opens at zoom 9 rather than the 9.25 its overview and pixel paths are made for (``maps.detail``),
  so Leaflet draws every district itself as in a page without them;
- build: wall time of the whole process writing both pages (``chengyu build``, which also writes the
  area tables, vs the baseline script).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAPS = {"science-city": 38, "economic-circle": 221}  # polygons every page must draw (explore's count)
WINDOW = (1280, 800)
OTHER_WINDOW = (1366, 768)  # the Science City opens at zoom 9 in it: no pixel paths
OURS_EXTRA = {"science-city": 0, "economic-circle": 5}  # our Circle map also outlines the five hosts


@dataclass
class Row:
    scenario: str
    ours: float
    baseline: float
    unit: str
    target: str  # e.g. "<= 0.5"
    limit: float | None  # None: for information, no target

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.limit is None else self.ratio <= self.limit


def _floor_page(path: Path, polygons: int) -> Path:
    """Leaflet (inlined as in both pages), a map, ``polygons`` triangles and nothing else.

    What any page drawing that many polygons with Leaflet pays before its own work: its draw time
    against explore()'s shows how much of the target Leaflet alone uses up.
    """
    import folium

    from maps.offline import render_html

    m = folium.Map(location=[29.5, 106.3], zoom_start=9, tiles=None)
    for k in range(polygons):
        folium.Polygon([[29 + 0.01 * k, 106.0], [29.01 + 0.01 * k, 106.01], [29 + 0.01 * k, 106.02]]).add_to(m)
    path.write_text(render_html(m), encoding="utf-8")
    return path


def _build(cmd: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([*cmd, out], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


_DRAWN = "chengyu-bench-drawn "


def _draw_ms(browser, path: Path, polygons: int,  # type: ignore[no-untyped-def]
             window: tuple[int, int] = WINDOW) -> tuple[float, float]:
    """(all polygons in the DOM at a frame, first contentful paint), ms from navigation start."""
    context = browser.new_context(viewport={"width": window[0], "height": window[1]})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    # The poll starts at document creation, the same for both pages, and runs every frame inside the
    # page: a page that runs one long task is not penalised by a poll installed late from outside.
    context.add_init_script(
        "(function poll() {"
        f" if (document.querySelectorAll('path.leaflet-interactive').length >= {polygons})"
        f"  {{ console.debug({_DRAWN!r} + performance.now()); return; }}"
        " requestAnimationFrame(poll); })();")
    page = context.new_page()
    with page.expect_console_message(lambda m: m.text.startswith(_DRAWN), timeout=60_000) as message:
        page.goto(path.as_uri(), wait_until="commit")
    drawn = float(message.value.text[len(_DRAWN):])
    paint = page.wait_for_function(  # measured by the browser; reading it afterwards changes nothing
        "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || false", timeout=60_000)
    painted = float(paint.json_value())
    context.close()
    return drawn, painted


def measure(repeats: int = 5, loads: int = 15) -> list[Row]:
    """Build times over ``repeats`` runs of each side; draw times over ``loads`` page loads of each page.

    Page loads are cheap and their times noisy (a frame is 16.7 ms of a ~150 ms load), so the draw
    medians take more of them than the builds do."""
    from playwright.sync_api import sync_playwright

    ours_cmd = [sys.executable, "-c", "from maps.cli import run; run()", "build", "-o"]
    base_cmd = [sys.executable, str(HERE / "explore_pages.py")]
    ours_t, base_t = [], []
    for i in range(repeats):  # alternate, so drift hits both sides alike
        pair = [(ours_t, ours_cmd), (base_t, base_cmd)]
        for times, cmd in pair if i % 2 == 0 else pair[::-1]:
            times.extend(_build(cmd, 1))
    rows = [Row("build both maps (fresh process)", statistics.median(ours_t), statistics.median(base_t), "s",
                "<= 1.0", 1.0)]
    with tempfile.TemporaryDirectory() as tmp:
        ours_dir, base_dir = Path(tmp) / "ours", Path(tmp) / "base"
        subprocess.run([*ours_cmd, str(ours_dir)], check=True, capture_output=True)
        subprocess.run([*base_cmd, str(base_dir)], check=True, capture_output=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for name, polygons in MAPS.items():
                ours_page, base_page = ours_dir / f"{name}.html", base_dir / f"{name}.html"
                rows.append(Row(f"{name}: HTML bytes", ours_page.stat().st_size, base_page.stat().st_size,
                                "bytes", "<= 0.5", 0.5))
                ours_ms: list[tuple[float, float]] = []
                base_ms: list[tuple[float, float]] = []
                floor_ms: list[tuple[float, float]] = []
                ours_other: list[tuple[float, float]] = []
                base_other: list[tuple[float, float]] = []
                pages = [(ours_ms, ours_page, polygons + OURS_EXTRA[name], WINDOW),
                         (base_ms, base_page, polygons, WINDOW)]
                if name == "science-city":
                    pages += [(floor_ms, _floor_page(Path(tmp) / "floor.html", polygons), polygons, WINDOW),
                              (ours_other, ours_page, polygons, OTHER_WINDOW),
                              (base_other, base_page, polygons, OTHER_WINDOW)]
                for _, page, count, window in pages:
                    _draw_ms(browser, page, count, window)  # warm-up, untimed
                for i in range(loads):  # alternate, so drift hits every page alike
                    for times, page, count, window in pages if i % 2 == 0 else pages[::-1]:
                        times.append(_draw_ms(browser, page, count, window))

                def median(times: list[tuple[float, float]], which: int) -> float:
                    return statistics.median(t[which] for t in times)

                rows.append(Row(f"{name}: navigation to all polygons drawn", median(ours_ms, 0),
                                median(base_ms, 0), "ms", "<= 0.8", 0.8))
                rows.append(Row(f"{name}: navigation to first contentful paint", median(ours_ms, 1),
                                median(base_ms, 1), "ms", "–", None))
                if floor_ms:
                    rows.append(Row(f"{name}: polygons drawn, for Leaflet, a map and {polygons} triangles, "
                                    "nothing else", median(floor_ms, 0), median(base_ms, 0), "ms", "–", None))
                if ours_other:
                    rows.append(Row(f"{name}: polygons drawn in a {OTHER_WINDOW[0]}×{OTHER_WINDOW[1]} window "
                                    "(zoom 9: no pixel paths)", median(ours_other, 0), median(base_other, 0),
                                    "ms", "–", None))
            browser.close()
    return rows


def met_label(met: bool | None) -> str:
    return "–" if met is None else "yes" if met else "NO"


def table(rows: list[Row]) -> str:
    lines = ["| scenario | ours | baseline | ratio (ours/baseline) | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        fmt = "{:,.0f}" if r.unit in ("bytes", "ms") else "{:.2f}"
        lines.append(f"| {r.scenario} | {fmt.format(r.ours)} {r.unit} | {fmt.format(r.baseline)} {r.unit} | "
                     f"{r.ratio:.2f} | {r.target} | {met_label(r.met)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="builds of each side")
    parser.add_argument("--loads", type=int, default=15, help="page loads of each page")
    args = parser.parse_args()
    print(table(measure(args.repeats, args.loads)))
