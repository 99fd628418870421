"""Big users' layers on the maps (issue 13): ``chengyu map --layer`` against ``explore()`` of the same layer.

    .venv/bin/python benchmarks/biglayers_bench.py [--repeats N] [--quick]

Scenarios (seeded layers of ``synth.py``, GeoParquet): 100,000 building-sized polygons on the
Economic Circle map and 1,000,000 points on the Science City map. For each, in the same run:

- build: ours ``chengyu map NAME --layer FILE -o PAGE`` against ``explore_layer.py FILE PAGE``
  (``geopandas.read_parquet``, ``GeoDataFrame.explore()``, saved with :func:`maps.offline.render_html`:
  the same inlined Leaflet, so both draw offline): wall time and peak memory of the whole process
  (``run.spawn``), the baseline stopped at :data:`BUILD_TIMEOUT`;
- page: its size, per point or per polygon vertex;
- browser: headless Chromium (Debian's) at 1280×800, every non-file request blocked; navigation
  start → the layer visible (ours: two animation frames after the layer has decoded and drawn;
  explore(): two frames after all its features' SVG paths are in the page), stopped at
  :data:`LOAD_TIMEOUT`; then 10 zoom steps and 10 pan steps (``setView``/``panBy`` without
  animation → the next animation frame, measured in the page with ``performance.now()``; each
  kind stops after :data:`STEP_BUDGET_MS`), medians.

Prints a table; ``bench.py`` puts its rows into ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import synth  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WINDOW = (1280, 800)
BUILD_TIMEOUT = 600.0
LOAD_TIMEOUT = 60.0
SCENARIOS = [("economic-circle", "polygons", 100_000), ("science-city", "points", 1_000_000)]
QUICK = [("economic-circle", "polygons", 2_000), ("science-city", "points", 20_000)]
# targets of issue 13.2
BUILD_TARGET_S = {"points": 10.0, "polygons": 5.0}
BUILD_TARGET_MB = {"points": 1536.0}
BYTES_TARGET = {"points": 12.0, "polygons": 40.0}  # per point / per polygon vertex
VISIBLE_TARGET_S = 3.0
STEP_TARGET_MS = 100.0

# Zoom and pan steps, each to the next animation frame; a kind of step stops after STEP_BUDGET_MS.
_STEPS_JS = """async ([n, budget]) => {
    const frame = () => new Promise(done => requestAnimationFrame(() => done()));
    const m = map_1, z0 = m.getZoom(), c = m.getCenter(), out = {zoom: [], pan: []};
    const zooms = [1, 2, 3, 2, 1, 0, 1, 2, 1, 0], pans = [[300, 0], [0, 200], [-300, 0], [0, -200]];
    let start = performance.now();
    for (let i = 0; i < n && performance.now() - start < budget; i++) {
        const t = performance.now();
        m.setView(c, z0 + zooms[i % zooms.length], {animate: false});
        await frame();
        out.zoom.push(performance.now() - t);
    }
    m.setView(c, z0, {animate: false});
    await frame();
    start = performance.now();
    for (let i = 0; i < n && performance.now() - start < budget; i++) {
        const t = performance.now();
        m.panBy(pans[i % pans.length], {animate: false});
        await frame();
        out.pan.push(performance.now() - t);
    }
    return out;
}"""
STEP_BUDGET_MS = 30_000
# Started without waiting: they set window.chengyuShown = {ms, drawn} once the layer is on screen,
# which the harness waits for with a timeout (a page busy for minutes cannot answer an evaluate).
_OURS_VISIBLE_JS = """(n) => {
    const frame = () => new Promise(done => requestAnimationFrame(() => done()));
    // the user's layer, not the districts drawn beside it
    const layers = L.ChengyuPacked.layersOf(map_1).filter(l => l.count === n);
    Promise.all(layers.map(l => l.ready)).then(frame).then(frame).then(() => {
        window.chengyuShown = {ms: performance.now(), drawn: layers.reduce((s, l) => s + l.drawn, 0)};
    });
}"""
_EXPLORE_VISIBLE_JS = """(n) => {
    const frame = () => new Promise(done => requestAnimationFrame(() => done()));
    const count = () => document.querySelectorAll('.leaflet-overlay-pane path').length;
    (async () => {
        while (count() < n) { await frame(); }
        await frame(); await frame();
        window.chengyuShown = {ms: performance.now(), drawn: count()};
    })();
}"""


@dataclass
class Side:
    build_s: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    stopped: bool = False
    page_bytes: int = 0
    visible_s: list[float] = field(default_factory=list)
    zoom_ms: list[float] = field(default_factory=list)
    pan_ms: list[float] = field(default_factory=list)
    load_stopped: bool = False
    drawn: int = 0  # features the page reported drawn when it counted as visible
    error: str = ""


@dataclass
class Scenario:
    map_name: str
    kind: str
    n: int
    vertices: int
    ours: Side = field(default_factory=Side)
    base: Side = field(default_factory=Side)


def _build(side: Side, cmd: list[str], page: Path, timeout: float | None) -> None:
    child = run.spawn(cmd, timeout=timeout)
    if child.code is None:
        side.stopped = True
        side.build_s.append(timeout or 0.0)
        return
    if child.code != 0:
        side.error = (child.stderr.strip().splitlines() or ["exit " + str(child.code)])[-1][:200]
        return
    side.build_s.append(child.wall)
    side.peak_mb.append(child.peak_mb)
    side.page_bytes = page.stat().st_size


def _load(browser, side: Side, page: Path, visible_js: str, n: int) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": WINDOW[0], "height": WINDOW[1]})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    tab = context.new_page()
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT

        def left() -> float:
            return max(1.0, (deadline - time.monotonic()) * 1000)

        tab.goto(page.resolve().as_uri(), wait_until="commit", timeout=left())
        # (window.map_1 alone is the map's <div> as soon as it is parsed: named access)
        tab.wait_for_function("window.L && window.map_1 instanceof L.Map", timeout=left())
        tab.evaluate(visible_js, n)
        shown = tab.wait_for_function("window.chengyuShown", timeout=left()).json_value()
        if not shown["drawn"]:
            raise RuntimeError("the layer drew nothing")
        side.visible_s.append(shown["ms"] / 1000)
        side.drawn = shown["drawn"]
        steps = tab.evaluate(_STEPS_JS, [10, STEP_BUDGET_MS])
        side.zoom_ms.append(statistics.median(steps["zoom"]))
        side.pan_ms.append(statistics.median(steps["pan"]))
    except Exception as err:  # a Playwright timeout: the baseline's usual result on big layers
        side.load_stopped = True
        side.error = side.error or f"{type(err).__name__}: {str(err).splitlines()[0][:160]}"
    finally:
        context.close()


def measure(repeats: int, quick: bool) -> list[Scenario]:
    from playwright.sync_api import sync_playwright

    out = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for map_name, kind, n in (QUICK if quick else SCENARIOS):
            layer = synth.ensure(kind, n, 1)["parquet"]
            s = Scenario(map_name, kind, n, _vertices(layer))
            ours, base = Path(tmp) / "ours.html", Path(tmp) / "explore.html"
            for _ in range(repeats):
                ours.unlink(missing_ok=True)
                _build(s.ours, [sys.executable, "-m", "chengyu", "map", map_name, "--layer", str(layer),
                                "-o", str(ours)], ours, None)
                if not s.base.stopped and not s.base.error:
                    base.unlink(missing_ok=True)
                    _build(s.base, [sys.executable, str(HERE / "explore_layer.py"), str(layer), str(base)],
                           base, BUILD_TIMEOUT)
                if ours.exists():
                    _load(browser, s.ours, ours, _OURS_VISIBLE_JS, n)
                if base.exists() and not s.base.load_stopped:
                    _load(browser, s.base, base, _EXPLORE_VISIBLE_JS, n)
                print(f"  {kind} {n:,}: ours {s.ours.build_s[-1:]} s build, visible {s.ours.visible_s[-1:]};"
                      f" explore {s.base.build_s[-1:]} s build, visible {s.base.visible_s[-1:]}"
                      f"{' (stopped)' if s.base.load_stopped or s.base.stopped else ''}", flush=True)
            out.append(s)
        browser.close()
    return out


def _vertices(path: Path) -> int:
    import geopandas as gpd
    import shapely

    return int(shapely.get_num_coordinates(gpd.read_parquet(path).geometry.to_numpy()).sum())


def _med(values: list[float], fmt: str = "{:.2f}") -> str:
    return fmt.format(statistics.median(values)) if values else "–"


def rows(scenarios: list[Scenario]) -> list[tuple[str, str, str, str, str]]:
    """(what, ours, explore(), target, met) for each measured figure."""
    out = []
    for s in scenarios:
        name = f"{s.n:,} {s.kind} on {s.map_name}"
        o, b = s.ours, s.base
        base_build = ("> " if b.stopped else "") + _med(b.build_s) + " s" if b.build_s else b.error or "–"
        target = BUILD_TARGET_S[s.kind]
        out.append((f"map build, {name}", _med(o.build_s) + " s", base_build, f"≤ {target:g} s",
                    _met(o.build_s and statistics.median(o.build_s) <= target)))
        mb_target = BUILD_TARGET_MB.get(s.kind)
        out.append((f"  peak memory, {name}", _med(o.peak_mb, "{:,.0f}") + " MB",
                    _med(b.peak_mb, "{:,.0f}") + " MB" if b.peak_mb else "–",
                    f"≤ {mb_target:,.0f} MB" if mb_target else "–",
                    _met(o.peak_mb and statistics.median(o.peak_mb) <= mb_target) if mb_target else "–"))
        per = s.n if s.kind == "points" else s.vertices
        unit = "point" if s.kind == "points" else "vertex"
        out.append((f"  page, {name}", f"{o.page_bytes / 1e6:.1f} MB, {o.page_bytes / per:.1f} B/{unit}",
                     f"{b.page_bytes / 1e6:.1f} MB, {b.page_bytes / per:.1f} B/{unit}" if b.page_bytes else "–",
                     f"≤ {BYTES_TARGET[s.kind]:g} B/{unit}", _met(o.page_bytes / per <= BYTES_TARGET[s.kind])))
        base_visible = (f"> {LOAD_TIMEOUT:.0f} s (stopped)" if b.load_stopped else _med(b.visible_s) + " s"
                        if b.visible_s else "–")
        visible_ok = o.visible_s and statistics.median(o.visible_s) <= VISIBLE_TARGET_S
        out.append((f"  navigation → layer visible, {name}", _med(o.visible_s) + " s", base_visible,
                    f"≤ {VISIBLE_TARGET_S:g} s", _met(visible_ok)))
        for step, ours_ms, base_ms in (("zoom", o.zoom_ms, b.zoom_ms), ("pan", o.pan_ms, b.pan_ms)):
            out.append((f"  {step} step, {name}", _med(ours_ms, "{:.0f}") + " ms",
                        _med(base_ms, "{:.0f}") + " ms" if base_ms else "–", f"≤ {STEP_TARGET_MS:g} ms",
                        _met(ours_ms and statistics.median(ours_ms) <= STEP_TARGET_MS)))
    return out


def _met(ok: object) -> str:
    return "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = rows(measure(args.repeats, args.quick))
    print("\n| scenario | ours | explore() | target | met |\n|---|---|---|---|---|")
    for r in result:
        print("| " + " | ".join(r) + " |")
    json.dump(result, sys.stderr)


if __name__ == "__main__":
    main()
