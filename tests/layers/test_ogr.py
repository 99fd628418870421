"""geo.layers.ogr: GeoJSON, GeoPackage and KML through GDAL — which layers are read, and what of them."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyogrio
import pytest

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.layers.samples import DATA, SITE_NAMES, check_output, coordinates, make_samples


def test_geojson_parks_repaired_z_dropped(districts):
    layer = read_layer(DATA / "parks.geojson")
    check_output(layer)
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


def test_geopackage_single_layer():
    layer = read_layer(DATA / "rail.gpkg")
    check_output(layer)
    assert layer.report.format == "GeoPackage" and layer.report.layer == "rail"
    assert layer.name == "rail"
    assert layer.gdf["kind"].tolist() == ["line"]
    assert layer.gdf["name"].tolist() == ["科学城轨道线（规划）"]
    np.testing.assert_allclose(coordinates(layer), make_samples.RAIL)


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


def test_kml():
    layer = read_layer(DATA / "places.kml")
    check_output(layer)
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
