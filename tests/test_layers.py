"""geo.layers.read_layer: every format, encoding, CRS rule and repair; every broken input one line."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import geopandas.testing
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
import pytest
import shapely

from chengyu.geo.layers import fastpoints, ogr, parquet, stages
from chengyu.geo.boundaries import load_districts
from chengyu.geo.chinacrs import wgs84_to_bd09
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import KINDS, OUTPUT_CRS, Layer, ReadReport, read_layer

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"

SITE_NAMES = ["重庆大学虎溪校区", "西部科学城管委会", "金凤实验室", "重庆高新区创新中心", "科学谷"]


def _load_make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = _load_make_samples()
SITES_XY = np.array([(s[2], s[3]) for s in make_samples.SITES])


@pytest.fixture(scope="module")
def districts():
    return load_districts().set_index("code")


def _xy(layer: Layer) -> np.ndarray:
    return shapely.get_coordinates(layer.gdf.geometry.to_numpy())


def _check_output(layer: Layer) -> None:
    gdf = layer.gdf
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4490 and OUTPUT_CRS == "EPSG:4490"
    assert list(gdf.columns[-2:]) == ["kind", "geometry"]
    assert set(gdf["kind"].astype(str)) <= set(KINDS)
    assert gdf.geometry.notna().all() and not gdf.geometry.is_empty.any()
    assert not gdf.geometry.has_z.any()
    assert gdf.geometry.is_valid.all()
    assert isinstance(gdf.index, pd.RangeIndex)
    assert layer.report.features == len(gdf)
    assert sum(layer.report.kinds.values()) == len(gdf)
    for line in layer.report.lines():
        assert "\n" not in line


# --------------------------------------------------------------------------- good samples


def test_many_bowties_are_found_and_repaired_alike_in_one_thread_or_several(tmp_path):
    # Enough polygons that the validity check really splits over threads (geo.threads.MIN_CHUNK).
    rng = np.random.default_rng(5)
    x, y = rng.uniform(106.0, 106.8, 30_000), rng.uniform(29.2, 29.9, 30_000)
    d = 0.001
    rings = np.stack([np.c_[x, y], np.c_[x + d, y + d], np.c_[x + d, y], np.c_[x, y + d], np.c_[x, y]], axis=1)
    geoms = shapely.polygons(rings)  # every third one a bow-tie (self-intersecting), the rest squares
    square = np.stack([np.c_[x, y], np.c_[x + d, y], np.c_[x + d, y + d], np.c_[x, y + d], np.c_[x, y]], axis=1)
    geoms[1::3] = shapely.polygons(square[1::3])
    geoms[2::3] = shapely.polygons(square[2::3])
    path = tmp_path / "bowties.parquet"
    gpd.GeoDataFrame({"n": np.arange(len(geoms))}, geometry=geoms, crs=4490).to_parquet(path)
    one, all_cores = read_layer(path, threads=1), read_layer(path)
    assert one.report.repaired == all_cores.report.repaired == 10_000
    assert shapely.equals_exact(one.gdf.geometry.array, all_cores.gdf.geometry.array, 0).all()


def test_geojson_parks_repaired_z_dropped(districts):
    layer = read_layer(DATA / "parks.geojson")
    _check_output(layer)
    r = layer.report
    assert (r.format, r.features_read, r.features) == ("GeoJSON", 4, 4)
    assert (r.repaired, r.z_dropped, r.dropped_empty, r.dropped_unrepairable) == (1, 1, 0, 0)
    assert r.kinds == {"point": 0, "line": 0, "polygon": 4}
    assert r.crs_declared == "EPSG:4979"  # GDAL's 3-D WGS-84 for a file with Z
    assert r.crs_used == "EPSG:4326"
    lines = r.lines()
    assert "repaired 1 invalid polygon" in lines
    assert "dropped Z from 1 geometry" in lines
    gdf = layer.gdf.set_index("name")
    assert gdf.loc["彩云湖湿地公园（自相交）", "geometry"].geom_type == "MultiPolygon"
    assert gdf.loc["彩云湖湿地公园（自相交）", "geometry"].area == pytest.approx(0.5 * 0.01 * 0.01)
    # Each park lies in the district it says.
    code = {"沙坪坝区": "500106", "九龙坡区": "500107"}
    for name, row in gdf.iterrows():
        assert districts.loc[code[row["district"]], "geometry"].contains(row.geometry), name


def test_gcj_hint_for_wgs84_layers_in_china():
    r = read_layer(DATA / "parks.geojson").report
    hint = next(h for h in r.hints if "GCJ-02" in h)
    assert "about 480 m here" in hint and "crs='gcj02'" in hint and "crs='bd09'" in hint
    assert "cannot be detected" in hint
    # Not when the user said what the CRS is, nor for a projected layer.
    assert not [h for h in read_layer(DATA / "parks.geojson", crs="EPSG:4326").report.hints if "GCJ" in h]
    assert not [h for h in read_layer(DATA / "projected.gpkg").report.hints if "GCJ" in h]


def test_geopackage_single_layer():
    layer = read_layer(DATA / "rail.gpkg")
    _check_output(layer)
    assert layer.report.format == "GeoPackage" and layer.report.layer == "rail"
    assert layer.name == "rail"
    assert layer.gdf["kind"].tolist() == ["line"]
    assert layer.gdf["name"].tolist() == ["科学城轨道线（规划）"]
    np.testing.assert_allclose(_xy(layer), make_samples.RAIL)


def test_geopackage_layer_name_picks_a_layer():
    sites = read_layer(DATA / "multi.gpkg", layer_name="sites")
    rail = read_layer(DATA / "multi.gpkg", layer_name="rail")
    assert sites.gdf["name"].tolist() == SITE_NAMES and sites.report.layer == "sites"
    assert rail.gdf["kind"].tolist() == ["line"]


def test_geopackage_one_spatial_layer_and_a_table(tmp_path):
    path = tmp_path / "mixed.gpkg"
    shutil.copyfile(DATA / "rail.gpkg", path)
    pyogrio.write_dataframe(pd.DataFrame({"note": ["x"]}), path, layer="notes", append=True)
    layer = read_layer(path)
    assert layer.report.layer == "rail"
    assert any("table(s) without geometry ignored: notes" in h for h in layer.report.hints)
    with pytest.raises(AtlasError, match=r"has no geometries: layer 'notes' is a table"):
        read_layer(path, layer_name="notes")


def test_projected_geopackage_is_reprojected():
    layer = read_layer(DATA / "projected.gpkg")
    _check_output(layer)
    assert layer.report.crs_declared == "EPSG:32648" and layer.report.crs_used == "EPSG:32648"
    np.testing.assert_allclose(_xy(layer), SITES_XY, atol=1e-8)


def test_csv_with_chinese_coordinate_columns():
    layer = read_layer(DATA / "sites.csv")
    _check_output(layer)
    r = layer.report
    assert (r.format, r.encoding, r.crs_declared, r.crs_used) == ("CSV", "UTF-8", None, "EPSG:4326")
    assert list(layer.gdf.columns) == ["名称", "类型", "编号", "kind", "geometry"]
    assert layer.gdf["名称"].tolist() == SITE_NAMES
    assert layer.gdf["编号"].tolist() == ["001", "002", "003", "004", "005"]  # codes stay text
    np.testing.assert_allclose(_xy(layer), SITES_XY)
    assert any("'经度' (longitude) and '纬度' (latitude)" in h for h in r.hints)
    assert any(h.startswith("no CRS declared") for h in r.hints)


def test_csv_in_gbk():
    layer = read_layer(DATA / "sites_gbk.csv")
    assert layer.report.encoding == "GBK"
    assert "the file is not UTF-8: read it as GBK" in layer.report.hints
    assert layer.gdf["名称"].tolist() == SITE_NAMES
    assert layer.gdf.drop(columns="geometry").equals(read_layer(DATA / "sites.csv").gdf.drop(columns="geometry"))


def test_csv_with_wkt_column():
    layer = read_layer(DATA / "wkt.csv")
    _check_output(layer)
    assert layer.gdf["kind"].tolist() == ["line", "polygon", "point"]
    assert layer.gdf["kind_of_thing"].tolist() == ["line", "polygon", "point"]
    assert "WKT" not in layer.gdf.columns


@pytest.mark.parametrize("lon,lat", [("LON", "LAT"), ("Lng", "Lat"), ("longitude", "latitude"),
                                      ("X", "Y"), ("long", "lat")])
def test_csv_coordinate_names_any_case(tmp_path, lon, lat):
    path = tmp_path / "p.csv"
    path.write_text(f"name;{lon};{lat}\na;106.3;29.6\n", encoding="utf-8")
    layer = read_layer(path)
    assert list(layer.gdf.columns) == ["name", "kind", "geometry"]
    assert _xy(layer).tolist() == [[106.3, 29.6]]


def test_csv_empty_coordinates_are_dropped_and_counted(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,lon,lat\na,106.3,29.6\nb,,\nc,106.4,\n", encoding="utf-8")
    layer = read_layer(path)
    assert layer.gdf["name"].tolist() == ["a"]
    assert layer.report.dropped_empty == 2
    assert "dropped 2 null or empty geometries" in layer.report.lines()


def test_shapefile_zip_with_gbk_cpg():
    layer = read_layer(DATA / "footprint.zip")
    _check_output(layer)
    r = layer.report
    assert r.format == "Shapefile" and r.encoding == "GBK (from the .cpg file)"
    assert list(layer.gdf.columns) == ["名称", "区县", "面积", "kind", "geometry"]
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    assert r.crs_declared == "EPSG:4490"


def test_shapefile_folder_gbk_without_cpg():
    layer = read_layer(DATA / "footprint_nocpg")
    assert layer.report.encoding == "GBK"
    assert any(h.startswith("no .cpg file and the attributes are not UTF-8: read them as GBK")
               for h in layer.report.hints)
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    # The .shp path itself reads the same.
    same = read_layer(DATA / "footprint_nocpg" / "footprint.shp")
    assert same.gdf.equals(layer.gdf)


@pytest.mark.parametrize("cpg,encoding", [("936", "936 (from the .cpg file)"),
                                          ("GBK", "GBK (from the .cpg file)"),
                                          ("UTF-8", "GBK")])
def test_shapefile_cpg_variants(tmp_path, cpg, encoding):
    folder = tmp_path / "fp"
    shutil.copytree(DATA / "footprint_nocpg", folder)
    (folder / "footprint.cpg").write_text(cpg)
    layer = read_layer(folder)
    assert layer.report.encoding == encoding
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    if cpg == "UTF-8":  # a .cpg that lies
        assert any("declares its encoding (.cpg: UTF-8) but its attributes are not in it" in h
                   for h in layer.report.hints)


@pytest.mark.parametrize("text", ["UTF-8", "GBK"])
def test_shapefile_cpg_naming_an_unknown_encoding_is_ignored_and_said(tmp_path, text):
    """GDAL would hand the bytes on undecoded (and the map command failed on them): the .cpg is
    ignored, the attributes decoded as if it were missing, and the report says both."""
    folder = tmp_path / "fp"
    shutil.copytree(DATA / "footprint_nocpg", folder)
    gdf = read_layer(folder).gdf.drop(columns="kind")
    if text == "UTF-8":
        (folder / "footprint.shp").unlink()
        for f in folder.iterdir():
            f.unlink()
        pyogrio.write_dataframe(gdf, folder / "footprint.shp", encoding="UTF-8")
    (folder / "footprint.cpg").write_text("KLINGON-42")
    layer = read_layer(folder)
    assert layer.report.encoding == text
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    assert "the .cpg file names an encoding that is not known ('KLINGON-42'): ignored" in layer.report.hints


def test_shapefile_utf8_without_cpg(tmp_path):
    gdf = gpd.GeoDataFrame({"名称": ["科学谷"]}, geometry=[shapely.Point(106.32, 29.64)], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "u.shp", encoding="UTF-8")
    (tmp_path / "u.cpg").unlink()
    layer = read_layer(tmp_path / "u.shp")
    assert layer.report.encoding == "UTF-8"
    assert layer.gdf["名称"].tolist() == ["科学谷"]


def test_zip_with_several_shapefiles_needs_a_choice(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(DATA / "footprint.zip") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():  # footprint/footprint.shp -> a/a.shp and b.shp
            data = src.read(info)
            dst.writestr(info.filename.replace("footprint/footprint", "a/a"), data)
            dst.writestr(info.filename.replace("footprint/footprint", "b"), data)
    with pytest.raises(AtlasError) as err:
        read_layer(path)
    assert err.value.problem == "zip archive contains 2 shapefiles (a, b); pick one with layer_name="
    assert read_layer(path, layer_name="b").report.layer == "b"


def test_geoparquet():
    layer = read_layer(DATA / "points.parquet")
    _check_output(layer)
    assert layer.report.format == "GeoParquet"
    assert layer.gdf["name"].tolist() == SITE_NAMES
    assert layer.gdf["rank"].dtype == np.int64
    np.testing.assert_allclose(_xy(layer), SITES_XY)


def test_plain_parquet_with_coordinate_columns(tmp_path):
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"name": ["a", "b"], "lng": [106.3, 106.4], "lat": [29.6, 29.7]}).to_parquet(path)
    layer = read_layer(path)
    assert layer.report.format == "Parquet (no GeoParquet metadata)"
    assert _xy(layer).tolist() == [[106.3, 29.6], [106.4, 29.7]]


def test_kml():
    layer = read_layer(DATA / "places.kml")
    _check_output(layer)
    assert layer.report.format == "KML"
    assert layer.gdf["Name"].tolist() == SITE_NAMES[:2] + ["科学城轨道线"]
    assert layer.gdf["kind"].tolist() == ["point", "point", "line"]
    assert "tessellate" not in layer.gdf.columns  # LIBKML's empty housekeeping fields dropped


def test_kml_folders_are_read_together(tmp_path):
    folders = "".join(
        f"<Folder><name>{name}</name><Placemark><name>{name}1</name>"
        f"<Point><coordinates>{x},29.6</coordinates></Point></Placemark></Folder>"
        for name, x in (("parks", 106.3), ("labs", 106.4)))
    path = tmp_path / "f.kml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                    f"<Document>{folders}</Document></kml>", encoding="utf-8")
    layer = read_layer(path)
    assert layer.gdf["layer"].tolist() == ["parks", "labs"]
    assert read_layer(path, layer_name="labs").gdf["Name"].tolist() == ["labs1"]


def test_hostile_values_and_column_names_survive_verbatim():
    layer = read_layer(DATA / "hostile.geojson")
    gdf = layer.gdf
    expected = make_samples.HOSTILE_VALUES
    for col in [c for c in make_samples.HOSTILE_COLUMNS if c != "kind"] + ["plain"]:
        assert col in gdf.columns
        assert gdf[col].tolist() == expected, col
    # The layer's own 'kind' column is kept under another name, verbatim.
    assert gdf["kind_1"].tolist() == expected
    assert gdf["kind"].tolist() == ["point"] * len(expected)
    assert any("'kind' to 'kind_1'" in h for h in layer.report.hints)
    assert "49" not in gdf.astype(str).to_numpy().ravel().tolist()


def test_hostile_csv_values_survive_verbatim(tmp_path):
    values = make_samples.HOSTILE_VALUES + ["  padded  ", "NA", "None", "null"]
    frame = pd.DataFrame({"{{ name }}": values, "lon": 106.3, "lat": 29.6})
    path = tmp_path / "h.csv"
    frame.to_csv(path, index=False)
    layer = read_layer(path)
    assert layer.gdf["{{ name }}"].tolist() == values


# --------------------------------------------------------------------------- coordinates


def test_gcj02_points_are_converted_back():
    truth = pd.read_csv(DATA / "gcj_points.csv")
    plain = read_layer(DATA / "gcj_points.csv")
    shift = np.hypot(*(_xy(plain) - truth[["wgs84_lng", "wgs84_lat"]].to_numpy()).T)
    assert (shift > 0.003).all()  # a few hundred metres off as they are
    layer = read_layer(DATA / "gcj_points.csv", crs="gcj02")
    assert layer.report.crs_used == "gcj02" and layer.report.crs_declared is None
    np.testing.assert_allclose(_xy(layer), truth[["wgs84_lng", "wgs84_lat"]].to_numpy(), atol=1e-7)
    assert not [h for h in layer.report.hints if "GCJ" in h]


def test_bd09_points_are_converted_back(tmp_path):
    lon, lat = wgs84_to_bd09(SITES_XY[:, 0], SITES_XY[:, 1])
    path = tmp_path / "bd.csv"
    pd.DataFrame({"name": SITE_NAMES, "lng": lon, "lat": lat}).to_csv(path, index=False)
    layer = read_layer(path, crs="BD-09")
    assert layer.report.crs_used == "bd09"
    np.testing.assert_allclose(_xy(layer), SITES_XY, atol=1e-7)


def test_gcj02_refused_for_a_projected_layer():
    with pytest.raises(AtlasError) as err:
        read_layer(DATA / "projected.gpkg", crs="gcj02")
    assert err.value.problem.startswith("declares the projected CRS EPSG:32648 but crs='gcj02'")


def test_user_crs_for_a_layer_without_one():
    layer = read_layer(BAD / "projected_noprj", crs="EPSG:32648")
    _check_output(layer)
    assert layer.report.crs_declared is None and layer.report.crs_used == "EPSG:32648"
    xy = _xy(layer)
    assert ((xy[:, 0] > 106.3) & (xy[:, 0] < 106.5) & (xy[:, 1] > 29.5) & (xy[:, 1] < 29.7)).all()


def test_user_crs_wins_over_the_declared_one_and_says_so():
    layer = read_layer(DATA / "multi.gpkg", layer_name="sites", crs="EPSG:4490")
    assert layer.report.crs_declared == "EPSG:4326" and layer.report.crs_used == "EPSG:4490"
    assert "the file declares EPSG:4326; using crs='EPSG:4490' as asked" in layer.report.hints
    same = read_layer(DATA / "projected.gpkg", crs="EPSG:32648")
    assert not [h for h in same.report.hints if "declares" in h]


def test_user_crs_that_contradicts_the_coordinates():
    with pytest.raises(AtlasError) as err:
        read_layer(DATA / "projected.gpkg", crs="EPSG:4326")
    assert err.value.problem.startswith("coordinates look projected (x in ")
    assert "but crs='EPSG:4326' is longitude/latitude" in err.value.problem


def test_unknown_user_crs():
    with pytest.raises(AtlasError) as err:
        read_layer(DATA / "sites.csv", crs="EPSG:999999")
    assert err.value.problem.startswith("crs='EPSG:999999' is not a CRS pyproj knows")


def test_geojson_in_metres_without_crs_member(tmp_path):
    path = tmp_path / "m.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [631000, 3275000]}}]}))
    with pytest.raises(AtlasError) as err:
        read_layer(path)
    assert err.value.problem.startswith("coordinates look projected (x in 631000..631000, y in 3275000..3275000) "
                                        "but the declared CRS EPSG:4326 is longitude/latitude")
    assert read_layer(path, crs="EPSG:32648").gdf.geometry.x.between(106.3, 106.4).all()


def test_degrees_declared_as_projected_get_a_hint(tmp_path):
    sites = gpd.read_file(DATA / "multi.gpkg", layer="sites").set_crs("EPSG:32648", allow_override=True)
    path = tmp_path / "wrong.gpkg"
    sites.to_file(path)
    hints = read_layer(path).report.hints
    assert any("look like longitude/latitude but EPSG:32648 is projected" in h for h in hints)
    assert read_layer(path, crs="EPSG:4326").gdf.geometry.x.tolist() == pytest.approx(SITES_XY[:, 0])


def test_possibly_swapped_coordinates_north_of_90_is_a_hint_only(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,lon,lat\na,29.5,85.0\n", encoding="utf-8")
    hints = read_layer(path).report.hints
    assert any("would lie in China if latitude and longitude were swapped" in h for h in hints)


# --------------------------------------------------------------------------- geometry handling


def test_geometry_collections_exploded_by_kind(tmp_path):
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [106.30, 29.60]},
        {"type": "Polygon", "coordinates": [[[106.3, 29.6], [106.31, 29.6], [106.31, 29.61], [106.3, 29.6]]]},
        {"type": "LineString", "coordinates": [[106.3, 29.6], [106.4, 29.7]]},
        {"type": "MultiPolygon", "coordinates": [[[[106.4, 29.6], [106.41, 29.6], [106.41, 29.61], [106.4, 29.6]]]]},
        {"type": "Point", "coordinates": [106.31, 29.61]},
    ]}
    features = [
        {"type": "Feature", "properties": {"name": "first"},
         "geometry": {"type": "Point", "coordinates": [106.2, 29.5]}},
        {"type": "Feature", "properties": {"name": "mixed"}, "geometry": gc},
        {"type": "Feature", "properties": {"name": "last"},
         "geometry": {"type": "LineString", "coordinates": [[106.2, 29.5], [106.25, 29.55]]}},
    ]
    path = tmp_path / "gc.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layer = read_layer(path)
    _check_output(layer)
    gdf = layer.gdf
    assert gdf["name"].tolist() == ["first", "mixed", "mixed", "mixed", "last"]
    assert gdf["kind"].tolist() == ["point", "point", "line", "polygon", "line"]
    assert gdf.geom_type.tolist() == ["Point", "MultiPoint", "LineString", "MultiPolygon", "LineString"]
    assert len(gdf.geometry.iloc[3].geoms) == 2 and len(gdf.geometry.iloc[1].geoms) == 2
    assert layer.report.collections_exploded == 1
    assert layer.report.kinds == {"point": 2, "line": 2, "polygon": 1}


def test_some_polygons_beyond_repair_are_dropped_and_counted(tmp_path):
    collapsed = json.loads((BAD / "collapsed.geojson").read_text())
    good = json.loads((DATA / "parks.geojson").read_text())["features"][0]
    collapsed["features"].append(good)
    path = tmp_path / "some.geojson"
    path.write_text(json.dumps(collapsed, ensure_ascii=False), encoding="utf-8")
    layer = read_layer(path)
    assert layer.gdf["name"].tolist() == ["歌乐山森林公园"]
    assert layer.report.dropped_unrepairable == 2
    assert "dropped 2 polygons invalid beyond repair (no area left)" in layer.report.lines()


def test_progress_callback_and_report_lines():
    stages = []
    layer = read_layer(DATA / "parks.geojson", progress=stages.append)
    assert stages[0] == "reading" and "repairing polygons" in stages
    lines = layer.report.lines()
    assert lines[0] == "read 4 features (GeoJSON)"
    assert lines[1] == "kept 4: 4 polygons"
    assert "CRS declared: EPSG:4979; used: EPSG:4326; output: EPSG:4490" in lines
    assert isinstance(layer.report, ReadReport)


def test_parks_cover_part_of_the_science_city_hosts(districts):
    # Later code intersects user layers with the bundled districts: the CRSs match.
    parks = read_layer(DATA / "parks.geojson").gdf
    hosts = districts.loc[["500106", "500107"]]
    assert parks.crs == hosts.crs
    joined = gpd.sjoin(parks, hosts.reset_index()[["code", "geometry"]], predicate="within")
    assert len(joined) == len(parks)


# --------------------------------------------------------------------------- bad inputs

BAD_CASES = [
    # (path, leading words of the problem)
    (BAD / "truncated.geojson", "is not valid GeoJSON: Failed to read GeoJSON data"),
    (BAD / "empty.geojson", "is empty (0 bytes)"),
    (BAD / "empty.zip", "is empty (0 bytes)"),
    (BAD / "no_shapefile.zip", "zip archive contains no shapefile (.shp); it holds: readme.txt"),
    (BAD / "no_shx", "missing .shx index file for no_shx.shp"),
    (BAD / "no_shx" / "no_shx.shp", "missing .shx index file for no_shx.shp"),
    (BAD / "empty_folder", "folder contains no shapefile (.shp)"),
    (BAD / "does_not_exist.geojson", "does not exist"),
    (BAD / "null_geometries.geojson", "has no geometries (all 2 features have a null or empty geometry)"),
    (BAD / "names_only.csv", "has no coordinate columns: expected longitude and latitude"),
    (BAD / "no_coordinates.csv", "has no coordinate columns: expected longitude and latitude"),
    (BAD / "collapsed.geojson", "every geometry is invalid beyond repair (2 polygons with no area left"),
    (BAD / "projected_noprj", ("has no CRS and its coordinates look projected "
                               "(x in 631000..640000, y in 3275000..3280000); pass crs= (e.g. crs='EPSG:32648')")),
    (BAD / "swapped.csv", ("coordinates look like latitude/longitude swapped (x in 29.41..29.64, y in 106.3..106.4); "
                           "swap the columns or fix the file")),
    (BAD / "nan.csv", "has coordinates that are not finite numbers (NaN or Infinity) in 2 features"),
    (BAD / "nan.geojson", "has coordinates that are not finite numbers (NaN or Infinity) in 2 features"),
    (DATA / "multi.gpkg", "has 2 layers (sites, rail); pick one with layer_name="),
    (BAD / "binary.geojson", "is not valid GeoJSON: it is a binary file"),
    (BAD / "layer.xyz", "unknown file type ('.xyz'); expected one of .geojson, .json, .gpkg"),
    (BAD / "not_a_number.csv", "column '经度' has 1 value that is not a number (line 3: '东经106度')"),
    (BAD / "bad_wkt.csv", "column 'wkt' has 1 value that is not WKT (line 3: 'POINT (106.3')"),
    (BAD / "fake.gpkg", "is not a valid GeoPackage (not an SQLite database)"),
    (BAD / "fake.parquet", "is not a valid Parquet file"),
    (BAD / "ragged.csv", "is not a well-formed CSV file: Expected 3 fields in line 3, saw 4"),
    (BAD / "not_geojson.json", "is not valid GeoJSON: GDAL does not recognise its content"),
]


@pytest.mark.parametrize("path,leading", BAD_CASES, ids=[p.name for p, _ in BAD_CASES])
def test_bad_input_is_one_line_naming_the_file(path, leading):
    with pytest.raises(AtlasError) as err:
        read_layer(path)
    message = str(err.value)
    assert err.value.source == str(path)
    assert message.startswith(f"{path}: ")
    assert err.value.problem.startswith(leading), err.value.problem
    assert "\n" not in message and len(message) < 400
    assert "Traceback" not in message


@pytest.mark.parametrize("path,leading", [
    (BAD / "swapped.csv", "coordinates look like latitude/longitude swapped"),
    (BAD / "null_geometries.geojson", "has no geometries"),
    (DATA / "multi.gpkg", "has no layer 'parks'; its layers: sites, rail"),
])
def test_bad_input_with_options(path, leading):
    kwargs = {"layer_name": "parks"} if path.suffix == ".gpkg" else {"crs": "EPSG:4326"}
    with pytest.raises(AtlasError) as err:
        read_layer(path, **kwargs)
    assert err.value.problem.startswith(leading)


def test_bad_corpus_is_covered_and_small():
    from tests.test_hostile import HOSTILE_CASES  # the attacks, run through the command

    tested = {p.relative_to(BAD).parts[0] for p, _ in BAD_CASES if BAD in p.parents} | {n for n, _ in HOSTILE_CASES}
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk <= tested
    for p in BAD.rglob("*"):
        assert not p.is_file() or p.stat().st_size < 2048, p


def test_truncated_file_of_every_text_format(tmp_path):
    for name in ("sites.csv", "parks.geojson", "places.kml"):
        text = (DATA / name).read_bytes()
        path = tmp_path / name
        path.write_bytes(text[: len(text) // 3])
        try:
            layer = read_layer(path)
        except AtlasError as err:
            assert err.source == str(path) and "\n" not in str(err)
        else:  # a CSV cut between rows is still a CSV: fewer rows, never garbage
            assert name == "sites.csv" and 0 < len(layer.gdf) < 5


def test_samples_are_regenerated_identically(tmp_path):
    make_samples.main(["make_samples.py", str(tmp_path)])
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    bundled = sorted(p.relative_to(DATA) for p in DATA.rglob("*")
                     if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts)
    assert made == bundled
    for rel in made:
        if rel.suffix in (".gpkg", ".parquet") and rel.parts[0] != "bad":  # bytes vary with GDAL/pyarrow
            for layer in pyogrio.list_layers(tmp_path / rel)[:, 0] if rel.suffix == ".gpkg" else [None]:
                a = gpd.read_file(tmp_path / rel, layer=layer) if layer else gpd.read_parquet(tmp_path / rel)
                b = gpd.read_file(DATA / rel, layer=layer) if layer else gpd.read_parquet(DATA / rel)
                pd.testing.assert_frame_equal(a, b)
        else:
            assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel


# --------------------------------------------------------------------------- scale


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_a_million_points_read_vectorised(tmp_path, suffix):
    import time

    n = 1_000_000
    rng = np.random.default_rng(1)
    gdf = gpd.GeoDataFrame({"id": np.arange(n)},
                           geometry=shapely.points(rng.uniform(106.2, 106.5, n), rng.uniform(29.3, 29.9, n)),
                           crs="EPSG:4326")
    path = tmp_path / f"big{suffix}"
    if suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        pyogrio.write_dataframe(gdf, path, use_arrow=True)
    start = time.perf_counter()
    layer = read_layer(path)
    elapsed = time.perf_counter() - start
    assert layer.report.kinds["point"] == n
    assert elapsed < 20, elapsed  # ~1-2 s on a laptop; a Python loop over points would take minutes


# --------------------------------------------------------------------------- fast point readers
# GeoParquet and GeoPackage point layers are read by decoding their WKB with numpy (geo.layers.
# _read_geoparquet_points, _read_gpkg_points); everything else, and anything odd, goes to the
# general readers. Either way the result must be the same: same GeoDataFrame, same report, same
# error.

SITES = shapely.points(SITES_XY)
NAN_POINT = shapely.points(np.nan, 29.6)
INF_POINT = shapely.points(np.inf, 29.6)


def _outcome(path, **kwargs):
    try:
        return read_layer(path, **kwargs)
    except AtlasError as err:
        return err


def _read_fast_and_general(path, monkeypatch, **kwargs):
    """read_layer as it is, whether its fast point path decoded the points, and read_layer with
    the fast readers switched off."""
    decoded = []
    real = fastpoints._geometries
    with monkeypatch.context() as m:
        m.setattr(fastpoints, "_geometries",
                  lambda source, xy, values: decoded.append(xy is not None) or real(source, xy, values))
        fast = _outcome(path, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(parquet, "geoparquet_points", lambda *args: None)
        m.setattr(ogr, "gpkg_points", lambda *args: None)
        general = _outcome(path, **kwargs)
    return fast, decoded == [True], general


def _assert_same(fast, general):
    assert type(fast) is type(general)
    if isinstance(general, AtlasError):
        assert str(fast) == str(general)
        return
    _check_output(fast)
    geopandas.testing.assert_geodataframe_equal(fast.gdf, general.gdf, check_less_precise=False)
    pd.testing.assert_frame_equal(fast.gdf.drop(columns="geometry"), general.gdf.drop(columns="geometry"),
                                  check_exact=True)
    assert fast.gdf.columns.dtype == general.gdf.columns.dtype
    assert type(fast.gdf["kind"].array) is type(general.gdf["kind"].array)
    a, b = fast.gdf.geometry.to_numpy(), general.gdf.geometry.to_numpy()
    assert shapely.to_wkb(a).tolist() == shapely.to_wkb(b).tolist()  # bit for bit, NaN and -0.0 too
    assert dataclasses.asdict(fast.report) == dataclasses.asdict(general.report)


def _attributes(n):
    return {
        "name": (SITE_NAMES * n)[:n],
        "rank": np.arange(n, dtype=np.int64),
        "share": np.linspace(0.0, 1.0, n),
        "note": [None if i % 2 else "x" for i in range(n)],
        "kind": ["site"] * n,  # the layer's own 'kind' column: renamed, either way
    }


def _write(path, geoms, crs="EPSG:4326", **attributes):
    gdf = gpd.GeoDataFrame(attributes or _attributes(len(geoms)), geometry=list(geoms), crs=crs)
    if path.suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        pyogrio.write_dataframe(gdf, path, layer="points")
    return path


POINT_CASES = {
    # name: (geometries, is the fast path expected to decode them?)
    "plain": (SITES, True),
    "one point": (SITES[:1], True),
    "negative zero": (shapely.points([[-0.0, 29.6], [106.3, -0.0]]), True),
    "an empty point": (np.r_[SITES, shapely.from_wkt(["POINT EMPTY"])], False),
    "a null geometry": (np.r_[SITES, [None]], False),
    "all null": (np.array([None, None], dtype=object), False),
    "a NaN coordinate": (np.r_[SITES, [NAN_POINT]], False),
    "an infinite coordinate": (np.r_[SITES, [INF_POINT]], False),
    "a Z point": (np.r_[SITES, shapely.points([[106.3, 29.6, 250.0]])], False),
    "a multipoint": (np.r_[SITES, shapely.multipoints([SITES_XY[:2]])], False),
    "points and a polygon": (np.r_[SITES, [shapely.box(106.3, 29.5, 106.31, 29.51)]], False),
}


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("case", list(POINT_CASES))
def test_fast_point_readers_give_what_the_general_readers_give(tmp_path, monkeypatch, suffix, case):
    geoms, fast_expected = POINT_CASES[case]
    path = _write(tmp_path / f"p{suffix}", geoms)
    fast, decoded, general = _read_fast_and_general(path, monkeypatch)
    _assert_same(fast, general)
    if fast_expected:
        assert decoded, "the fast path was not taken"
        assert fast.report.kinds["point"] == len(geoms)
    else:
        assert not decoded


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("crs, option", [
    ("EPSG:4326", None), ("EPSG:4490", None), ("EPSG:4979", None), ("EPSG:32648", None), (None, None),
    ("EPSG:4326", "gcj02"), ("EPSG:4326", "bd09"), ("EPSG:4326", "EPSG:4490"), (None, "EPSG:32648"),
])
def test_fast_point_readers_settle_the_crs_as_the_general_readers(tmp_path, monkeypatch, suffix, crs, option):
    xy = SITES_XY
    if crs == "EPSG:32648" or option == "EPSG:32648":  # the sites in UTM 48N
        xy = np.column_stack(pyproj.Transformer.from_crs(4326, 32648, always_xy=True).transform(*xy.T))
    path = _write(tmp_path / f"p{suffix}", shapely.points(xy), crs=crs)
    fast, decoded, general = _read_fast_and_general(path, monkeypatch, crs=option)
    _assert_same(fast, general)
    assert decoded and not isinstance(fast, AtlasError)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_fast_point_readers_errors_are_the_general_readers_errors(tmp_path, monkeypatch, suffix):
    # swapped latitude/longitude, projected without a CRS, lon/lat declared projected
    for xy, crs in ((SITES_XY[:, ::-1], None), (SITES_XY * 10_000, None), (SITES_XY * 10_000, "EPSG:4326")):
        path = _write(tmp_path / f"p{len(str(xy))}{suffix}", shapely.points(xy), crs=crs)
        fast, decoded, general = _read_fast_and_general(path, monkeypatch)
        assert isinstance(general, AtlasError)
        _assert_same(fast, general)


def _rewrite_parquet(path, wkb=None, geo=None, **metadata):
    """The GeoParquet file with its geometry column or its 'geo' metadata replaced."""
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    if geo is not None:
        meta[b"geo"] = json.dumps(geo(json.loads(meta[b"geo"]))).encode()
    meta.update({k.encode(): v.encode() for k, v in metadata.items()})
    if wkb is not None:
        table = table.set_column(table.column_names.index("geometry"), "geometry", wkb)
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def _without(key):
    def edit(geo):
        geo["columns"]["geometry"].pop(key, None)
        return geo
    return edit


@pytest.mark.parametrize("change, fast_expected", [
    ({"wkb": pa.array(shapely.to_wkb(SITES, byte_order=0).tolist(), pa.binary())}, False),  # big-endian
    ({"wkb": pa.array(shapely.to_wkb(shapely.set_srid(SITES, 4326), include_srid=True).tolist())}, False),
    ({"wkb": pa.array(shapely.to_wkb(SITES).tolist(), pa.large_binary())}, True),
    ({"wkb": pa.chunked_array([pa.array(shapely.to_wkb(SITES[:2]).tolist()),
                               pa.array(shapely.to_wkb(SITES[2:]).tolist())])}, True),
    ({"geo": _without("crs")}, True),  # no CRS in the metadata: OGC:CRS84
    ({"geo": _without("geometry_types")}, False),  # (the general reader checks what is required)
    ({"geo": lambda geo: {**geo, "columns": {"geometry": {**geo["columns"]["geometry"], "geometry_types": []}}}},
     True),
    ({"geo": lambda geo: {**geo, "columns": {"geometry": {**geo["columns"]["geometry"],
                                                          "geometry_types": ["Polygon"]}}}}, False),
    ({"geo": lambda geo: {k: v for k, v in geo.items() if k != "version"}}, False),  # invalid metadata
    ({"PANDAS_ATTRS": json.dumps({"source": "survey"})}, False),
])
def test_fast_geoparquet_reader_on_odd_files(tmp_path, monkeypatch, change, fast_expected):
    path = _rewrite_parquet(_write(tmp_path / "p.parquet", SITES), **change)
    fast, decoded, general = _read_fast_and_general(path, monkeypatch)
    _assert_same(fast, general)
    assert decoded == fast_expected


def test_fast_geoparquet_reader_restores_and_drops_a_stored_index(tmp_path, monkeypatch):
    gdf = gpd.GeoDataFrame(_attributes(5), geometry=SITES, crs="EPSG:4326",
                           index=pd.Index([10, 20, 30, 40, 50], name="site_id"))
    path = tmp_path / "indexed.parquet"
    gdf.to_parquet(path)
    fast, decoded, general = _read_fast_and_general(path, monkeypatch)
    _assert_same(fast, general)
    assert decoded and isinstance(fast.gdf.index, pd.RangeIndex)


@pytest.mark.parametrize("attributes", [
    {},  # geometry only
    {"when": pd.to_datetime(["2024-01-01"] * 5)},  # datetime: pyogrio parses it, general reader
    {"geometry_name": ["a"] * 5},
])
def test_fast_geopackage_reader_on_odd_layers(tmp_path, monkeypatch, attributes):
    gdf = gpd.GeoDataFrame(attributes, geometry=SITES, crs="EPSG:4326")
    path = tmp_path / "odd.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="points")
    fast, decoded, general = _read_fast_and_general(path, monkeypatch)
    _assert_same(fast, general)
    assert decoded == ("when" not in attributes)


def test_fast_geopackage_reader_with_a_field_named_geometry(tmp_path, monkeypatch):
    gdf = gpd.GeoDataFrame({"geometry_": ["a"] * 5}, geometry=SITES, crs="EPSG:4326")
    path = tmp_path / "named.gpkg"
    pyogrio.write_dataframe(gdf.rename(columns={"geometry_": "geometry", "geometry": "geom"}).set_geometry("geom"),
                            path, layer="points")
    fast, decoded, general = _read_fast_and_general(path, monkeypatch)
    _assert_same(fast, general)
    assert not decoded


def test_wkb_points_xy_on_arrow_layouts():
    wkb = shapely.to_wkb(SITES).tolist()
    for array in (pa.array(wkb), pa.array(wkb, pa.large_binary()), pa.array([b"x"] + wkb)[1:],
                  pa.chunked_array([pa.array(wkb[:1]), pa.array(wkb[1:], pa.binary())])):
        xy = fastpoints._wkb_points_xy(array)
        assert xy.dtype == np.float64 and xy.flags.c_contiguous
        np.testing.assert_array_equal(xy, SITES_XY)
    rejected = [
        pa.array(shapely.to_wkb(SITES, byte_order=0).tolist()),  # big-endian
        pa.array(shapely.to_wkb(shapely.set_srid(SITES, 4490), include_srid=True).tolist()),  # EWKB
        pa.array(shapely.to_wkb(shapely.points(np.c_[SITES_XY, SITES_XY[:, :1]])).tolist()),  # Z
        pa.array(wkb + [None]),
        pa.array(wkb + shapely.to_wkb(shapely.from_wkt(["POINT EMPTY"])).tolist()),
        pa.array(wkb + shapely.to_wkb([NAN_POINT, INF_POINT]).tolist()),
        pa.array(wkb + shapely.to_wkb(shapely.multipoints([SITES_XY])).tolist()),
        pa.array(wkb[:1] + [wkb[1][:20] + b"\x00\x00"]),  # 21 bytes but not a 21-byte point header
        pa.array([b"\x01\x02\x00\x00\x00" + bytes(16)]),  # type 2 in 21 bytes
        pa.array([], pa.binary()),
        pa.chunked_array([], pa.binary()),
        pa.array(["POINT (1 2)"]),  # not binary
    ]
    for array in rejected:
        assert fastpoints._wkb_points_xy(array) is None, array


def test_kind_column_is_what_pandas_makes_of_the_strings():
    codes = np.array([0, 2, 1, 1, 0, 2], dtype=np.int8)
    expected = pd.DataFrame({"a": range(6)})
    expected["kind"] = np.array(KINDS, dtype=object)[codes]
    got = pd.DataFrame({"a": range(6)})
    got["kind"] = stages._kind_column(codes)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert type(got["kind"].array) is type(expected["kind"].array)
    assert pa.array(got["kind"].array).type == pa.array(expected["kind"].array).type


def test_read_layer_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    assert gc.isenabled()
    read_layer(DATA / "points.parquet")
    assert gc.isenabled()
    with pytest.raises(AtlasError):
        read_layer(BAD / "nan.csv")
    assert gc.isenabled()
    gc.disable()
    try:
        read_layer(DATA / "points.parquet")
        assert not gc.isenabled()
    finally:
        gc.enable()
