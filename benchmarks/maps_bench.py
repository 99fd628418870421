"""Map weight and speed: our two pages against ``GeoDataFrame.explore()`` of the same units, and
against our own pages as they were before issue 13 (``benchmarks/reference/``), in five windows.

    .venv/bin/python benchmarks/maps_bench.py [--repeats N] [--loads M]

Every side is measured in the same run, alternating; medians of N builds and of M page loads:

- bytes: the HTML file of each map (ours: ``chengyu build``; baseline: ``benchmarks/explore_pages.py``,
  explore() saved with the same inlined Leaflet, so both draw offline);
- draw: headless Chromium (Debian's), every non-file request blocked, time from navigation start
  until every district of the page is drawn, read by a requestAnimationFrame poll that an init
  script starts at document creation, identically for every page: for explore() and the reference
  pages, every district polygon is an SVG path in the DOM; for ours, every packed layer of the map
  has its geometry and has drawn it into the map's canvas (``maps/js/packed.js``). The page
  reports the time in a console message: waiting with Playwright's ``wait_for_function`` injected
  Playwright's own script into the page while it loaded, 8-17 ms of main-thread work that landed
  in the middle of the measurement (seen in Chromium traces);
- windows: 390×844 (a phone), 1366×768, 1280×800 (the window the reference pages' pixel paths were
  made for), 1920×1080 and 2560×1440; a row each, against explore() and against the reference;
- on screen: when the frame after that one begins, so the frame that drew the districts has been
  styled, laid out, painted and shown. An SVG page rasterises its paths in that frame's paint, a
  canvas page as it draws them (before the first time), so this is the time that compares
  what a reader sees;
- build: wall time of the whole process writing both pages (``chengyu build``, which also writes the
  area tables, vs the baseline script).
"""

from __future__ import annotations

import argparse
import gzip
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
OURS_EXTRA = {"science-city": 0, "economic-circle": 5}  # our Circle map also outlines the five hosts
WINDOW = (1280, 800)
WINDOWS = [(390, 844), (1366, 768), WINDOW, (1920, 1080), (2560, 1440)]
REFERENCE = HERE / "reference"  # our pages before issue 13 (pixel paths for 1280×800, SVG)
NOISE = 1.05  # "no slower than before": a ratio within this of 1 is noise on these machines


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
    """(every polygon drawn, in the DOM or the canvas, as a frame begins; the next frame begins:
    the one drawn has been painted and shown), ms from navigation start."""
    context = browser.new_context(viewport={"width": window[0], "height": window[1]})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    # The poll starts at document creation, the same for every page, and runs every frame inside
    # the page: a page that runs one long task is not penalised by a poll installed late from outside.
    context.add_init_script(
        "(function poll() {"
        " var packed = window.L && L.ChengyuPacked && window.map_1 && L.ChengyuPacked.layersOf(window.map_1);"
        " var done = packed && packed.length"
        f"  ? packed.reduce(function (n, l) {{ return n + l.count; }}, 0) >= {polygons}"
        "    && packed.every(function (l) { return l.data; })"
        f"  : document.querySelectorAll('path.leaflet-interactive').length >= {polygons};"
        " if (done) { var drawn = performance.now();"
        f"  requestAnimationFrame(function () {{ console.debug({_DRAWN!r} + drawn + ' ' + performance.now()); }});"
        "  return; }"
        " requestAnimationFrame(poll); })();")
    page = context.new_page()
    with page.expect_console_message(lambda m: m.text.startswith(_DRAWN), timeout=60_000) as message:
        page.goto(path.as_uri(), wait_until="commit")
    drawn, shown = (float(t) for t in message.value.text[len(_DRAWN):].split())
    context.close()
    return drawn, shown


def _draw_rows(browser, name: str, pages: dict[str, Path], loads: int) -> list[Row]:  # type: ignore[no-untyped-def]
    """Draw times of ``pages`` (ours, base, reference) in every window, alternating, medians."""
    rows = []
    counts = {"ours": MAPS[name] + OURS_EXTRA[name], "base": MAPS[name], "reference": MAPS[name] + OURS_EXTRA[name]}
    for window in WINDOWS:
        times: dict[str, list[tuple[float, float]]] = {side: [] for side in pages}
        order = list(pages)
        for side in order:
            _draw_ms(browser, pages[side], counts[side], window)  # warm-up, untimed
        for i in range(loads):  # alternate, so drift hits every page alike
            for side in order if i % 2 == 0 else order[::-1]:
                times[side].append(_draw_ms(browser, pages[side], counts[side], window))

        def median(side: str, which: int = 0, times: dict[str, list[tuple[float, float]]] = times) -> float:
            return statistics.median(t[which] for t in times[side])

        size = f"{window[0]}×{window[1]}"
        target, limit = ("<= 0.8", 0.8) if window == WINDOW else ("–", None)
        rows.append(Row(f"{name}: navigation to all polygons drawn, {size}", median("ours"), median("base"),
                        "ms", target, limit))
        if "reference" in pages:
            rows.append(Row(f"{name}:   against our pages before issue 13 (pixel paths, SVG), {size}",
                            median("ours"), median("reference"), "ms", f"<= {NOISE} (noise)", NOISE))
        rows.append(Row(f"{name}:   on screen (the frame after), {size}", median("ours", 1), median("base", 1),
                        "ms", "–", None))
        if "reference" in pages:
            rows.append(Row(f"{name}:   on screen, against our pages before issue 13, {size}", median("ours", 1),
                            median("reference", 1), "ms", f"<= {NOISE} (noise)", NOISE))
    return rows


def measure(repeats: int = 5, loads: int = 15) -> list[Row]:
    """Build times over ``repeats`` runs of each side; draw times over ``loads`` page loads of each page
    in each window.

    Page loads are cheap and their times noisy (a frame is 16.7 ms of a ~150 ms load), so the draw
    medians take more of them than the builds do."""
    from playwright.sync_api import sync_playwright

    ours_cmd = [sys.executable, "-m", "chengyu", "build", "-o"]
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
            for name in MAPS:
                pages = {"ours": ours_dir / f"{name}.html", "base": base_dir / f"{name}.html"}
                reference = REFERENCE / f"{name}.html.gz"
                if reference.exists():
                    pages["reference"] = Path(tmp) / f"reference-{name}.html"
                    pages["reference"].write_bytes(gzip.decompress(reference.read_bytes()))
                rows.append(Row(f"{name}: HTML bytes", pages["ours"].stat().st_size, pages["base"].stat().st_size,
                                "bytes", "<= 0.5", 0.5))
                rows.extend(_draw_rows(browser, name, pages, loads))
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
