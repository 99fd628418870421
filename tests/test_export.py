"""geo.export: every format read back as written, the shapefile's short field names, the same bytes twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from chengyu.geo.errors import AtlasError
from chengyu.geo.export import FORMATS, export_frame, format_for
from chengyu.geo.shapefile_zip import FIELD_BYTES, TEXT_BYTES, short_names
from chengyu.geo.zone_attributes import zones_with_attributes
from chengyu.geo.zones import ZONE_KINDS, zones

STAMP = dt.datetime(2021, 10, 20, tzinfo=dt.timezone.utc)  # the Master Plan's month
EXTENSION = {name: spec.extensions[0] for name, spec in FORMATS.items()}
# How close a coordinate comes back: GeoJSON is written with 8 decimals, CSV's WKT with 15 significant
# digits; the binary formats keep the doubles.
TOLERANCE = {"geojson": 5e-9, "csv": 1e-9}
NESTED = ["tags", "meta", "mixed"]


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    """The Science City's hosts with their plan attributes, a flag and three columns of lists and tables."""
    frame = zones_with_attributes("science-city")
    frame.insert(3, "host", [True, False, True, True, False])
    frame.insert(4, "tags", [[name, "科学城"] for name in frame["name_zh"]])
    frame.insert(5, "meta", [{"rank": i, "名": name} for i, name in enumerate(frame["name_zh"])])
    frame.insert(6, "mixed", [[i, "二"] for i in range(len(frame))])  # no Arrow type holds it
    frame.insert(7, "note", ["[1, 2]", "{}", "", None, "注"])  # text, though some of it looks like JSON
    return frame


def _read(path: Path, fmt: str, layer: str) -> gpd.GeoDataFrame:
    if fmt == "shapefile":
        return pyogrio.read_dataframe(f"/vsizip/{path}/{layer}.shp")
    if fmt == "csv":
        # quoted fields (the codes) stay text, the rest are typed
        return pyogrio.read_dataframe(path, AUTODETECT_TYPE="YES", QUOTED_FIELDS_AS_STRING="YES")
    if fmt == "geoparquet" and "Parquet" not in pyogrio.list_drivers():
        return gpd.read_parquet(path)  # pyogrio's wheels are built without GDAL's Parquet driver
    return pyogrio.read_dataframe(path)


def _multi(geometry: gpd.GeoSeries) -> np.ndarray:
    """Each geometry as a normalized MultiPolygon (a shapefile reads one part back as a Polygon)."""
    parts = [shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in geometry]
    return shapely.normalize(np.array(parts, dtype=object))


def _written(values: pd.Series, fmt: str, flattened: bool) -> list:
    """The values as the format holds them."""
    if flattened:
        return [json.dumps(v, ensure_ascii=False) for v in values]
    text = values.dtype.kind == "O" and not isinstance(values.dtype, pd.CategoricalDtype)
    if fmt == "shapefile" and text:
        return [None if v == "" else v for v in values.astype(object)]  # a .dbf has no empty text but none
    if fmt == "csv" and text:
        return values.astype(object).where(values.notna(), "").tolist()  # nor has a CSV missing text
    return values.astype(object).tolist()


def _same(got, expected) -> bool:
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        return got is None or (isinstance(got, float) and np.isnan(got))
    if isinstance(expected, float):
        return got == pytest.approx(expected, rel=1e-14)
    if isinstance(expected, list):
        return list(got) == expected
    return got == expected


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_round_trip(units, tmp_path, fmt):
    path = tmp_path / f"science-city{EXTENSION[fmt]}"
    report = export_frame(units, path, fmt, layer="science_city", stamp=STAMP)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    back = _read(path, fmt, "science_city")
    assert len(back) == len(units) == report.rows

    expected = units.to_crs(4326) if fmt == "geojson" else units
    if fmt == "csv":
        assert back.crs is None  # a CSV holds no CRS; the report says so
    else:
        assert back.crs.equals(expected.crs)
    same = shapely.equals_exact(_multi(back.geometry), _multi(expected.geometry), TOLERANCE.get(fmt, 1e-12))
    assert same.all()

    fields = report.renamed if fmt == "shapefile" else {}
    for column in units.columns.drop("geometry"):
        got = back[fields.get(column, column)].astype(object).tolist()
        want = _written(units[column], fmt, column in report.flattened)
        assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (column, got, want)
    assert back.loc[0, "name_zh"] == "沙坪坝区" and "西永" in back.loc[0, "role"]
    assert report.flattened == (("mixed",) if fmt == "geoparquet" else tuple(NESTED))


def test_report_lines_say_what_changed(units, tmp_path):
    geojson = export_frame(units, tmp_path / "a.geojson", "geojson", layer="science_city")
    lines = geojson.lines()
    assert lines[0] == "5 features, GeoJSON layer science_city, EPSG:4326 (reprojected from EPSG:4490)"
    assert "RFC 7946" in lines[1]
    assert lines[2] == "GeoJSON holds no lists or tables; written as JSON text: tags, meta, mixed"
    csv_lines = export_frame(units, tmp_path / "a.csv", "csv").lines()
    assert csv_lines[0].endswith(", EPSG:4490") and "does not record its CRS" in csv_lines[1]
    assert not any("JSON" in line for line in export_frame(units[["code", "geometry"]], tmp_path / "b.gpkg",
                                                              "gpkg").lines())


def test_shapefile_zip_members_and_field_names(units, tmp_path):
    path = tmp_path / "science-city.zip"
    report = export_frame(units, path, "shapefile", layer="science_city", stamp=STAMP)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == [f"science_city.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")] + ["fields.csv"]
        assert zf.read("science_city.cpg").decode().strip() == "UTF-8"
        assert "China_Geodetic_Coordinate_System_2000" in zf.read("science_city.prj").decode()
        rows = list(csv.reader(io.StringIO(zf.read("fields.csv").decode("utf-8-sig"))))
    columns = [c for c in units.columns if c != "geometry"]
    names = short_names(columns)
    assert rows == [["field", "column"], *([names[c], c] for c in columns)]
    assert report.renamed == {c: n for c, n in names.items() if c != n}
    assert {"official_area_km2": "off_km2", "science_city_part_km2": "scp_km2", "city_name_zh": "city_zh",
            "official_area_confidence": "off_conf", "known_units_source": "units_src"}.items() <= names.items()
    fields = list(pyogrio.read_info(f"/vsizip/{path}/science_city.shp")["fields"])
    assert fields == list(names.values())
    assert pyogrio.read_dataframe(path)["name_zh"].tolist() == units["name_zh"].tolist()  # GDAL opens the zip as is
    assert "field off_km2 = column official_area_km2" in report.lines()


def test_short_names_fit_and_are_unique():
    columns = ["official_area_km2", "off_km2", "OFF_KM2_1", "Name", "name", "覆盖面积平方公里", "a" * 30, "a" * 31,
               "___", "covered_pct"]
    names = short_names(columns)
    assert list(names) == columns
    assert all(len(n.encode("utf-8")) <= FIELD_BYTES and n for n in names.values())
    assert len({n.lower() for n in names.values()}) == len(columns)
    assert names["off_km2"] == "off_km2" and names["Name"] == "Name"  # names that fit keep their name
    assert names["official_area_km2"] == "off_km2_2" and names["name"] == "name_1"
    assert names["覆盖面积平方公里"] == "覆盖面"  # 9 bytes: a character is never cut in half
    assert short_names(columns) == names  # the same columns, the same fields


def test_shapefile_cuts_long_text(units, tmp_path):
    frame = units[["code", "geometry"]].assign(story=["长" * 100, "short", None, "", "x" * 300])
    report = export_frame(frame, tmp_path / "u.zip", "shapefile")
    back = pyogrio.read_dataframe(f"/vsizip/{tmp_path / 'u.zip'}/units.shp")
    assert report.cut == ("story",)
    assert back["story"].tolist()[:2] == ["长" * (TEXT_BYTES // 3), "short"]
    assert len(back.loc[4, "story"]) == TEXT_BYTES
    assert any(line.startswith(f"text cut to {TEXT_BYTES} bytes") for line in report.lines())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_bytes_twice(units, tmp_path, fmt):
    # Different file names and folders, as a caller's temporary files have: the layer is named, not the file.
    first, second = tmp_path / "one.part", tmp_path / "two" / f"other{EXTENSION[fmt]}"
    second.parent.mkdir()
    first.write_bytes(b"")  # as tempfile.mkstemp leaves it
    for path in (first, second):
        export_frame(units, path, fmt, stamp=STAMP)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.part", "two"]  # no folder for FlatGeobuf or CSV


@pytest.mark.parametrize("fmt", ["geojson", "csv", "flatgeobuf", "geoparquet"])
def test_same_bytes_without_a_stamp(units, tmp_path, monkeypatch, fmt):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    export_frame(units, tmp_path / "a", fmt)
    export_frame(units, tmp_path / "b", fmt)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_source_date_epoch_dates_geopackage_and_zip(units, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(STAMP.timestamp())))
    export_frame(units, tmp_path / "u.gpkg", "gpkg")
    with sqlite3.connect(tmp_path / "u.gpkg") as db:
        assert db.execute("SELECT last_change FROM gpkg_contents").fetchone()[0] == "2021-10-20T00:00:00.000Z"
    db.close()
    export_frame(units, tmp_path / "u.zip", "shapefile")
    with zipfile.ZipFile(tmp_path / "u.zip") as zf:
        assert {info.date_time for info in zf.infolist()} == {(2021, 10, 20, 0, 0, 0)}
        assert zf.read("units.dbf")[1:4] == bytes([121, 10, 20])  # the .dbf's date: years since 1900
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # set for the write only

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(AtlasError, match="^SOURCE_DATE_EPOCH: is 'yesterday', not a count of seconds"):
        export_frame(units, tmp_path / "v.gpkg", "gpkg")


def test_the_frame_is_left_as_it_was(units, tmp_path):
    frame = zones("economic-circle").table  # Polygons among the MultiPolygons
    before = frame.copy()
    nested = units.copy()
    export_frame(frame, tmp_path / "ec.fgb", "flatgeobuf")
    export_frame(nested, tmp_path / "sc.gpkg", "gpkg")
    assert_geodataframe_equal(frame, before)
    assert nested["tags"].tolist() == units["tags"].tolist()
    info = pyogrio.read_info(tmp_path / "ec.fgb")
    assert info["geometry_type"] == "MultiPolygon" and info["features"] == len(frame)
    assert pyogrio.read_dataframe(tmp_path / "ec.fgb")["code"].tolist() == frame["code"].tolist()  # order kept


def test_format_for():
    assert format_for("a.GPKG") == "gpkg"
    assert format_for("dir.zip/a.shp.zip") == format_for("a.zip") == "shapefile"
    assert format_for("a.json") == "geojson" and format_for("a.geoparquet") == "geoparquet"
    assert format_for("a.csv", "FlatGeobuf") == "flatgeobuf"  # fmt= wins over the extension
    with pytest.raises(AtlasError) as err:
        format_for("out/areas.xlsx")
    message = str(err.value)
    assert message.startswith("out/areas.xlsx: unknown extension '.xlsx'; known are .gpkg, .geojson, .json")
    assert "fmt=" in message and "--" not in message
    assert err.value.worded({"fmt": "--format"}).endswith("or pass --format (gpkg, geojson, shapefile, "
                                                             "geoparquet, flatgeobuf, csv)")
    with pytest.raises(AtlasError, match=r"^areas: no extension; known are"):
        format_for("areas")
    with pytest.raises(AtlasError, match=r"^a.gpkg: unknown fmt='kml'; use one of gpkg, geojson"):
        format_for("a.gpkg", "kml")


def test_a_column_called_fid(units, tmp_path):
    frame = units[["code", "geometry"]].assign(fid=["a", "b", "c", "d", "e"], FID_1=range(5))
    export_frame(frame, tmp_path / "u.gpkg", "gpkg")
    back = pyogrio.read_dataframe(tmp_path / "u.gpkg")
    assert back["fid"].tolist() == ["a", "b", "c", "d", "e"] and back["FID_1"].tolist() == list(range(5))


def test_programming_errors_are_not_atlas_errors(units, tmp_path):
    with pytest.raises(ValueError, match="layer must be"):
        export_frame(units, tmp_path / "a.gpkg", "gpkg", layer="../x")
    with pytest.raises(ValueError, match="no CRS"):
        export_frame(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]), tmp_path / "a.gpkg", "gpkg")


@pytest.mark.parametrize("kind", ZONE_KINDS)
def test_zones_with_attributes(kind):
    frame = zones_with_attributes(kind)
    table = zones(kind).table
    assert list(frame.columns[:len(table.columns) - 1]) == list(table.columns.drop("geometry"))
    assert frame.columns[-1] == "geometry" and frame.crs == table.crs
    assert frame["code"].tolist() == table["code"].tolist()
    extra = {"districts": {"membership", "science_city_host", "province_name_zh"},
             "science-city": {"role", "science_city_part_km2", "known_units"}, "economic-circle": set()}[kind]
    assert extra <= set(frame.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(frame.drop(columns=list(set(frame.columns) - set(table.columns)))),
                                  pd.DataFrame(table))
