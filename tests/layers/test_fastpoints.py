"""geo.layers.fastpoints: point layers decoded from their WKB with numpy give what the general readers give.

GeoParquet and GeoPackage point layers are read by decoding their WKB with numpy (geo.layers.fastpoints.
geoparquet_points, gpkg_points); everything else, and anything odd, goes to the general readers. Either way the
result must be the same: same GeoDataFrame, same report, same error.
"""

from __future__ import annotations

import dataclasses
import json
import time

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

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import fastpoints, ogr, parquet, read_layer
from tests.layers.samples import SITE_NAMES, SITES_XY, check_output


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_a_million_points_read_vectorised(tmp_path, suffix):
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
    check_output(fast)
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
