"""Benchmark ``chengyu area LAYER`` against a plain geopandas script, whole process against whole process.

    .venv/bin/python benchmarks/run.py            # full sizes: 1,000,000 points, 100,000 polygons of each kind
    .venv/bin/python benchmarks/run.py --quick    # smoke test: small layers, one repeat

For each scenario (points, sparse polygons or dense polygons; GeoParquet or GeoPackage) it runs,
alternating and in the same run, N times each:

- ours: ``chengyu area LAYER --zones districts --format json`` (the console script's entry point,
  ``chengyu.cli.main:run``);
- baseline: ``python benchmarks/baseline.py LAYER`` (geopandas read_file/read_parquet, overlay +
  dissolve for polygons, sjoin + groupby for points),

measures each child's wall time and peak RSS (``os.wait4``'s ``ru_maxrss``, which is the child's
own; a baseline run longer than :data:`BASELINE_TIMEOUT` is stopped there, taken as its result,
and not run again in that scenario), checks that the per-zone figures agree (covered km² to 1e-6
relative, counts exactly), and prints one table of medians. Without ``--quick`` the table, the
date and the machine are written to ``benchmarks/RESULTS.md``. The layers are generated once
(seeded; see ``synth.py``) and cached under ``benchmarks/.data/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

FULL = {"points": 1_000_000, "polygons": 100_000, "dense": 100_000}
QUICK = {"points": 20_000, "polygons": 2_000, "dense": 2_000}
TARGET = {"points": 2.0, "polygons": 3.0, "dense": 5.0}  # baseline / ours, whole process
LABEL = {"points": "points", "polygons": "polygons", "dense": "dense polygons"}
# A baseline run taking longer is stopped and reported as "> BASELINE_TIMEOUT s" (the 1M dense
# layer's overlay + dissolve).
BASELINE_TIMEOUT = 600.0
REL_TOL = 1e-6
NOTES_MARKER = "<!-- notes: written by hand, kept when run.py rewrites the file above -->"


@dataclass
class Run:
    wall: float
    peak_mb: float
    doc: dict | None  # None when stopped at its timeout
    timed_out: bool = False


@dataclass
class Scenario:
    kind: str
    fmt: str
    n: int
    ours: list[Run] = field(default_factory=list)
    base: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Child:
    """What one child process did: exit code, wall time, its own peak RSS and what it printed."""

    code: int | None  # None when killed at its timeout
    wall: float
    peak_mb: float
    stdout: str
    stderr: str


def spawn(cmd: list[str], timeout: float | None = None, env: dict[str, str] | None = None) -> Child:
    """Run one child process to its end (or kill it after ``timeout`` seconds) and measure it.

    Its peak is ``os.wait4``'s ``ru_maxrss``, the child's own; a child whose peak cannot be told
    from this process's high-water mark is an error.
    """
    full_env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    # A child's ru_maxrss is at least this process's high-water mark when it starts (Linux counts
    # the image it replaces at exec): equal means the child's own peak is hidden under ours.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=full_env)
        timer = threading.Timer(timeout, proc.kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        killed = False
        if timer is not None:
            timer.cancel()
            killed = timer.finished.is_set() and wall >= timeout  # it fired: the child was killed
        out.seek(0)
        err.seek(0)
        child = Child(None if killed else os.waitstatus_to_exitcode(status), timeout if killed else wall,
                      usage.ru_maxrss / 1024, out.read().decode(), err.read().decode())
    if not killed and usage.ru_maxrss <= own:
        raise RuntimeError(f"{' '.join(cmd)}: its peak memory cannot be measured: the benchmark process itself "
                           f"had peaked at {own / 1024:,.0f} MB when it started it")
    return child


def run_child(cmd: list[str], timeout: float | None = None) -> Run:
    """Run one child process; its wall time, its own peak RSS and its JSON output.

    A child still running after ``timeout`` seconds is killed: its wall time is then the timeout,
    its peak the peak it had reached, and it has no output.
    """
    child = spawn(cmd, timeout)
    if child.code is None:
        return Run(child.wall, child.peak_mb, None, timed_out=True)
    if child.code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({child.code}):\n{child.stderr[-2000:]}")
    return Run(child.wall, child.peak_mb, json.loads(child.stdout))


def ours_command(path: Path) -> list[str]:
    """The console script's own entry point, as a user runs it."""
    return [sys.executable, "-m", "chengyu", "area", str(path), "--zones", "districts",
            "--format", "json"]


def baseline_command(path: Path) -> list[str]:
    return [sys.executable, str(HERE / "baseline.py"), str(path), "--zones", "districts"]


def compare(ours: dict, base: dict | None, kind: str) -> list[str]:
    """Differences between the per-zone figures of the two outputs (empty when they agree, and
    when the baseline was stopped at its timeout: nothing to compare)."""
    if base is None:
        return []
    a = {row["code"]: row for row in ours["zones"]}
    b = {row["code"]: row for row in base["zones"]}
    if a.keys() != b.keys():
        return [f"zone codes differ: {sorted(a.keys() ^ b.keys())[:5]}"]
    problems = []
    for code in a:
        if kind == "points":
            if int(a[code]["count"]) != int(b[code]["count"]):
                problems.append(f"{code}: count {a[code]['count']} vs {b[code]['count']}")
        else:
            x, y = float(a[code]["covered_km2"]), float(b[code]["covered_km2"])
            if abs(x - y) > REL_TOL * max(abs(x), abs(y)) + 1e-9:
                problems.append(f"{code}: covered_km2 {x!r} vs {y!r}")
    return problems


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        ram = f"{mem_kb / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        ram = "?"
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": ram,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def versions() -> str:
    code = ("import geopandas, shapely, pyogrio, pyproj, pandas, numpy, pyarrow;"
            "print(f'geopandas {geopandas.__version__}, "
            "shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
            "pyogrio {pyogrio.__version__} (GDAL {pyogrio.__gdal_version_string__}), pyproj {pyproj.__version__}, "
            "pandas {pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()


def median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def timed_out(runs: list[Run]) -> bool:
    return any(r.timed_out for r in runs)


def at_least(runs: list[Run], value: float, fmt: str = "{:.2f}") -> str:
    """``value`` formatted, with "> " before it when the runs were stopped at their timeout."""
    return ("> " if timed_out(runs) else "") + fmt.format(value)


def scenario_name(s: Scenario) -> str:
    return f"{s.n:,} {LABEL[s.kind]}, {'GeoParquet' if s.fmt == 'parquet' else 'GeoPackage'}"


def table(scenarios: list[Scenario], quick: bool = False) -> list[str]:
    head = ("| scenario | ours (s) | baseline (s) | ratio (baseline/ours) | target | ours peak MB "
            "| baseline peak MB | memory ≤ baseline | agree |")
    lines = [head, "|" + "---|" * 9]
    for s in scenarios:
        o, b = median(s.ours, "wall"), median(s.base, "wall")
        om, bm = median(s.ours, "peak_mb"), median(s.base, "peak_mb")
        ratio = b / o
        target = TARGET[s.kind]
        verdict = "n/a (--quick)" if quick else ("met" if ratio >= target else "NOT met")
        stopped = timed_out(s.base)
        agree = "not compared (baseline stopped)" if stopped else ("yes" if not s.problems else "NO")
        lines.append(
            f"| {scenario_name(s)} | {o:.2f} | {at_least(s.base, b)} "
            f"| {at_least(s.base, ratio)}× | ≥ {target:g}× {verdict} | {om:,.0f} | {at_least(s.base, bm, '{:,.0f}')} "
            f"| {'yes' if om <= bm else ('?' if stopped else 'NO')} | {agree} |")
    return lines


def measure(cases: list[tuple[str, str, int]], seed: int, repeats: int) -> list[Scenario]:
    """Run each (kind, format, size) case: ours and the baseline alternating, ``repeats`` times each."""
    scenarios = []
    for kind, fmt, n in cases:
        t = time.perf_counter()
        paths = synth.ensure(kind, n, seed)
        print(f"{kind}: {n:,} ready in {time.perf_counter() - t:.1f} s", flush=True)
        s = Scenario(kind, fmt, n)
        ours_cmd, base_cmd = ours_command(paths[fmt]), baseline_command(paths[fmt])
        if repeats > 1:  # warm the page cache and the .pyc files, untimed
            run_child(ours_cmd)
            warm = run_child(base_cmd, BASELINE_TIMEOUT)
            if warm.timed_out:  # one stopped run is the baseline's result; no more of them
                s.base.append(warm)
                print(f"  {n:,} {kind} {fmt} base: stopped after {BASELINE_TIMEOUT:.0f} s", flush=True)
        for i in range(repeats):
            pair = [("ours", ours_cmd), ("base", base_cmd)]
            for side, cmd in pair if i % 2 == 0 else pair[::-1]:
                if side == "base" and timed_out(s.base):
                    continue
                r = run_child(cmd, BASELINE_TIMEOUT if side == "base" else None)
                getattr(s, side).append(r)
                stopped = " (stopped)" if r.timed_out else ""
                print(f"  {n:,} {kind} {fmt} {side}: {r.wall:.2f} s{stopped}, {r.peak_mb:,.0f} MB", flush=True)
        s.problems = compare(s.ours[-1].doc, s.base[-1].doc, kind)
        for p in s.problems[:10]:
            print(f"  DISAGREE {p}", flush=True)
        scenarios.append(s)
    return scenarios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small layers, one repeat (a smoke test)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs of each side per scenario (default 5; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="points,polygons,dense")
    parser.add_argument("--formats", default="parquet,gpkg")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    parser.add_argument("--no-stages", action="store_true",
                        help="skip the stage-by-stage timings (benchmarks/stages.py) that go into RESULTS.md")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 5)
    print(f"ours: chengyu area (chengyu.cli.main:run); {repeats} run(s) of each side per scenario", flush=True)

    scenarios = measure([(kind, fmt, sizes[kind]) for kind in args.kinds.split(",")
                         for fmt in args.formats.split(",")], args.seed, repeats)

    lines = table(scenarios, quick=args.quick)
    print()
    print("\n".join(lines))
    stage_lines: list[str] = []
    if not args.quick and not args.no_stages:
        import stages
        print("\nstage by stage (3 fresh processes each, medians):", flush=True)
        stage_lines = stages.stage_lines(args.kinds.split(","), sizes, args.seed, 3)
        print("\n".join(stage_lines))
    if not args.quick and not args.no_write:
        write_results(scenarios, lines, repeats, stage_lines)
    return 0 if all(not s.problems for s in scenarios) else 1


def write_results(scenarios: list[Scenario], lines: list[str], repeats: int,
                  stage_lines: list[str]) -> None:
    m = machine()
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "make bench" if os.environ.get("MAKELEVEL") else ".venv/bin/python benchmarks/run.py"
    text = [
        "# Benchmark: `chengyu area LAYER` against plain geopandas",
        "",
        f"Run {now} with `{command}`: whole process against whole process, alternating, "
        f"median of {repeats} runs each (after one untimed warm-up run of each).",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}, Python {m['python']}; "
        "shared and noisy, so single runs vary by ±20%.",
        f"Libraries: {versions()}.",
        "",
        "- ours: `chengyu area LAYER --zones districts --format json` (chengyu.cli.main:run): "
        "`geo.layers.read_layer`, then `geo.coverage.covered_area`, JSON out;",
        "- baseline: `python benchmarks/baseline.py LAYER`: `geopandas.read_file` (GeoPackage) or "
        "`geopandas.read_parquet` (GeoParquet: the GDAL in the pyogrio wheels has no Parquet driver); "
        "polygons `gpd.overlay(how=\"intersection\")` in the equal-area CRS + `dissolve` by zone; "
        "points `gpd.sjoin(predicate=\"within\")` + `groupby().size()`;",
        "- zones: the 221 districts (both sides load them with `geo.zones`); peak = the child's "
        "`ru_maxrss` from `os.wait4`; agree = covered km² per zone within 1e-6 relative, counts exact.",
        "",
        *lines,
        "",
        "Layers (seeded, `benchmarks/synth.py`, EPSG:4490): points and polygons clustered around "
        "Chongqing's central districts and Chengdu, eight smaller cities and a uniform background; "
        "polygons 20–500 m across (median 50 m), 70% rotated rectangles and 30% convex octagons, 2% "
        "centred on district border vertices; about 9% of the polygons overlap another one. Dense "
        "polygons: service areas, circles of radius 200 m to 2 km (65 vertices, as `GeoSeries.buffer` "
        "makes them) around points uniform over Chongqing; at 100,000 their areas add up to 5.6× "
        "Chongqing's and they cover 99.6% of it (at 1,000,000, 56×).",
        "",
    ]
    if stage_lines:
        text += ["## Where the time goes", "",
                 "`benchmarks/stages.py`: each stage timed inside a fresh process (median of 3); "
                 "'peak MB so far' is the process's `ru_maxrss` after the stage.", "", *stage_lines]
    # Hand-written analysis below the marker survives a re-run.
    old = (HERE / "RESULTS.md").read_text() if (HERE / "RESULTS.md").exists() else ""
    text += [NOTES_MARKER + old.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in old else NOTES_MARKER + "\n"]
    (HERE / "RESULTS.md").write_text("\n".join(text))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    sys.exit(main())
