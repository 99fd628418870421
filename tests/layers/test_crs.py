"""geo.layers.crs: the CRS settled from the file and the caller, checked against the coordinates, converted."""

from __future__ import annotations

import json

import geopandas as gpd
import geopandas.testing
import numpy as np
import pandas as pd
import pytest

from chengyu.geo.chinacrs import wgs84_to_bd09
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.layers.samples import BAD, DATA, SITE_NAMES, SITES_XY, check_output, coordinates


def test_projected_geopackage_is_reprojected():
    layer = read_layer(DATA / "projected.gpkg")
    check_output(layer)
    assert layer.report.crs_declared == "EPSG:32648" and layer.report.crs_used == "EPSG:32648"
    np.testing.assert_allclose(coordinates(layer), SITES_XY, atol=1e-8)


def test_gcj_hint_for_wgs84_layers_in_china():
    r = read_layer(DATA / "parks.geojson").report
    hint = next(h for h in r.hints if "GCJ-02" in h)
    assert "about 480 m here" in hint and "crs='gcj02'" in hint and "crs='bd09'" in hint
    assert "cannot be detected" in hint
    # Not when the user said what the CRS is, nor for a projected layer.
    assert not [h for h in read_layer(DATA / "parks.geojson", crs="EPSG:4326").report.hints if "GCJ" in h]
    assert not [h for h in read_layer(DATA / "projected.gpkg").report.hints if "GCJ" in h]


def test_gcj02_points_are_converted_back():
    truth = pd.read_csv(DATA / "gcj_points.csv")
    plain = read_layer(DATA / "gcj_points.csv")
    shift = np.hypot(*(coordinates(plain) - truth[["wgs84_lng", "wgs84_lat"]].to_numpy()).T)
    assert (shift > 0.003).all()  # a few hundred metres off as they are
    layer = read_layer(DATA / "gcj_points.csv", crs="gcj02")
    assert layer.report.crs_used == "gcj02" and layer.report.crs_declared is None
    np.testing.assert_allclose(coordinates(layer), truth[["wgs84_lng", "wgs84_lat"]].to_numpy(), atol=1e-7)
    assert not [h for h in layer.report.hints if "GCJ" in h]


def test_bd09_points_are_converted_back(tmp_path):
    lon, lat = wgs84_to_bd09(SITES_XY[:, 0], SITES_XY[:, 1])
    path = tmp_path / "bd.csv"
    pd.DataFrame({"name": SITE_NAMES, "lng": lon, "lat": lat}).to_csv(path, index=False)
    layer = read_layer(path, crs="BD-09")
    assert layer.report.crs_used == "bd09"
    np.testing.assert_allclose(coordinates(layer), SITES_XY, atol=1e-7)


def test_gcj02_refused_for_a_projected_layer():
    with pytest.raises(AtlasError) as err:
        read_layer(DATA / "projected.gpkg", crs="gcj02")
    assert err.value.problem.startswith("declares the projected CRS EPSG:32648 but crs='gcj02'")


def test_user_crs_for_a_layer_without_one():
    layer = read_layer(BAD / "projected_noprj", crs="EPSG:32648")
    check_output(layer)
    assert layer.report.crs_declared is None and layer.report.crs_used == "EPSG:32648"
    xy = coordinates(layer)
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


def test_parks_cover_part_of_the_science_city_hosts(districts):
    # Later code intersects user layers with the bundled districts: the CRSs match.
    parks = read_layer(DATA / "parks.geojson").gdf
    hosts = districts.loc[["500106", "500107"]]
    assert parks.crs == hosts.crs
    joined = gpd.sjoin(parks, hosts.reset_index()[["code", "geometry"]], predicate="within")
    assert len(joined) == len(parks)
