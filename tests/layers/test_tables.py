"""geo.layers.tables: CSV files, their encodings, and geometries from coordinate or WKT columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chengyu.geo.layers import read_layer
from tests.layers.samples import DATA, SITE_NAMES, SITES_XY, check_output, coordinates, make_samples


def test_csv_with_chinese_coordinate_columns():
    layer = read_layer(DATA / "sites.csv")
    check_output(layer)
    r = layer.report
    assert (r.format, r.encoding, r.crs_declared, r.crs_used) == ("CSV", "UTF-8", None, "EPSG:4326")
    assert list(layer.gdf.columns) == ["名称", "类型", "编号", "kind", "geometry"]
    assert layer.gdf["名称"].tolist() == SITE_NAMES
    assert layer.gdf["编号"].tolist() == ["001", "002", "003", "004", "005"]  # codes stay text
    np.testing.assert_allclose(coordinates(layer), SITES_XY)
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
    check_output(layer)
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
    assert coordinates(layer).tolist() == [[106.3, 29.6]]


def test_csv_empty_coordinates_are_dropped_and_counted(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,lon,lat\na,106.3,29.6\nb,,\nc,106.4,\n", encoding="utf-8")
    layer = read_layer(path)
    assert layer.gdf["name"].tolist() == ["a"]
    assert layer.report.dropped_empty == 2
    assert "dropped 2 null or empty geometries" in layer.report.lines()


def test_hostile_csv_values_survive_verbatim(tmp_path):
    values = make_samples.HOSTILE_VALUES + ["  padded  ", "NA", "None", "null"]
    frame = pd.DataFrame({"{{ name }}": values, "lon": 106.3, "lat": 29.6})
    path = tmp_path / "h.csv"
    frame.to_csv(path, index=False)
    layer = read_layer(path)
    assert layer.gdf["{{ name }}"].tolist() == values
