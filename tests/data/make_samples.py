"""Regenerate the sample layers in tests/data/ (good samples) and tests/data/bad/ (broken inputs).

    python tests/data/make_samples.py            # rewrite tests/data in place
    python tests/data/make_samples.py OUTDIR     # write the same files under OUTDIR

Deterministic: the same library versions give byte-identical files. Text formats are written by
hand; GeoPackages get a fixed timestamp (GDAL's OGR_CURRENT_DATE), shapefiles a fixed .dbf date
(DBF_DATE_LAST_UPDATE), zips fixed member dates. GeoPackage and GeoParquet bytes may change with
the GDAL/pyarrow version (tests/test_layers.py compares those by content, the rest by bytes).

All coordinates lie near the Western (Chongqing) Science City: parks in Shapingba (沙坪坝) and
Jiulongpo (九龙坡), sites and a rail line across the Science City's core.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chengyu.geo.chinacrs import wgs84_to_gcj02  # noqa: E402 (after the sys.path line above)

ZIP_DATE = (2021, 10, 20, 0, 0, 0)  # the Master Plan's month
GPKG_DATE = "2021-10-20T00:00:00.000Z"
DBF_DATE = "2021-10-20"

# A few square-ish parks (lon/lat, EPSG:4326), each about 1 km across.
PARKS = [
    # name, district, ring
    ("歌乐山森林公园", "沙坪坝区", [(106.400, 29.560), (106.412, 29.560), (106.412, 29.570),
                                 (106.400, 29.570), (106.400, 29.560)]),
    ("虎溪公园", "沙坪坝区", [(106.300, 29.600), (106.310, 29.600), (106.310, 29.610),
                          (106.300, 29.610), (106.300, 29.600)]),
    # a bow-tie: self-intersecting, repaired into two triangles
    ("彩云湖湿地公园（自相交）", "九龙坡区", [(106.470, 29.500), (106.480, 29.510), (106.480, 29.500),
                                       (106.470, 29.510), (106.470, 29.500)]),
]
# One park with Z (elevation in metres), dropped on reading.
PARK_Z = ("白市驿公园", "九龙坡区", [(106.360, 29.480, 320.0), (106.370, 29.480, 322.5),
                                 (106.370, 29.490, 325.0), (106.360, 29.490, 321.0),
                                 (106.360, 29.480, 320.0)])

# Sites (WGS-84): in Shapingba and Jiulongpo, around the Science City core.
SITES = [
    ("重庆大学虎溪校区", "大学", 106.3030, 29.5960),
    ("西部科学城管委会", "机构", 106.3250, 29.5840),
    ("金凤实验室", "实验室", 106.3560, 29.4050),
    ("重庆高新区创新中心", "园区", 106.3400, 29.4300),
    ("科学谷", "园区", 106.3200, 29.6400),
]

# A planned rail line across the core (WGS-84).
RAIL = [(106.300, 29.640), (106.320, 29.600), (106.330, 29.560), (106.340, 29.500),
        (106.350, 29.430)]

HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% if 1 %}x{% endif %}",
    "\"double\" and 'single' quotes",
    "`backticks` and ${x}",
    "</div><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://example.com\")",
    "007",
]
HOSTILE_COLUMNS = ["<b>name</b>", "{{ col }}", "${col}", "\"quoted\" 'col'", "`tick`", "kind"]


def _feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _write_json(path: Path, obj: dict) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


def _gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str, append: bool = False) -> None:
    # A fixed timestamp (gpkg_contents.last_change) and 1 KiB SQLite pages (a third of the size).
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE, "OGR_SQLITE_PRAGMA": "page_size=1024"})
    try:
        pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", append=append,
                                SPATIAL_INDEX="NO")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None, "OGR_SQLITE_PRAGMA": None})


def _shapefile(gdf: gpd.GeoDataFrame, folder: Path, stem: str, encoding: str | None,
               cpg: bool, prj: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.shp"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")  # meant: no .prj
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding=encoding,
                                DBF_DATE_LAST_UPDATE=DBF_DATE)
    if not cpg:
        (folder / f"{stem}.cpg").unlink(missing_ok=True)
    if not prj:
        (folder / f"{stem}.prj").unlink(missing_ok=True)
    return sorted(folder.glob(f"{stem}.*"))


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name])


def _ring_lonlat(ring: list[tuple[float, ...]]) -> list[list[float]]:
    return [list(p) for p in ring]


# --------------------------------------------------------------------------- good samples


def make_good(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    # parks.geojson: polygons with Chinese names, one bow-tie, one with Z.
    features = [
        _feature({"name": name, "district": district, "area_ha": None},
                 {"type": "Polygon", "coordinates": [_ring_lonlat(ring)]})
        for name, district, ring in PARKS
    ]
    name, district, ring = PARK_Z
    features.append(_feature({"name": name, "district": district, "area_ha": 120.5},
                             {"type": "Polygon", "coordinates": [_ring_lonlat(ring)]}))
    _write_json(out / "parks.geojson", {"type": "FeatureCollection", "name": "parks",
                                        "features": features})

    # rail.gpkg: one line layer; multi.gpkg: the line and the sites as two layers.
    rail = gpd.GeoDataFrame({"name": ["科学城轨道线（规划）"], "status": ["规划"]},
                            geometry=[shapely.LineString(RAIL)], crs="EPSG:4326")
    sites = gpd.GeoDataFrame(
        {"name": [s[0] for s in SITES], "type": [s[1] for s in SITES]},
        geometry=shapely.points([s[2] for s in SITES], [s[3] for s in SITES]), crs="EPSG:4326")
    for name in ("rail.gpkg", "multi.gpkg", "projected.gpkg"):
        (out / name).unlink(missing_ok=True)
    _gpkg(rail, out / "rail.gpkg", "rail")
    _gpkg(sites, out / "multi.gpkg", "sites")
    _gpkg(rail, out / "multi.gpkg", "rail", append=True)

    # projected.gpkg: the sites in UTM zone 48N (EPSG:32648).
    _gpkg(sites.to_crs("EPSG:32648"), out / "projected.gpkg", "sites_utm")

    # sites.csv (UTF-8, 经度/纬度), sites_gbk.csv (GBK), wkt.csv, gcj_points.csv.
    rows = ["名称,类型,经度,纬度,编号"]
    rows += [f"{n},{t},{lon:.6f},{lat:.6f},{i:03d}" for i, (n, t, lon, lat) in enumerate(SITES, 1)]
    csv_text = "\n".join(rows) + "\n"
    _write_text(out / "sites.csv", csv_text)
    _write_text(out / "sites_gbk.csv", csv_text, "gbk")

    wkt_rows = ["name,kind_of_thing,WKT"]
    wkt_rows.append(f'科学城轨道线,line,"{shapely.LineString(RAIL).wkt}"')
    square = shapely.Polygon(PARKS[0][2])
    wkt_rows.append(f'歌乐山森林公园,polygon,"{square.wkt}"')
    wkt_rows.append(f'金凤实验室,point,"POINT ({SITES[2][2]} {SITES[2][3]})"')
    _write_text(out / "wkt.csv", "\n".join(wkt_rows) + "\n")

    g_lon, g_lat = wgs84_to_gcj02([s[2] for s in SITES], [s[3] for s in SITES])
    gcj = ["name,lng,lat,wgs84_lng,wgs84_lat"]
    gcj += [f"{s[0]},{x:.7f},{y:.7f},{s[2]:.6f},{s[3]:.6f}" for s, x, y in zip(SITES, g_lon, g_lat, strict=True)]
    _write_text(out / "gcj_points.csv", "\n".join(gcj) + "\n")

    # footprint.zip: a shapefile with a .cpg saying GBK and Chinese attributes (and column name).
    footprint = gpd.GeoDataFrame(
        {"名称": ["西部（重庆）科学城核心区", "大学城片区"], "区县": ["九龙坡区", "沙坪坝区"],
         "面积": [313.5, 118.0]},
        geometry=[shapely.box(106.30, 29.38, 106.40, 29.46), shapely.box(106.28, 29.57, 106.34, 29.63)],
        crs="EPSG:4490")
    with tempfile.TemporaryDirectory() as tmp:
        files = _shapefile(footprint, Path(tmp), "footprint", "GBK", cpg=True)
        _zip(out / "footprint.zip", {f"footprint/{f.name}": f.read_bytes() for f in files})
    # footprint_nocpg/: the same, GBK bytes, no .cpg.
    shutil.rmtree(out / "footprint_nocpg", ignore_errors=True)
    _shapefile(footprint, out / "footprint_nocpg", "footprint", "GBK", cpg=False)

    # points.parquet: GeoParquet.
    points = gpd.GeoDataFrame(
        {"name": [s[0] for s in SITES], "rank": np.arange(1, len(SITES) + 1, dtype="int64")},
        geometry=shapely.points([s[2] for s in SITES], [s[3] for s in SITES]), crs="EPSG:4326")
    points.to_parquet(out / "points.parquet", index=False, compression="zstd")

    # places.kml: two placemarks and a line.
    placemarks = "".join(
        f"    <Placemark>\n      <name>{n}</name>\n      <description>{t}</description>\n"
        f"      <Point><coordinates>{lon},{lat}</coordinates></Point>\n    </Placemark>\n"
        for n, t, lon, lat in SITES[:2])
    line = " ".join(f"{x},{y}" for x, y in RAIL)
    kml = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n'
           "  <Document>\n    <name>places</name>\n" + placemarks +
           "    <Placemark>\n      <name>科学城轨道线</name>\n"
           f"      <LineString><coordinates>{line}</coordinates></LineString>\n    </Placemark>\n"
           "  </Document>\n</kml>\n")
    _write_text(out / "places.kml", kml)

    # hostile.geojson: values and column names that would be code in a template or a browser.
    hostile = []
    for i, value in enumerate(HOSTILE_VALUES):
        props = {col: value for col in HOSTILE_COLUMNS}
        props["plain"] = value
        lon, lat = 106.30 + 0.01 * i, 29.60
        hostile.append(_feature(props, {"type": "Point", "coordinates": [lon, lat]}))
    _write_json(out / "hostile.geojson", {"type": "FeatureCollection", "features": hostile})


# --------------------------------------------------------------------------- bad samples


def make_bad(out: Path) -> None:
    bad = out / "bad"
    shutil.rmtree(bad, ignore_errors=True)
    bad.mkdir(parents=True)
    point = {"type": "Point", "coordinates": [106.3, 29.6]}

    full = json.dumps({"type": "FeatureCollection",
                       "features": [_feature({"name": "a"}, point), _feature({"name": "b"}, point)]})
    _write_text(bad / "truncated.geojson", full[: len(full) // 2])
    _write_text(bad / "empty.geojson", "")
    _write_text(bad / "empty.zip", "")
    _zip(bad / "no_shapefile.zip", {"readme.txt": b"no shapefile here\n"})
    (bad / "empty_folder").mkdir()
    _write_text(bad / "empty_folder" / ".gitkeep", "")

    # A shapefile without its .shx (a folder holding it).
    with tempfile.TemporaryDirectory() as tmp:
        gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(106.3, 29.6)], crs="EPSG:4326")
        files = _shapefile(gdf, Path(tmp), "no_shx", None, cpg=True)
        (bad / "no_shx").mkdir()
        for f in files:
            if f.suffix != ".shx":
                shutil.copyfile(f, bad / "no_shx" / f.name)

    # A projected shapefile without .prj: UTM 48N metres, no CRS.
    utm = gpd.GeoDataFrame({"name": ["a", "b"]},
                           geometry=shapely.points([631000.0, 640000.0], [3275000.0, 3280000.0]))
    _shapefile(utm, bad / "projected_noprj", "sites", None, cpg=True, prj=False)

    _write_json(bad / "null_geometries.geojson", {"type": "FeatureCollection", "features": [
        _feature({"name": "a"}, None), _feature({"name": "b"}, None)]})
    _write_text(bad / "names_only.csv", "name\n歌乐山\n虎溪\n")
    _write_text(bad / "no_coordinates.csv", "name,address,phone\n金凤实验室,九龙坡区,023\n")
    # Polygons with no area: make_valid turns them into lines.
    flat = [[[106.3, 29.6], [106.31, 29.6], [106.32, 29.6], [106.3, 29.6]]]
    spike = [[[106.3, 29.6], [106.31, 29.61], [106.3, 29.6], [106.3, 29.6]]]
    _write_json(bad / "collapsed.geojson", {"type": "FeatureCollection", "features": [
        _feature({"name": "flat"}, {"type": "Polygon", "coordinates": flat}),
        _feature({"name": "spike"}, {"type": "Polygon", "coordinates": spike})]})
    _write_text(bad / "swapped.csv", "name,lon,lat\n" + "".join(
        f"{n},{lat:.4f},{lon:.4f}\n" for n, _t, lon, lat in SITES))
    _write_text(bad / "nan.csv", "name,lon,lat\na,106.3,29.6\nb,NaN,29.6\nc,inf,29.7\n")
    _write_text(bad / "nan.geojson", '{"type": "FeatureCollection", "features": [\n'
                '{"type": "Feature", "properties": {"name": "a"}, "geometry": '
                '{"type": "Point", "coordinates": [NaN, 29.6]}},\n'
                '{"type": "Feature", "properties": {"name": "b"}, "geometry": '
                '{"type": "Point", "coordinates": [106.3, Infinity]}}]}\n')
    _write_text(bad / "not_a_number.csv", "name,经度,纬度\na,106.3,29.6\nb,东经106度,29.6\n")
    _write_text(bad / "bad_wkt.csv", 'name,wkt\na,"POINT (106.3 29.6)"\nb,"POINT (106.3"\n')
    rng = np.random.default_rng(20211020)
    (bad / "binary.geojson").write_bytes(rng.integers(0, 256, 512, dtype=np.uint8).tobytes())
    (bad / "fake.gpkg").write_bytes(b"this is not an SQLite database\n")
    (bad / "fake.parquet").write_bytes(b"PAR1 not really parquet")
    _write_text(bad / "layer.xyz", "106.3 29.6\n")
    _write_text(bad / "ragged.csv", "name,lon,lat\na,106.3,29.6\nb,106.4,29.7,extra\n")
    _write_text(bad / "not_geojson.json", '{"parks": ["歌乐山", "虎溪"]}\n')
    make_hostile(bad)


# --------------------------------------------------------------------------- hostile samples

#: The loopback port the hostile corpus's CRS link points at; tests/test_hostile.py listens there.
LISTENER_PORT = 8631


def _patched_zip(path: Path, members: dict[str, bytes], *, flag: int = 0, method: int | None = None,
                 declared_size: int | None = None) -> None:
    """A zip whose headers say what a hostile archive says: encrypted (flag 1), another compression
    method, or a member size far beyond its real one. The local and central headers agree."""
    _zip(path, members)
    data = bytearray(path.read_bytes())
    for signature, flag_at, method_at, size_at in ((b"PK\x03\x04", 6, 8, 22), (b"PK\x01\x02", 8, 10, 24)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_at:at + flag_at + 2] = (int.from_bytes(data[at + flag_at:at + flag_at + 2], "little")
                                                   | flag).to_bytes(2, "little")
            if method is not None:
                data[at + method_at:at + method_at + 2] = method.to_bytes(2, "little")
            if declared_size is not None:
                data[at + size_at:at + size_at + 4] = declared_size.to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def make_hostile(bad: Path) -> None:
    """Files that attack the reader: network, nesting, archives, names. Special files (FIFOs,
    devices) and large bombs are made by the tests and the benchmark themselves."""
    point = {"type": "Point", "coordinates": [106.3, 29.6]}
    features = [_feature({"name": "a"}, point)]
    for name, crs in (("crs_link.geojson", {"type": "link", "properties": {
                          "href": f"http://127.0.0.1:{LISTENER_PORT}/crs", "type": "proj4"}}),
                      ("crs_unknown.geojson", {"type": "name", "properties": {"name": "EPSG:99999"}}),
                      ("crs_path.geojson", {"type": "name", "properties": {"name": "/etc/passwd"}})):
        _write_json(bad / name, {"type": "FeatureCollection", "crs": crs, "features": features})
    _write_text(bad / "nested.csv", 'name,wkt\na,"' + "GEOMETRYCOLLECTION (" * 40 + "POINT (106.3 29.6)"
                + ")" * 40 + '"\n')
    _write_json(bad / "ring_of_one_point.geojson", {"type": "FeatureCollection", "features": [
        _feature({"name": "a"}, {"type": "Polygon", "coordinates": [[[106.3, 29.6]]]})]})
    _write_text(bad / "huge_coordinate.csv", "name,x,y\na,1e308,29.6\n")
    # C1 controls (CSI: what ESC [ is in one byte) and a bidirectional override in column names
    _write_text(bad / "escapes.csv", "name,\u009b2J\u009b31mred,\u202eevil\u0085\na,b,c\n")
    _write_text(bad / "long_column.csv", "name," + "长" * 600 + "\na,b\n")
    (bad / "utf16.geojson").write_bytes(json.dumps(
        {"type": "FeatureCollection", "features": features}).encode("utf-16"))
    shp = {}
    with tempfile.TemporaryDirectory() as tmp:
        gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(106.3, 29.6)], crs="EPSG:4326")
        for f in _shapefile(gdf, Path(tmp), "sites", None, cpg=True):
            shp[f.name] = f.read_bytes()
    _patched_zip(bad / "encrypted.zip", shp, flag=0x1)
    _patched_zip(bad / "deflate64.zip", shp, method=9)
    _patched_zip(bad / "bomb.zip", shp, declared_size=3_000_000_000)  # says 3 GB a member
    kml = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           + "".join(f"<Folder><name>f{i}</name><Placemark><Point><coordinates>106.3,29.6</coordinates>"
                     "</Point></Placemark></Folder>" for i in range(250)) + "</Document></kml>")
    _zip(bad / "folders.kmz", {"doc.kml": kml.encode()})
    table = pa.table({"name": ["a"], "geometry": pa.array([b"\x01\x03\x00\x00\x00\xff\xff"], pa.binary())})
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": []}}}
    pq.write_table(table.replace_schema_metadata({"geo": json.dumps(geo)}), bad / "broken_wkb.parquet",
                   compression="none")
    # 40 collections inside one another, as WKB (GEOS crashes on such nesting thousands deep)
    nested = b"\x01\x07\x00\x00\x00\x01\x00\x00\x00" * 40 + shapely.to_wkb(shapely.Point(106.3, 29.6))
    table = pa.table({"name": ["a"], "geometry": pa.array([nested], pa.binary())})
    pq.write_table(table.replace_schema_metadata({"geo": json.dumps(geo)}), bad / "nested_wkb.parquet",
                   compression="none", write_statistics=False, use_dictionary=False)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    make_good(out)
    make_bad(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
