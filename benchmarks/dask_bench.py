"""Benchmark the dask engine (``geo.coverage.dask``) beside the in-process engine, on the same layers.

    .venv/bin/python benchmarks/dask_bench.py            # 1,000,000 points, 100,000 polygons, 5 repeats
    .venv/bin/python benchmarks/dask_bench.py --quick    # small layers, one repeat (a smoke test)

Needs the ``[dask]`` extra. For each scenario (points or polygons; GeoParquet as ``synth.py`` writes
it, in one row group; the same GeoParquet rewritten in row groups of 125,000 rows; GeoPackage) it
times, alternating, median of N runs each after an untimed warm-up:

- in-process: ``read_layer`` then ``covered_area``, in this process (imports done);
- dask, warm: ``cover_layer_dask`` on a LocalCluster of ``--workers`` single-threaded worker
  processes that is already running (what a long-lived cluster, or ``--scheduler``, costs);
- dask, cold: ``covered_area_dask`` starting and closing its own LocalCluster, as
  ``chengyu area LAYER --engine dask`` without ``--scheduler`` does;

checks that every figure agrees with the in-process engine's to 1e-9 relative, and reports working
memory: the peak (VmHWM) of a fresh process running the in-process engine less its peak after the
imports, and the peak of the largest dask worker (a fresh cluster for each scenario) less its
peak after a warm-up run on a 5-point layer (its imports). A last scenario (``--memory-points``,
4,000,000 points in row groups, one run of each engine) shows how each engine's memory grows with
the layer. Nothing is written: the table and the verdict are printed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Not called distributed.py: as a script, its folder comes first on sys.path (here and in the
# worker processes, which inherit it), and `import distributed` would import this file.
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402
from run import FULL, QUICK  # noqa: E402  (the same layer sizes as the covered-area benchmark)
from run import machine as machine_info  # noqa: E402

from chengyu.geo.coverage import covered_area  # noqa: E402
from chengyu.geo.layers import read_layer  # noqa: E402
from chengyu.geo.zones import zones  # noqa: E402

ROW_GROUP = 125_000  # rows per row group of the "GeoParquet, row groups" files
FORMATS = {"parquet": "GeoParquet, 1 row group", "parquet-rg": "GeoParquet, row groups", "gpkg": "GeoPackage"}
REL = 1e-9


@dataclass
class Scenario:
    kind: str
    fmt: str
    n: int
    path: Path
    # seconds of each run, by side: "inproc", "warm" (dask, warm cluster), "cold" (dask, own cluster)
    times: dict[str, list[float]] = field(default_factory=lambda: {"inproc": [], "warm": [], "cold": []})
    inproc_mb: float = math.nan  # peak memory of a fresh process, less what it had after its imports
    worker_mb: float = math.nan  # the largest worker's peak, less what it had after a warm-up on 5 points
    timed: bool = True  # False: the memory scenario, one run of each engine
    partitions: int = 0
    tiles: int = 0
    problems: list[str] = field(default_factory=list)


def row_grouped(path: Path, rows: int) -> Path:
    """The GeoParquet file rewritten with row groups of ``rows`` (cached beside it)."""
    import geopandas as gpd

    out = path.with_name(f"{path.stem}-rg{rows}.parquet")
    if not out.exists():
        tmp = out.with_name(f".tmp-{out.name}")
        gpd.read_parquet(path).to_parquet(tmp, row_group_size=rows)
        tmp.replace(out)
    return out


def big_points(n: int, seed: int) -> Path:
    """``synth``'s points, ``n`` of them, as GeoParquet in row groups (GeoParquet only: cached)."""
    out = synth.DATA / f"points-{n}-seed{seed}-v{synth.VERSION}-rg{ROW_GROUP}.parquet"
    if not out.exists():
        synth.DATA.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".tmp-{out.name}")
        synth.make_points(n, seed).to_parquet(tmp, row_group_size=ROW_GROUP)
        tmp.replace(out)
    return out


def in_process(path: Path, zs):  # type: ignore[no-untyped-def]
    return covered_area(read_layer(path).gdf, zs)


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB.

    Not ``getrusage``'s ``ru_maxrss``: on Linux that keeps the high-water mark of the process image
    before ``exec``, i.e. of the parent it was forked from (this benchmark, with its layers
    loaded), in every child and in every worker process spawned from it.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def inproc_run(path: Path, kind: str) -> tuple[float, float]:
    """Seconds and working memory (MB) of a fresh process running the in-process engine on ``path``.

    Working memory: the peak (VmHWM) less the peak after the imports and the zones.
    """
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); "
            "from chengyu.geo import covered_area, read_layer, zones; "
            "hwm = lambda: int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:'))); "
            "z = zones(sys.argv[3]); base = hwm(); t = time.perf_counter(); "
            "covered_area(read_layer(sys.argv[2]).gdf, z); print(time.perf_counter() - t, hwm() - base)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(path), kind],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, kb = out.stdout.split()[-2:]
    return float(seconds), int(kb) / 1024


def compare(cov, ref) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for col in ("covered_km2", "covered_pct", "length_km", "per_km2"):
        a, b = cov.table[col].to_numpy(float), ref.table[col].to_numpy(float)
        bad = np.abs(a - b) > REL * np.maximum(np.abs(a), np.abs(b)) + 1e-12
        problems += [f"{ref.table['code'].iloc[i]} {col}: {a[i]!r} vs {b[i]!r}" for i in np.flatnonzero(bad)]
    if cov.table["count"].tolist() != ref.table["count"].tolist():
        problems.append("counts differ")
    for name in ("total", "outside", "layer_totals"):
        got, want = getattr(cov, name), getattr(ref, name)
        for key, value in want.items():
            if abs(got[key] - value) > REL * max(abs(got[key]), abs(value)) + 1e-12:
                problems.append(f"{name}[{key}]: {got[key]!r} vs {value!r}")
    return problems


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def med(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def table(scenarios: list[Scenario]) -> list[str]:
    lines = ["| scenario | in-process (s) | dask, warm cluster (s) | dask / in-process | dask, own cluster (s) "
             "| dask / in-process | partitions | tiles | in-process working MB | largest worker working MB "
             "| agree |",
             "|" + "---|" * 11]
    for s in scenarios:
        i, w, c = med(s.times["inproc"]), med(s.times["warm"]), med(s.times["cold"])
        cold = f"{c:.2f} | {c / i:.2f}×" if s.times["cold"] else "– | –"
        name = f"{s.n:,} {s.kind}, {FORMATS[s.fmt]}" + ("" if s.timed else " (memory; one run each)")
        agree = "not compared" if not s.timed else "yes" if not s.problems else "NO"
        lines.append(f"| {name} | {i:.2f} | {w:.2f} | {w / i:.2f}× | {cold} "
                     f"| {s.partitions} | {s.tiles} | {s.inproc_mb:,.0f} | {s.worker_mb:,.0f} "
                     f"| {agree} |")
    return lines


def verdict(scenarios: list[Scenario], workers: int) -> list[str]:
    def span(ratios: list[float]) -> str:
        return f"{min(ratios):.2f}×" if len(ratios) == 1 else f"{min(ratios):.2f}×–{max(ratios):.2f}×"

    memory = [s for s in scenarios if not s.timed]
    scenarios = [s for s in scenarios if s.timed]
    parts = []
    for kind in dict.fromkeys(s.kind for s in scenarios):
        ratios = [med(s.times["warm"]) / med(s.times["inproc"]) for s in scenarios if s.kind == kind]
        word = "slower" if all(r > 1 for r in ratios) else "faster" if all(r < 1 for r in ratios) else "as fast"
        parts.append(f"{word} on {kind} ({span(ratios)} the in-process time)")
    cold = [med(s.times["cold"]) / med(s.times["inproc"]) for s in scenarios if s.times["cold"]]
    lines = [f"On this machine ({os.cpu_count()} cores, {workers} dask workers), on a running cluster the dask "
             f"engine is {' and '.join(parts)}."
             + (f" Starting a cluster of its own, as `chengyu area --engine dask` without --scheduler does, "
                f"costs more than that on every run: {span(cold)} the in-process time." if cold else "")]
    lines.append("Why: the in-process engine is already vectorised and takes about a second here. The dask "
                 "engine pays for scheduling several rounds of tasks, for moving partitions and polygon pieces "
                 "between processes (as WKB), for measuring every partition against the zones afresh (points: "
                 "the grid cells of the zones are classified once per partition, not once) and for cutting "
                 "polygons at tile edges; two cores win back part of that on polygons, where the work per "
                 "feature is large, and not on points, where reading dominates. A cluster of its own costs "
                 "1.5-3 s more: starting worker processes that import geopandas. The machine is shared and "
                 "noisy, so single runs vary by ±20%.")
    growth = ""
    points = sorted((s for s in [*scenarios, *memory] if s.kind == "points" and s.fmt == "parquet-rg"),
                    key=lambda s: s.n)
    if len(points) >= 2:
        a, b = points[0], points[-1]
        growth = (f" Measured: from {a.n:,} to {b.n:,} points (GeoParquet in row groups) the in-process "
                  f"engine's working memory went from {a.inproc_mb:,.0f} to {b.inproc_mb:,.0f} MB, the largest "
                  f"worker's from {a.worker_mb:,.0f} to {b.worker_mb:,.0f} MB.")
    lines.append("What it buys: a worker holds the partitions it is measuring (whole GeoParquet row groups, "
                 "a range of GeoPackage features, about 250,000 features each) one after the other, and its "
                 "share of the polygons between cutting them into tiles and measuring the tiles (which dask "
                 "spills to disk when a worker runs short of memory); never the whole layer. Its working "
                 "memory follows the partition size, not the layer's, so layers bigger than one machine's "
                 "memory can be measured, and with --scheduler the same code runs on many machines at once."
                 + growth + " A GeoParquet file written in one row group is one partition read by one task: "
                 "write big layers with row groups (or as a folder of files) for the read to be split too.")
    return lines


def machine() -> str:
    m = machine_info()
    return f"{m['nproc']} CPUs, {m['os']}, Python {m['python']}"


def versions() -> str:
    import dask
    import dask_geopandas
    import distributed
    import geopandas
    import shapely

    return (f"dask {dask.__version__}, distributed {distributed.__version__}, dask-geopandas "
            f"{dask_geopandas.__version__}, geopandas {geopandas.__version__}, shapely {shapely.__version__}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small layers, one repeat (a smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of each engine per scenario (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="points,polygons")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--zones", default="districts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-cold", action="store_true", help="skip the runs that start their own cluster")
    parser.add_argument("--memory-points", type=int, default=4_000_000,
                        help="points in the memory scenario (GeoParquet in row groups; one run of each "
                             "engine); 0 to skip it")
    return parser.parse_args(argv)


def run_scenarios(args: argparse.Namespace) -> list[Scenario]:
    import chengyu.geo.coverage.dask as gd

    sizes = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 5)
    zs = zones(args.zones)
    print(f"{machine()}; {versions()}", flush=True)
    print(f"zones: {args.zones} ({len(zs.table)}); {repeats} run(s) of each engine per scenario", flush=True)

    scenarios: list[Scenario] = []
    for kind in args.kinds.split(","):
        paths = synth.ensure(kind, sizes[kind], args.seed)
        for fmt in args.formats.split(","):
            path = row_grouped(paths["parquet"], min(ROW_GROUP, sizes[kind] // 8)) if fmt == "parquet-rg" \
                else paths[fmt]
            scenarios.append(Scenario(kind, fmt, sizes[kind], path))
    if args.memory_points and not args.quick:
        scenarios.append(Scenario("points", "parquet-rg", args.memory_points,
                                  big_points(args.memory_points, args.seed), timed=False))

    tiny = ROOT / "tests" / "data" / "points.parquet"
    for s in scenarios:
        # A cluster of its own for each scenario (the cluster covered_area_dask would start): fresh
        # worker processes, so their peak memory is this scenario's. client.restart() between
        # scenarios hung in two full runs on this shared machine (the workers never came back).
        with gd.local_client(args.workers) as client:
            gd.cover_layer_dask(tiny, zs, client=client)  # the workers' imports
            base = max(client.run(_peak_mb).values())
            ref = in_process(s.path, zs) if s.timed else None
            if repeats > 1 and s.timed:  # warm-up: page cache, .pyc files
                gd.cover_layer_dask(s.path, zs, client=client)
            for i in range(repeats if s.timed else 1):
                order = ("inproc", "warm", "cold") if i % 2 == 0 else ("cold", "warm", "inproc")
                for side in order:
                    if side == "inproc":
                        if s.timed:
                            t, _ = timed(lambda s=s: in_process(s.path, zs))
                        else:  # in a process of its own: this one stays small
                            t, s.inproc_mb = inproc_run(s.path, args.zones)
                    elif side == "warm":
                        t, run = timed(lambda s=s: gd.cover_layer_dask(s.path, zs, client=client))
                        s.partitions, s.tiles = run.partitions, run.tiles
                        if ref is not None:
                            s.problems = compare(run.coverage, ref)
                    elif args.no_cold or not s.timed:
                        continue
                    else:
                        t, cov = timed(lambda s=s: gd.covered_area_dask(s.path, zs, n_workers=args.workers))
                        s.problems += compare(cov, ref)
                    s.times[side].append(t)
                    print(f"  {s.n:,} {s.kind}, {FORMATS[s.fmt]}: {side} {t:.2f} s", flush=True)
            s.worker_mb = max(client.run(_peak_mb).values()) - base
            if s.timed:
                s.inproc_mb = inproc_run(s.path, args.zones)[1]
            print(f"  working memory: in-process {s.inproc_mb:,.0f} MB, largest worker {s.worker_mb:,.0f} MB "
                  f"(its imports: {base:,.0f} MB)", flush=True)
            for p in s.problems[:10]:
                print(f"  DISAGREE {p}", flush=True)

    return scenarios


def bench_lines(*, quick: bool, repeats: int, line):  # type: ignore[no-untyped-def]
    """Rows for ``benchmarks/bench.py``'s table (dask on a running cluster vs in-process), and details."""
    args = parse(["--quick"] if quick else [])
    args.repeats = repeats
    scenarios = run_scenarios(args)
    rows = []
    for s in scenarios:
        name = f"{s.n:,} {s.kind}, {FORMATS[s.fmt]}"
        if s.timed:
            i, w = med(s.times["inproc"]), med(s.times["warm"])
            rows.append(line(f"dask engine (running cluster, {args.workers} workers), {name}", f"{w:.2f} s",
                             f"{i:.2f} s in-process", f"{w / i:.2f}", "equal figures (1e-9)",
                             "yes" if not s.problems else "NO"))
        else:
            rows.append(line(f"dask engine memory, {name}", f"{s.worker_mb:,.0f} MB largest worker",
                             f"{s.inproc_mb:,.0f} MB in-process", f"{s.worker_mb / s.inproc_mb:.2f}",
                             "bounded per partition", "–"))
    return rows, [*table(scenarios), "", *verdict(scenarios, args.workers)]


def main() -> int:
    args = parse()
    scenarios = run_scenarios(args)
    print()
    print("\n".join(table(scenarios)))
    print()
    print("\n\n".join(verdict(scenarios, args.workers)))
    return 0 if all(not s.problems for s in scenarios) else 1


if __name__ == "__main__":
    sys.exit(main())
