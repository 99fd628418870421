#!/usr/bin/env python3
"""Side-by-side probe of renderers for big layers (issue 13, point 1).

Candidates, each drawn from the same binary layer carried in one self-contained HTML page:

* ``deck``    deck.gl standalone bundle (dist.min.js) + deck.gl-leaflet's ``LeafletLayer``;
              ScatterplotLayer / SolidPolygonLayer fed binary attributes (no per-feature objects).
* ``glify``   leaflet.glify (WebGL); it only accepts GeoJSON / arrays, so the page turns the decoded
              buffers into that input.
* ``canvas``  a small custom Leaflet layer (benchmarks/renderers/canvas.js) drawing on a 2D canvas
              straight from typed arrays, with a grid index for picking; public Leaflet API only.
* ``lcanvas`` the naive baseline: one ``L.polygon`` / ``L.circleMarker`` per feature on ``L.canvas()``.

Layers (numpy, seed 1): 100,000 small polygons (4-8 vertices, ~50-200 m across) over Chongqing and
1,000,000 points over Sichuan+Chongqing. Geometry is carried as GeoArrow-style columns: x and y Int32
on a 1e-6 degree grid relative to an origin (features Morton-sorted, delta + zigzag, byte planes),
ring sizes as Uint8 (turned into Int32 offsets in the page), all gzip'd and base64'd in one
``<script type="application/octet-stream">`` and decoded with ``DecompressionStream('gzip')``.

Measured in headless Chromium (software WebGL via SwiftShader, every request but file:// blocked):
page bytes, navigation -> layer visible, zoom / pan step (median of 10, in the page with
performance.now()), JS heap after GC (CDP), hover and click on a known feature with the real mouse.

    .venv/bin/python benchmarks/renderers_probe.py                 # everything, 3 loads each
    .venv/bin/python benchmarks/renderers_probe.py --only deck --viewport 390x844
    .venv/bin/python benchmarks/renderers_probe.py --no-webgl      # what happens without WebGL

JavaScript comes from pinned npm tarballs in benchmarks/.data/npm/ (``npm pack``, sha256 checked);
Leaflet 1.9.3 from the copy vendored in maps/js/vendor/leaflet/ (maps.offline.LEAFLET_JS/LEAFLET_CSS).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import json
import platform
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

from chengyu.maps.offline import LEAFLET_CSS, LEAFLET_JS

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "renderers"
NPM_DIR = HERE / ".data" / "npm"
OUT = HERE / ".data" / "renderers"
CHROMIUM = "/usr/bin/chromium"
GRID = 1e-6  # degrees: the rounding grid of the carried coordinates

# name -> (version, sha256 of the npm tarball, file used from the package, licence)
PACKAGES = {
    "deck.gl": ("9.4.0", "c9711110793fb8fed88027d15643f201ad7b99c20a0696dbab38950e56857b20",
                "dist.min.js", "MIT"),
    "deck.gl-leaflet": ("1.3.1", "b99f4bd03ddc828edd0d42985cbd01a482f9f80fd9353dca8750cac56a14464c",
                        "dist/deck.gl-leaflet.umd.min.js", "MIT"),
    "leaflet.glify": ("3.3.1", "4e75c3c2ee7279b48c6269e1491fd28a0efbada24da2964dcd6d2368fdf8c6d0",
                      "dist/glify-browser.js", "MIT"),
}
CANDIDATES = {  # name -> (npm packages, candidate script, needs WebGL)
    "deck": (["deck.gl", "deck.gl-leaflet"], "deck.js", True),
    "glify": (["leaflet.glify"], "glify.js", True),
    "canvas": ([], "canvas.js", False),
    "lcanvas": ([], "lcanvas.js", False),
}
LAYERS = ("polygons", "points")
STEP_BUDGET_MS = 30_000  # per load and kind of step: slow renderers stop early (n_steps says how many)
PICK_ZOOM = {"polygons": 16, "points": 14}
CHROME_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist", "--enable-precise-memory-info",
]


# ---------------------------------------------------------------- packages
def npm_file(name: str) -> str:
    """Text of the file this probe uses from the pinned npm tarball (fetched with `npm pack`)."""
    version, sha, member, _ = PACKAGES[name]
    tgz = NPM_DIR / f"{name}-{version}.tgz"
    if not tgz.exists():
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", str(NPM_DIR)],
                       check=True, stdout=subprocess.DEVNULL)
    got = hashlib.sha256(tgz.read_bytes()).hexdigest()
    if got != sha:
        raise SystemExit(f"{tgz}: sha256 {got} != pinned {sha}")
    with tarfile.open(tgz) as tf:
        f = tf.extractfile(f"package/{member}")
        assert f is not None
        return f.read().decode("utf-8")


# ---------------------------------------------------------------- data
def morton_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Permutation sorting points along a Z-order curve (16 bits per axis)."""
    def q16(v):
        lo, hi = v.min(), v.max()
        return np.floor((v - lo) / max(hi - lo, 1e-12) * 65535).astype(np.uint32)

    def spread(v):
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555

    key = spread(q16(x)) | (spread(q16(y)) << 1)
    return np.argsort(key, kind="stable")


def gen_points(n: int = 1_000_000, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(102.0, 109.0, n)
    lat = rng.uniform(26.0, 32.0, n)
    order = morton_order(lon, lat)
    return {"kind": "points", "lon": lon[order], "lat": lat[order], "counts": None,
            "anchor": (lon[order], lat[order]), "bbox": [102.0, 26.0, 109.0, 32.0]}


def gen_polygons(n: int = 100_000, seed: int = 1) -> dict:
    """Star-shaped rings (stratified angles, so the centre is inside), CCW, not closed."""
    rng = np.random.default_rng(seed)
    clon = rng.uniform(105.3, 107.5, n)
    clat = rng.uniform(28.5, 30.5, n)
    k = rng.integers(4, 9, n)
    radius = rng.uniform(25.0, 100.0, n)  # metres
    order = morton_order(clon, clat)
    clon, clat, k, radius = clon[order], clat[order], k[order], radius[order]
    total = int(k.sum())
    pid = np.repeat(np.arange(n), k)
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    j = np.arange(total) - starts[pid]
    ang = (j + rng.uniform(0.1, 0.9, total)) * 2 * np.pi / k[pid]
    rr = radius[pid] * rng.uniform(0.7, 1.0, total)
    lat = clat[pid] + rr * np.sin(ang) / 110_540.0
    lon = clon[pid] + rr * np.cos(ang) / (111_320.0 * np.cos(np.radians(clat[pid])))
    return {"kind": "polygons", "lon": lon, "lat": lat, "counts": k.astype(np.uint8),
            "anchor": (clon, clat), "bbox": [105.3, 28.5, 107.5, 30.5]}


def delta_zigzag_planes(q: np.ndarray) -> bytes:
    d = np.diff(q.astype(np.int64), prepend=0).astype(np.int32)
    z = ((d << 1) ^ (d >> 31)).astype(np.uint32)
    return z.astype("<u4").view(np.uint8).reshape(-1, 4).T.copy().tobytes()


def probe_feature(layer: dict) -> dict:
    """A feature near the middle of the layer, far from its neighbours (for hover/click checks)."""
    ax, ay = layer["anchor"]
    b = layer["bbox"]
    mx, my = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    near = np.argsort((ax - mx) ** 2 + (ay - my) ** 2)[:200]
    for i in near:
        d2 = ((ax - ax[i]) * np.cos(np.radians(my))) ** 2 + (ay - ay[i]) ** 2
        d2[i] = np.inf
        if np.sqrt(d2.min()) * 111_000 > 400:
            q = lambda v: round(float(v) / GRID) * GRID  # noqa: E731
            return {"index": int(i), "lon": q(ax[i]), "lat": q(ay[i])}
    raise RuntimeError("no isolated feature")


def encode(layer: dict) -> tuple[dict, str, dict]:
    """-> (meta, base64 payload, sizes of alternative encodings)."""
    origin = [float(np.floor(layer["bbox"][0])), float(np.floor(layer["bbox"][1]))]
    qx = np.round((layer["lon"] - origin[0]) / GRID).astype(np.int32)
    qy = np.round((layer["lat"] - origin[1]) / GRID).astype(np.int32)
    cols = [("x", "delta-zigzag-shuffle4", qx.size, delta_zigzag_planes(qx)),
            ("y", "delta-zigzag-shuffle4", qy.size, delta_zigzag_planes(qy))]
    if layer["counts"] is not None:
        cols.append(("counts", "uint8", layer["counts"].size, layer["counts"].tobytes()))
    arrays, off = [], 0
    for name, enc, length, raw in cols:
        arrays.append({"name": name, "enc": enc, "length": int(length), "offset": off, "nbytes": len(raw)})
        off += len(raw)
    blob = gzip.compress(b"".join(c[3] for c in cols), compresslevel=9, mtime=0)
    b64 = base64.b64encode(blob).decode("ascii")
    n_feat = int(layer["counts"].size if layer["counts"] is not None else qx.size)
    meta = {"kind": layer["kind"], "n_features": n_feat, "n_vertices": int(qx.size), "origin": origin,
            "scale": GRID, "bbox": layer["bbox"], "arrays": arrays, "probe_feature": probe_feature(layer)}
    # alternatives, for the record (same feature order)
    f32 = np.column_stack([layer["lon"], layer["lat"]]).astype("<f4").tobytes()
    i32 = np.column_stack([qx, qy]).astype("<i4").tobytes()
    extra = layer["counts"].tobytes() if layer["counts"] is not None else b""
    alt = {
        "float32 interleaved, gzip": len(gzip.compress(f32 + extra, 6, mtime=0)),
        "int32 1e-6 grid interleaved, gzip": len(gzip.compress(i32 + extra, 6, mtime=0)),
        "int32 grid, delta+zigzag+byte planes, gzip (used)": len(blob),
        "  same, base64 in the page (used)": len(b64),
    }
    return meta, b64, alt


# ---------------------------------------------------------------- pages
def build_page(candidate: str, layer_name: str, meta: dict, b64: str) -> Path:
    pkgs, script, _ = CANDIDATES[candidate]
    lib_texts = [npm_file(p) for p in pkgs]
    if any("</script" in t.lower() for t in lib_texts):
        raise RuntimeError("a library contains </script")
    libs = "\n".join(f"<script>{t}</script>" for t in lib_texts)
    html = (TEMPLATES / "page.html").read_text()
    parts = {
        "{{TITLE}}": f"{candidate} {layer_name}",
        "{{LEAFLET_CSS}}": LEAFLET_CSS.file().read_text(encoding="utf-8"),
        "{{META}}": json.dumps(meta, separators=(",", ":")),
        "{{DATA}}": b64,
        "{{COMMON_JS}}": (TEMPLATES / "common.js").read_text(),
        "{{LEAFLET_JS}}": LEAFLET_JS.file().read_text(encoding="utf-8"),
        "{{LIB_SCRIPTS}}": libs,
        "{{CANDIDATE_JS}}": (TEMPLATES / script).read_text(),
    }
    for k, v in parts.items():
        if k not in ("{{DATA}}", "{{LIB_SCRIPTS}}") and "</script" in v.lower():
            raise RuntimeError(f"{k} contains </script")
    for k, v in parts.items():
        html = html.replace(k, v)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{candidate}-{layer_name}.html"
    path.write_text(html)
    return path


# ---------------------------------------------------------------- browser
def one_load(browser, path: Path, viewport: tuple[int, int], timeout_s: float, layer: str,
             steps: int, shot: Path | None) -> dict:
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1)
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}"[:300]) if m.type == "error" else None)
    cdp = ctx.new_cdp_session(page)
    res: dict = {"errors": errors, "blocked": blocked}
    try:
        page.goto(path.as_uri(), wait_until="commit", timeout=60_000)
        res["webgl2"] = page.evaluate("!!document.createElement('canvas').getContext('webgl2')")
        try:
            page.wait_for_function("window.__probe && (window.__probe.visible || window.__probe.errors.length > 0)",
                                   timeout=timeout_s * 1000, polling=200)
        except Exception:
            res["timeout"] = True
            return res
        pr = page.evaluate("({marks: __probe.marks, errors: __probe.errors, info: __probe.info})")
        res["marks"] = pr["marks"]
        errors.extend(pr["errors"])
        if "visible" not in pr["marks"]:
            return res
        if shot is not None:
            page.screenshot(path=str(shot))
        if steps:
            res["steps"] = page.evaluate(f"__probe.runSteps({steps}, {STEP_BUDGET_MS})")
        cdp.send("HeapProfiler.collectGarbage")
        heap = cdp.send("Runtime.getHeapUsage")
        res["heap"] = heap
        res["heap_mb"] = (heap["usedSize"] + heap.get("backingStorageSize", 0)) / 2**20
        pt = page.evaluate(f"__probe.gotoFeature({PICK_ZOOM[layer]})")
        page.mouse.move(pt["x"] + 40, pt["y"] + 40)
        page.mouse.move(pt["x"], pt["y"], steps=4)
        page.wait_for_timeout(600)
        hover = page.evaluate("__probe.picked.hover")
        page.mouse.click(pt["x"], pt["y"])
        page.wait_for_timeout(400)
        click = page.evaluate("__probe.picked.click")
        api = page.evaluate(f"window.__probe.pickAt ? __probe.pickAt({pt['x']}, {pt['y']}) : 'n/a'")
        res["pick"] = {"want": pt["index"], "hover": hover, "click": click, "api": api}
    finally:
        try:
            ctx.close()
        except Exception:
            pass
    return res


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run_candidate(pw, candidate: str, layer: str, path: Path, args, viewport) -> dict:
    launch_args = CHROME_ARGS + (["--disable-3d-apis"] if args.no_webgl else [])
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=launch_args)
    loads = []
    try:
        for i in range(1 if args.no_webgl else args.loads):
            shot = OUT / f"shot-{candidate}-{layer}-{viewport[0]}x{viewport[1]}.png" if i == 0 else None
            r = one_load(browser, path, viewport, args.timeout, layer,
                         0 if args.no_webgl else args.steps, shot)
            loads.append(r)
            vis = r.get("marks", {}).get("visible", float("nan")) / 1000
            tag = "timeout" if r.get("timeout") else f"visible {vis:.2f}s"
            print(f"  {candidate:8s} {layer:8s} load {i + 1}: {tag}  errors={len(r['errors'])}", flush=True)
            if r.get("timeout") or "visible" not in r.get("marks", {}):
                break
    finally:
        browser.close()
    return {"loads": loads}


def summarize(candidate: str, layer: str, path: Path, meta: dict, runs: dict) -> dict:
    loads = runs["loads"]
    ok = [r for r in loads if "visible" in r.get("marks", {})]
    picks = [r["pick"] for r in ok if "pick" in r]

    def pick_ok(key):
        if not picks:
            return None
        return all(p[key] == p["want"] for p in picks)

    steps = [r["steps"] for r in ok if "steps" in r]
    row = {
        "candidate": candidate, "layer": layer, "page_bytes": path.stat().st_size,
        "n_features": meta["n_features"], "n_vertices": meta["n_vertices"],
        "loads": len(loads), "ok_loads": len(ok), "timeout": any(r.get("timeout") for r in loads),
        "visible_s": med([r["marks"]["visible"] / 1000 for r in ok]),
        "decoded_s": med([r["marks"].get("decoded", 0) / 1000 for r in ok]),
        "arrays_s": med([r["marks"].get("arrays_ready", 0) / 1000 for r in ok]),
        "zoom_ms": med([med(s["zoom"]) for s in steps]),
        "pan_ms": med([med(s["pan"]) for s in steps]),
        "zoom_draw_ms": med([med(s["zoom_draw"]) for s in steps]),
        "pan_draw_ms": med([med(s["pan_draw"]) for s in steps]),
        "n_steps": sum(len(s["zoom"]) + len(s["pan"]) for s in steps),
        "heap_mb": med([r.get("heap_mb") for r in ok]),
        "hover_ok": pick_ok("hover"), "click_ok": pick_ok("click"),
        "api_pick": picks[0]["api"] if picks else None, "pick_want": picks[0]["want"] if picks else None,
        "webgl2": loads[0].get("webgl2") if loads else None,
        "errors": sorted({e for r in loads for e in r["errors"]})[:5],
        "blocked": sorted({u for r in loads for u in r["blocked"]})[:5],
        "picks": picks, "steps_raw": steps, "marks": [r.get("marks") for r in loads],
        "heap_detail": [r.get("heap") for r in ok],
    }
    return row


def fmt(v, spec):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    return format(v, spec)


def table(rows: list[dict]) -> str:
    head = ("| candidate | layer | page MB | B/feature | B/vertex | visible s | decoded s | zoom ms | pan ms "
            "| zoom draw ms | steps | heap MB | hover | click | errors |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        vis = "timeout" if r["timeout"] and r["visible_s"] is None else fmt(r["visible_s"], ".2f")
        out.append("| " + " | ".join([
            r["candidate"], r["layer"], f"{r['page_bytes'] / 1e6:.2f}",
            f"{r['page_bytes'] / r['n_features']:.1f}", f"{r['page_bytes'] / r['n_vertices']:.1f}",
            vis, fmt(r["decoded_s"], ".2f"), fmt(r["zoom_ms"], ".0f"), fmt(r["pan_ms"], ".0f"),
            fmt(r["zoom_draw_ms"], ".0f"), str(r["n_steps"]), fmt(r["heap_mb"], ".0f"), fmt(r["hover_ok"], ""),
            fmt(r["click_ok"], ""), str(len(r["errors"])),
        ]) + " |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(CANDIDATES), help="candidates, comma-separated")
    ap.add_argument("--layers", default=",".join(LAYERS))
    ap.add_argument("--loads", type=int, default=3, help="page loads per candidate and layer")
    ap.add_argument("--steps", type=int, default=10, help="zoom steps and pan steps per load")
    ap.add_argument("--viewport", default="1280x800")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds until the layer must be visible")
    ap.add_argument("--no-webgl", action="store_true", help="launch Chromium with --disable-3d-apis, 1 load")
    args = ap.parse_args()
    viewport = tuple(int(v) for v in args.viewport.split("x"))
    from playwright.sync_api import sync_playwright

    t0 = time.time()
    layers = {"polygons": gen_polygons, "points": gen_points}
    rows, encodings = [], {}
    with sync_playwright() as pw:
        for layer in args.layers.split(","):
            meta, b64, alt = encode(layers[layer]())
            encodings[layer] = {k: {"bytes": v, "per_feature": v / meta["n_features"],
                                    "per_vertex": v / meta["n_vertices"]} for k, v in alt.items()}
            print(f"{layer}: {meta['n_features']} features, {meta['n_vertices']} vertices", flush=True)
            for k, v in alt.items():
                print(f"    {k:52s} {v / 1e6:7.2f} MB  {v / meta['n_features']:6.2f} B/feature "
                      f"{v / meta['n_vertices']:6.2f} B/vertex")
            for cand in args.only.split(","):
                path = build_page(cand, layer, meta, b64)
                runs = run_candidate(pw, cand, layer, path, args, viewport)
                rows.append(summarize(cand, layer, path, meta, runs))
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"), "viewport": args.viewport,
        "loads": args.loads, "no_webgl": args.no_webgl, "chromium": chromium,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "packages": {k: v[0] for k, v in PACKAGES.items()}, "leaflet": f"{LEAFLET_JS.version} (maps/js/vendor)",
        "encodings": encodings, "rows": rows, "wall_s": round(time.time() - t0, 1),
    }
    tag = f"{args.viewport}{'-nowebgl' if args.no_webgl else ''}"
    (OUT / f"results-{tag}.json").write_text(json.dumps(report, indent=1))
    print()
    print(f"{report['date']}  {chromium}  viewport {args.viewport}  loads {args.loads}  "
          f"(medians; visible = navigation start -> 2 frames after the renderer's first draw)")
    print(table(rows))
    for r in rows:
        if r["errors"] or r["api_pick"] not in (None, "n/a", r["pick_want"]):
            print(f"  {r['candidate']}/{r['layer']}: api pick {r['api_pick']} (want {r['pick_want']}); "
                  f"errors {r['errors']}")
    print(f"results: {OUT / f'results-{tag}.json'}  ({report['wall_s']} s)")


if __name__ == "__main__":
    sys.exit(main())
