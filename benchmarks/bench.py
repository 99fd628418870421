"""Every benchmark, one table: ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``).

Each scenario measures ours and a baseline side by side in the same run, alternating, and reports
medians — these machines are shared and noisy, so no figure is compared with one from another day.
The table goes to stdout and, with the date and the machine, to ``benchmarks/RESULTS.md``.

- covered area (``run.py``): ``chengyu area LAYER`` against a plain geopandas script, whole process
  against whole process, on seeded synthetic layers of 10k, 100k and 1M points, building-sized
  polygons and dense (heavily overlapping) service areas (GeoParquet), plus the full sizes as
  GeoPackage; time and peak memory; growth 100k → 1M (a baseline run past ``run.BASELINE_TIMEOUT``
  is stopped and reported as "> timeout");
- maps (``maps_bench.py``): bytes, draw time in headless Chromium and build time against
  ``GeoDataFrame.explore()`` of the same units with the same inlined Leaflet;
- dask engine (``dask_bench.py``, with the ``[dask]`` extra): beside the in-process engine;
- bombs (``bombs_bench.py``): files made to explode a reader (zip and KMZ bombs, nesting, folders):
  exit code, time, and memory against the budget of 20 × the file's size + 500 MB;
- big layers (``biglayers_bench.py``): ``chengyu map --layer`` with 100,000 polygons and 1,000,000
  points against ``explore()`` of the same layer: build time and memory, page size, time to the
  layer on screen and zoom/pan steps in headless Chromium.

``--quick`` runs small sizes with one repeat, as a smoke test, and writes nothing (no bombs).
``--only area`` (or ``maps``, ``dask``, ``bombs``, ``big``, comma-separated) runs those parts only; the rows
of the others are carried over from the RESULTS.md being replaced, marked with the date of the run
that measured them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import biglayers_bench  # noqa: E402
import bombs_bench  # noqa: E402
import maps_bench  # noqa: E402
import run  # noqa: E402

SIZES = {"points": (10_000, 100_000, 1_000_000), "polygons": (10_000, 100_000, 1_000_000),
         "dense": (10_000, 100_000, 1_000_000)}
QUICK_SIZES = {"points": (2_000, 20_000), "polygons": (500, 2_000), "dense": (500, 2_000)}
PARTS = ("area", "maps", "dask", "bombs", "big")
# the first words of each part's rows in the table (to carry them over when a part is not run)
ROW_PREFIXES = {"area": ("covered area", "  peak memory", "  figures disagree", "growth"),
                "maps": ("map:",), "dask": ("dask",), "bombs": ("bomb:", "  says:"),
                "big": ("big layer:", "  big layer")}
DRAW_LOADS = 15  # page loads of each map page: cheap, and noisy one by one


@dataclass
class Line:
    scenario: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: str


def covered_area_lines(quick: bool, repeats: int, seed: int) -> tuple[list[Line], list[str]]:
    sizes = QUICK_SIZES if quick else SIZES
    cases = [(kind, "parquet", n) for kind in sizes for n in sizes[kind]]
    if not quick:
        cases += [(kind, "gpkg", run.FULL[kind]) for kind in sizes]
    scenarios = run.measure(cases, seed, repeats)
    lines, details = [], run.table(scenarios, quick=quick)
    for s in scenarios:
        o, b = run.median(s.ours, "wall"), run.median(s.base, "wall")
        om, bm = run.median(s.ours, "peak_mb"), run.median(s.base, "peak_mb")
        fmt = "GeoParquet" if s.fmt == "parquet" else "GeoPackage"
        name = f"{s.n:,} {run.LABEL[s.kind]} ({fmt})"
        full = s.n == run.FULL[s.kind]
        target = run.TARGET[s.kind]
        stopped = run.timed_out(s.base)
        base_time = f"{run.at_least(s.base, b)} s" + (" (stopped)" if stopped else "")
        lines.append(Line(f"covered area, {name}", f"{o:.2f} s", base_time,
                          f"{run.at_least(s.base, b / o)}× faster", f"≥ {target:g}× at full size" if full else "–",
                          ("yes" if b / o >= target else "NO") if full and not quick else "–"))
        lines.append(Line(f"  peak memory, {name}", f"{om:,.0f} MB", f"{run.at_least(s.base, bm, '{:,.0f}')} MB",
                          f"{om / bm:.2f}" if not stopped else f"< {om / bm:.2f}", "≤ 1.0" if full else "–",
                          ("yes" if om <= bm else "NO") if full and not quick else "–"))
        if s.problems:
            lines.append(Line(f"  figures disagree, {name}", "", "", "", "agree", "NO"))
        elif stopped:
            lines.append(Line(f"  figures, {name}", "", "", "", "agree",
                              "not compared: the baseline was stopped"))
    for kind, ns in sizes.items():
        if len(ns) < 3:
            continue
        by_n = {s.n: s for s in scenarios if s.kind == kind and s.fmt == "parquet"}
        small, big = by_n[ns[1]], by_n[ns[2]]
        growth = run.median(big.ours, "wall") / run.median(small.ours, "wall")
        base_growth = run.median(big.base, "wall") / run.median(small.base, "wall")
        lines.append(Line(f"growth {ns[1]:,} → {ns[2]:,} {run.LABEL[kind]} (time ×)", f"{growth:.1f}×",
                          f"{run.at_least(big.base, base_growth, '{:.1f}')}×",
                          f"{growth / (ns[2] / ns[1]):.2f} of linear", "≤ linear (10×)",
                          "yes" if growth <= ns[2] / ns[1] else "NO"))
    return lines, details


def maps_lines(repeats: int, loads: int) -> list[Line]:
    out = []
    for r in maps_bench.measure(repeats, loads):
        fmt = "{:,.0f}" if r.unit in ("bytes", "ms") else "{:.2f}"
        out.append(Line(f"map: {r.scenario}", f"{fmt.format(r.ours)} {r.unit}", f"{fmt.format(r.baseline)} {r.unit}",
                        f"{r.ratio:.2f}", r.target, maps_bench.met_label(r.met)))
    return out


def big_lines(quick: bool, repeats: int) -> list[Line]:
    out = []
    for what, ours, base, target, met in biglayers_bench.rows(biglayers_bench.measure(repeats, quick)):
        indent = "  " if what.startswith("  ") else ""
        out.append(Line(f"{indent}big layer: {what.strip()}", ours, base, "–", target, met if not quick else "–"))
    return out


def dask_lines(quick: bool, repeats: int) -> tuple[list[Line], list[str]]:
    if importlib.util.find_spec("dask_geopandas") is None:
        return [Line("dask engine", "–", "–", "–", "needs the [dask] extra", "skipped")], []
    import dask_bench  # not "distributed.py": that name would shadow dask's own package

    try:
        return dask_bench.bench_lines(quick=quick, repeats=repeats, line=Line)
    except Exception as err:  # a cluster that fails to start must not lose the other rows
        problem = " ".join(f"{type(err).__name__}: {err}".split())[:200]
        return [Line("dask engine", "–", "–", "–", "equal figures (1e-9)", f"not measured ({problem})")], []


def carried_rows(old: str, parts: list[str]) -> list[str]:
    """The table rows of ``parts`` in an earlier RESULTS.md, marked † and tagged with the date they
    were measured (a row carried over twice keeps its first date)."""
    if not parts:
        return []
    match = re.search(r"^Run (.+?) with ", old, flags=re.MULTILINE)
    when = match.group(1) if match else "an earlier date"
    # rows an older file carried without a date of their own: its one "carried over from" date
    before = re.search(r"carried over from the run of (.+?)\.$", old, flags=re.MULTILINE)
    prefixes = tuple(p for part in parts for p in ROW_PREFIXES[part])
    rows = []
    for row in old.split("\n## ", 1)[0].splitlines():  # the first table only
        scenario = row[2:].removeprefix("† ") if row.startswith("| ") else ""
        if not scenario.startswith(prefixes):
            continue
        cells = scenario.split(" | ")
        if not re.search(r" \[measured [^]]+\]$", cells[0]):
            carried_before = row.startswith("| † ") and before is not None
            cells[0] += f" [measured {before.group(1) if carried_before else when}]"
        rows.append("| † " + " | ".join(cells))
    return rows


def _carried_section(old: str, title: str) -> list[str]:
    """The section ``title`` of an earlier RESULTS.md, headed with the date it was measured."""
    heading = re.search(rf"^## {re.escape(title)}( \(† [^)]+\))?$", old, flags=re.MULTILINE)
    if heading is None:
        return []
    match = re.search(r"^Run (.+?) with ", old, flags=re.MULTILINE)
    dated = heading.group(0) if heading.group(1) else f"## {title} († {match.group(1) if match else 'earlier'})"
    body = old[heading.end():].split("\n## ", 1)[0].split(run.NOTES_MARKER, 1)[0].strip("\n")
    return [dated, "", body, ""]


def render(lines: list[Line]) -> list[str]:
    out = ["| scenario | ours | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    out += [f"| {x.scenario} | {x.ours} | {x.baseline} | {x.ratio} | {x.target} | {x.met} |" for x in lines]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat; writes nothing")
    parser.add_argument("--repeats", type=int, default=None, help="runs of each side (default 3; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default=",".join(PARTS),
                        help="the parts to run, comma-separated: area, maps, dask, bombs, big (default: all); the "
                             "others' rows are carried over from the RESULTS.md being replaced")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if not parts or set(parts) - set(PARTS):
        parser.error(f"--only takes some of {', '.join(PARTS)}")

    area, area_details = covered_area_lines(args.quick, repeats, args.seed) if "area" in parts else ([], [])
    drawn = maps_lines(max(repeats, 5), loads=1 if args.quick else DRAW_LOADS) if "maps" in parts else []
    dask, dask_details = dask_lines(args.quick, repeats) if "dask" in parts else ([], [])
    bombs = bombs_bench.bench_lines(repeats, Line) if "bombs" in parts and not args.quick else []
    big = big_lines(args.quick, repeats) if "big" in parts else []
    old = (HERE / "RESULTS.md").read_text() if (HERE / "RESULTS.md").exists() else ""
    carried = carried_rows(old, [p for p in PARTS if p not in parts])
    lines = render(area + drawn + dask + bombs + big) + carried
    print("\n" + "\n".join(lines))
    if args.quick:
        return 0
    m = run.machine()
    command = "make bench" if os.environ.get("MAKELEVEL") else "python benchmarks/bench.py " + " ".join(sys.argv[1:])
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = [
        "# Benchmarks",
        "",
        f"Run {now} with `{command}` on {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}, "
        f"Python {m['python']}. Every row measures ours and its baseline in the same run, alternating; "
        f"medians of {repeats} runs (map builds: {max(repeats, 5)}; draw times: {DRAW_LOADS} page loads each). "
        "The machine is shared and noisy: read ratios, not single times.",
        "",
        *([f"Only {', '.join(parts)} run this time (`--only`); the rows marked † are carried over from "
           "earlier runs, each with the date it was measured.", ""] if carried else []),
        f"Libraries: {run.versions()}.",
        "",
        *lines,
        "",
        "Ratios: covered area is baseline ÷ ours (higher is better); maps are ours ÷ baseline (lower is "
        "better). Baselines: covered area — `benchmarks/baseline.py` (geopandas `read_file`/`read_parquet`, "
        "`overlay` + `dissolve` for polygons, `sjoin` + `groupby` for points); maps — `benchmarks/"
        "explore_pages.py` (`GeoDataFrame.explore()` of the same units, saved with the same inlined Leaflet).",
        "",
    ]
    for title, details in (("Covered area, in detail", area_details), ("Dask engine, in detail", dask_details)):
        text += [f"## {title}", "", *details, ""] if details else _carried_section(old, title)
    notes = old.split(run.NOTES_MARKER, 1)[1] if run.NOTES_MARKER in old else "\n"
    text += [run.NOTES_MARKER + notes]
    (HERE / "RESULTS.md").write_text("\n".join(text))
    print(f"wrote {HERE / 'RESULTS.md'}")
    done = area + drawn + dask + bombs + big
    return 0 if all(x.met not in ("NO",) and not x.met.startswith("not measured") for x in done) else 1


if __name__ == "__main__":
    sys.exit(main())
