"""Memory and time of ``chengyu area BOMB`` on files made to explode a reader (issue: hardening).

    .venv/bin/python benchmarks/bombs_bench.py           # writes nothing, prints the table
    (make bench runs it and puts its rows in RESULTS.md)

Each bomb is generated here (seeded, deterministic; cached under ``benchmarks/.data/bombs/``):

- a 1.6 MB KMZ whose KML unpacks to ~760 MB (one line string of one repeated vertex);
- a 0.7 MB zipped shapefile whose members unpack to ~650 MB (10,000 records of 255 text fields);
- a 2 MB CSV of WKT collections nested 20,000 levels deep;
- a KML with 5,000 folders;
- the zipped shapefile again with the unzip limit lifted (``CHENGYU_MAX_UNZIP_RATIO``), so that
  only the command's memory budget stands between it and the machine's memory.

For each: the exit code (2 expected), wall time, the child's peak RSS (``os.wait4``), and that
peak beyond the peak of ``chengyu area`` without a layer (what the process holds anyway),
against the budget the README promises: 20 × the file's size + 500 MB.
"""

from __future__ import annotations

import statistics
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

CACHE = HERE / ".data" / "bombs"
MB = 2**20


def _entry(name: str) -> zipfile.ZipInfo:
    """A deflated zip member with a fixed date (a ZipInfo is stored uncompressed unless told)."""
    info = zipfile.ZipInfo(name, (2021, 10, 20, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _kmz(path: Path, megabytes: int = 760) -> None:
    vertex = b"106.3,29.6,0 "
    chunk = vertex * (MB // len(vertex))
    with zipfile.ZipFile(path, "w") as zf, zf.open(_entry("doc.kml"), "w") as fh:
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                 b"<Document><Placemark><LineString><coordinates>")
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(b"</coordinates></LineString></Placemark></Document></kml>")


def _shapefile_zip(path: Path, records: int = 10_000, fields: int = 255) -> None:
    """Point records, all at one place, with 255 text fields of 254 times "x": a .dbf of 65 KB a
    record that deflates about 1000:1, and 2.5 million strings of 254 characters once read."""
    content = struct.pack("<i2d", 1, 106.3, 29.6)
    bbox = struct.pack("<4d", 106.3, 29.6, 106.3, 29.6) + b"\0" * 32

    def header(length_words: int) -> bytes:
        return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_words) + struct.pack("<2i", 1000, 1) + bbox

    width = 254
    dbf_head = struct.pack("<4BIHH", 3, 121, 10, 20, records, 32 + 32 * fields + 1, 1 + width * fields) + b"\0" * 20
    dbf_head += b"".join(f"F{i}".encode().ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([width, 0]) + b"\0" * 14
                         for i in range(fields)) + b"\r"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open(_entry("bomb.shp"), "w") as shp:
            shp.write(header((100 + records * 28) // 2))
            shp.write(b"".join(struct.pack(">2i", i + 1, 10) + content for i in range(records)))
        with zf.open(_entry("bomb.shx"), "w") as shx:
            shx.write(header((100 + records * 8) // 2))
            shx.write(b"".join(struct.pack(">2i", (100 + i * 28) // 2, 10) for i in range(records)))
        with zf.open(_entry("bomb.dbf"), "w") as dbf:
            dbf.write(dbf_head)
            row = b" " + b"x" * (width * fields)  # one byte repeated: deflate's best case
            for _ in range(records):
                dbf.write(row)
            dbf.write(b"\x1a")
        zf.writestr(_entry("bomb.cpg"), "UTF-8")


def _nested_csv(path: Path, depth: int = 20_000, rows: int = 5) -> None:
    wkt = "GEOMETRYCOLLECTION (" * depth + "POINT (106.3 29.6)" + ")" * depth
    path.write_text("name,wkt\n" + "".join(f'r{i},"{wkt}"\n' for i in range(rows)), encoding="utf-8")


def _kml_folders(path: Path, folders: int = 5_000) -> None:
    body = "".join(f"<Folder><name>f{i}</name><Placemark><Point><coordinates>106.3,29.6</coordinates></Point>"
                   "</Placemark></Folder>" for i in range(folders))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                    f"<Document>{body}</Document></kml>", encoding="utf-8")


@dataclass
class Bomb:
    name: str
    file: str
    make: Callable[[Path], None]
    env: dict[str, str]


BOMBS = [
    Bomb("KMZ, 760 MB of KML inside", "line.kmz", _kmz, {}),
    Bomb("zipped shapefile, 650 MB inside", "shapefile.zip", _shapefile_zip, {}),
    Bomb("WKT nested 20,000 levels", "nested.csv", _nested_csv, {}),
    Bomb("KML with 5,000 folders", "folders.kml", _kml_folders, {}),
    Bomb("zipped shapefile, unzip limit lifted", "shapefile.zip", _shapefile_zip,
         {"CHENGYU_MAX_UNZIP_RATIO": "1000000"}),
]


def _file(bomb: Bomb) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / bomb.file
    if not path.exists():
        tmp = path.with_name(path.name + ".part")
        bomb.make(tmp)
        tmp.rename(path)
    return path


def _command(*args: object) -> list[str]:
    return [sys.executable, "-m", "chengyu", "area", *map(str, args)]


def bench_lines(repeats: int, line: Callable[..., object]) -> list[object]:
    """One row a bomb: exit code and message, time, memory beyond the idle command against the budget."""
    idle = statistics.median(run.spawn(_command()).peak_mb for _ in range(repeats))
    out = []
    for bomb in BOMBS:
        path = _file(bomb)
        size_mb = path.stat().st_size / MB
        runs = [run.spawn(_command(path), env=bomb.env) for _ in range(repeats)]
        wall = statistics.median(r.wall for r in runs)
        beyond = max(statistics.median(r.peak_mb for r in runs) - idle, 0.0)
        budget = 20 * size_mb + 500
        codes = sorted({r.code for r in runs})
        said = runs[0].stderr.strip().splitlines()[-1] if runs[0].stderr.strip() else ""
        ok = codes == [2] and beyond <= budget and all(r.stderr.count("\n") == 1 for r in runs)  # one line
        out.append(line(f"bomb: {bomb.name} ({size_mb:,.1f} MB)", f"exit {codes}, {wall:.1f} s, +{beyond:,.0f} MB",
                        "–", f"{beyond / budget:.2f} of budget", f"≤ {budget:,.0f} MB (20× + 500)",
                        "yes" if ok else "NO"))
        out.append(line(f"  says: {said.split(': ', 2)[-1][:110]}", "", "", "", "", ""))
    return out


def main() -> int:
    from bench import Line, render

    lines = bench_lines(3, Line)
    print("\n".join(render(lines)))  # type: ignore[arg-type]
    return 0 if all(x.met != "NO" for x in lines) else 1  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
