"""geo.layers.geoparquet_meta: the "geo" metadata read as geopandas.read_parquet reads it, in its words."""

from __future__ import annotations

import json

import geopandas as gpd
import pyarrow.parquet as pq
import pyproj
import pytest
import shapely

from chengyu.geo.layers.geoparquet_meta import column_crs, read_geo_metadata, without_member_ids


def _geoparquet(path, crs="EPSG:4326"):
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(106.3, 29.6)], crs=crs).to_parquet(path)
    return path


def _with_geo(path, geo: bytes):
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"geo": geo}), path)
    return path


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", "EPSG:4979", "EPSG:32648", None])
def test_the_metadata_and_crs_of_files_geopandas_writes(tmp_path, crs):
    path = _geoparquet(tmp_path / "p.parquet", crs)
    meta = read_geo_metadata(pq.read_schema(path).metadata)
    assert meta.primary_column == "geometry" and list(meta.columns) == ["geometry"]
    assert meta.columns["geometry"]["encoding"] == "WKB"
    assert column_crs(meta.columns["geometry"]) == gpd.read_parquet(path).crs


def test_a_column_without_a_crs_is_in_crs84_and_a_null_one_has_none():
    assert column_crs({"encoding": "WKB"}) == pyproj.CRS("OGC:CRS84")
    assert column_crs({"encoding": "WKB", "crs": None}) is None
    wkt = pyproj.CRS("EPSG:4490").to_wkt()  # GeoParquet 0.1 stored WKT
    assert column_crs({"encoding": "WKB", "crs": wkt}) == pyproj.CRS("EPSG:4490")


def test_ensemble_member_ids_are_dropped_from_a_copy():
    projjson = pyproj.CRS("EPSG:4326").to_json_dict()
    members = projjson["datum_ensemble"]["members"]
    assert members and all("id" in m for m in members)
    for m in members:  # ids no PROJ database knows: parsed by the members' names alone
        m["id"] = {"authority": "EPSG", "code": 999_000 + members.index(m)}
    stripped = without_member_ids(projjson)
    assert all("id" not in m for m in stripped["datum_ensemble"]["members"])
    assert all("id" in m for m in projjson["datum_ensemble"]["members"])  # the file's own dict untouched
    assert stripped["id"] == projjson["id"]  # other ids stay
    assert column_crs({"encoding": "WKB", "crs": projjson}) == pyproj.CRS("EPSG:4326")


def _column(**change):
    return {"version": "1.0.0", "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], **change}}}


BROKEN = {
    "not JSON": b"{not json",
    "not UTF-8": b"\xff\xfe",
    "empty": b"{}",
    "no version": json.dumps({"primary_column": "geometry", "columns": {}}).encode(),
    "no primary column": json.dumps({"version": "1.0.0", "columns": {}}).encode(),
    "no columns": json.dumps({"version": "1.0.0", "primary_column": "geometry"}).encode(),
    "columns a list": json.dumps({"version": "1.0.0", "primary_column": "geometry", "columns": []}).encode(),
    "no encoding": json.dumps({**_column(), "columns": {"geometry": {}}}).encode(),
    "an unknown encoding": json.dumps(_column(encoding="WKT")).encode(),
    "a bbox without ymax": json.dumps(_column(covering={"bbox": {"xmin": [], "ymin": [], "xmax": []}})).encode(),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_metadata_is_said_in_geopandas_words(tmp_path, case):
    path = _with_geo(_geoparquet(tmp_path / "p.parquet"), BROKEN[case])
    with pytest.raises(ValueError) as ours:
        read_geo_metadata(pq.read_schema(path).metadata)
    with pytest.raises(ValueError) as theirs:
        gpd.read_parquet(path)
    assert str(ours.value) == str(theirs.value)


def test_no_geo_metadata_at_all():
    for metadata in (None, {b"pandas": b"{}"}):
        with pytest.raises(ValueError, match="Missing geo metadata in Parquet/Feather file"):
            read_geo_metadata(metadata)


def test_schema_version_of_geoparquet_0_1():
    geo = {"schema_version": "0.1.0", **{k: v for k, v in _column().items() if k != "version"}}
    meta = read_geo_metadata({b"geo": json.dumps(geo).encode()})
    assert meta.version == "0.1.0"
