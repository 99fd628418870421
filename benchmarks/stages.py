"""Where the time of ``chengyu area LAYER`` goes, stage by stage, and what other read paths cost.

    .venv/bin/python benchmarks/stages.py [--quick] [--repeats N]

Every measurement runs in a fresh interpreter (so imports and caches are as in a real run) and is
the median of N runs. Stages of our path, timed inside one child: importing ``chengyu.cli.group``, loading
the zones, ``geo.layers.read_layer``, ``geo.coverage.covered_area``, rendering JSON; the rest of
its wall time is interpreter start-up and exit (it ends with ``os._exit``, as the console script
``chengyu.cli.main:run`` does, so the heap is not torn down). The read paths are timed each in their own
child: what ``read_layer`` costs against ``geopandas.read_file``,
``pyogrio.read_dataframe(use_arrow=True)``, ``geopandas.read_parquet``, and (points only) Arrow +
decoding the WKB points with numpy + ``shapely.points``, with Python's cyclic garbage collector
running and paused (a million new shapely objects set it off again and again; ``read_layer``
pauses it). The baseline's stages are timed the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- children


def _peak_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ours(path: str) -> dict[str, dict[str, float]]:
    t = [time.perf_counter()]
    peak = []
    import chengyu.cli.group  # noqa: F401  (what the command imports before it runs; cli.main is its light shell)
    from chengyu.cli import tables
    from chengyu.geo.coverage import covered_area
    from chengyu.geo.layers import read_layer
    from chengyu.geo.zones import zones
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    z = zones("districts")
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    gdf = read_layer(path).gdf
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    cov = covered_area(gdf, z)
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    rows = tables.records(cov.table, list(cov.table.columns))
    text = tables.to_json(rows, cov.total, {"outside": cov.outside, "layer": cov.layer_totals})
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    assert text
    names = ["import chengyu.cli.group", "zones('districts')", "read_layer", "covered_area", "JSON"]
    return {"times": {n: b - a for n, a, b in zip(names, t[:-1], t[1:], strict=True)},
            "peaks": dict(zip(names, peak, strict=True))}


def child_baseline(path: str) -> dict[str, dict[str, float]]:
    t = [time.perf_counter()]
    peak = []
    import geopandas as gpd

    from chengyu.geo.area import ALBERS_CHINA
    from chengyu.geo.zones import zones
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    layer = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    table = zones("districts").table[["code", "geometry"]]
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    if layer.geometry.iloc[0].geom_type == "Point":
        joined = gpd.sjoin(layer[["geometry"]], table, predicate="within", how="inner")
        joined.groupby("code").size()
        what = "sjoin + groupby"
    else:
        pieces = gpd.overlay(layer[["geometry"]].to_crs(ALBERS_CHINA), table.to_crs(ALBERS_CHINA),
                             how="intersection", keep_geom_type=True)
        dissolved = pieces.dissolve(by="code")
        dissolved.area.sum()
        what = "overlay + dissolve"
    t.append(time.perf_counter())
    peak.append(_peak_mb())
    names = ["import geopandas", "read", "zones('districts')", what]
    return {"times": {n: b - a for n, a, b in zip(names, t[:-1], t[1:], strict=True)},
            "peaks": dict(zip(names, peak, strict=True))}


def child_read(path: str, how: str) -> dict[str, float]:
    t0 = time.perf_counter()
    import geopandas as gpd
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyogrio
    import shapely

    from chengyu.geo.layers import read_layer
    t1 = time.perf_counter()
    if how == "read_layer":
        read_layer(path)
    elif how == "geopandas.read_file":
        gpd.read_file(path)
    elif how == "pyogrio.read_dataframe(use_arrow=True)":
        pyogrio.read_dataframe(path, use_arrow=True)
    elif how == "geopandas.read_parquet":
        gpd.read_parquet(path)
    elif how.startswith("arrow + numpy WKB points + shapely.points"):
        if how.endswith("GC paused"):
            import gc
            gc.disable()
        if path.endswith(".parquet"):
            col = pq.read_table(path, columns=["geometry"]).column("geometry").combine_chunks()
        else:
            meta, table = pyogrio.read_arrow(path, columns=[])
            col = table.column(meta["geometry_name"] or "wkb_geometry").combine_chunks()
        width = np.int64 if pa.types.is_large_binary(col.type) else np.int32
        off = np.frombuffer(col.buffers()[1], dtype=width)[col.offset:col.offset + len(col) + 1]
        rec = np.frombuffer(col.buffers()[2], dtype=np.uint8)[off[0]:off[-1]].reshape(-1, 21)
        assert (np.diff(off) == 21).all() and (rec[:, 0] == 1).all()  # little-endian 2D points
        shapely.points(rec[:, 5:].copy().view("<f8"))
    else:
        raise ValueError(how)
    return {"times": {"imports": t1 - t0, how: time.perf_counter() - t1}, "peaks": {how: _peak_mb()}}


# --------------------------------------------------------------------------- parent


def measure(args: list[str], repeats: int) -> tuple[dict[str, float], dict[str, float], float, float]:
    """Median stage times and peak MB after each stage, median wall time and peak MB of the child."""
    from run import run_child
    runs = [run_child([sys.executable, str(Path(__file__).resolve()), "--child", *args]) for _ in range(repeats)]
    times = {k: statistics.median(r.doc["times"][k] for r in runs) for k in runs[0].doc["times"]}
    peaks = {k: statistics.median(r.doc["peaks"][k] for r in runs) for k in runs[0].doc["peaks"]}
    return times, peaks, statistics.median(r.wall for r in runs), statistics.median(r.peak_mb for r in runs)


def report_for(kind: str, fmt: str, path: Path, repeats: int) -> list[str]:
    lines = [f"**{kind}, {'GeoParquet' if fmt == 'parquet' else 'GeoPackage'}** ({path.name})", ""]
    lines += ["| process | stage | seconds | peak MB so far |", "|---|---|---|---|"]
    for side in ("ours", "baseline"):
        times, peaks, wall, peak = measure([side, str(path)], repeats)
        for name, sec in times.items():
            lines.append(f"| {side} | {name} | {sec:.2f} | {peaks[name]:,.0f} |")
        lines.append(f"| {side} | interpreter start-up, teardown, rest | {wall - sum(times.values()):.2f} | |")
        lines.append(f"| {side} | **whole process** | **{wall:.2f}** | **{peak:,.0f}** |")
    lines += ["", "| read path (fresh process, after imports) | seconds | peak MB |", "|---|---|---|"]
    paths = ["read_layer"]
    paths += (["geopandas.read_parquet"] if fmt == "parquet"
              else ["geopandas.read_file", "pyogrio.read_dataframe(use_arrow=True)"])
    if kind == "points":
        paths += ["arrow + numpy WKB points + shapely.points",
                  "arrow + numpy WKB points + shapely.points, GC paused"]
    for how in paths:
        times, _, _, peak = measure(["read", str(path), how], repeats)
        lines.append(f"| {how} | {times[how]:.2f} | {peak:,.0f} |")
    return lines + [""]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, path, *rest = sys.argv[2:]
        if mode == "ours":
            out = child_ours(path)
        elif mode == "baseline":
            out = child_baseline(path)
        else:
            out = child_read(path, rest[0])
        json.dump(out, sys.stdout)
        if mode == "ours":  # as the console script (chengyu.cli.main:run) ends: no heap teardown
            sys.stdout.flush()
            os._exit(0)
        return 0
    from run import FULL, QUICK
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="points,polygons")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 3)
    print("\n".join(stage_lines(args.kinds.split(","), sizes, args.seed, repeats)))
    return 0


def stage_lines(kinds: list[str], sizes: dict[str, int], seed: int, repeats: int) -> list[str]:
    import synth
    lines = []
    for kind in kinds:
        for fmt, path in synth.ensure(kind, sizes[kind], seed).items():
            lines += report_for(kind, fmt, path, repeats)
            print(f"stages: {kind} {fmt} done", file=sys.stderr, flush=True)
    return lines


if __name__ == "__main__":
    sys.exit(main())
