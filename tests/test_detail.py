"""Overview and full geometry in one page (maps.detail), without a browser."""

import json
import re

import shapely

from maps.detail import DETAIL_KEY, OVERVIEW_KEY, PATH_KEY, with_detail, with_paths
from maps.offline import render_html
from maps.render import economic_circle_map, science_city_map


def _collection(*geoms):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": str(i)}, "geometry": shapely.geometry.mapping(g)}
        for i, g in enumerate(geoms)]}


def test_only_features_that_lost_vertices_carry_their_full_coordinates():
    triangle = shapely.Polygon([(0, 0), (2, 0), (2, 2)])
    fuller = shapely.Polygon([(0, 0), (1, 0.01), (2, 0), (2, 2)])
    islands = shapely.MultiPolygon([fuller, shapely.box(5, 5, 6, 6)])
    overview_islands = shapely.MultiPolygon([triangle, shapely.box(5, 5, 6, 6)])
    data = _collection(triangle, triangle, overview_islands)
    lines = with_detail(data, [triangle, fuller, islands])
    marks = [f.get(DETAIL_KEY) for f in data["features"]]
    assert marks == [None, [0, 1], [1, 2]]  # line, and Leaflet's nesting depth (Polygon 1, MultiPolygon 2)
    assert json.loads(lines[0]) == json.loads(json.dumps(shapely.geometry.mapping(fuller)["coordinates"]))
    assert json.loads(lines[1]) == json.loads(json.dumps(shapely.geometry.mapping(islands)["coordinates"]))
    assert all(set(line) <= set("0123456789.,-[]e") for line in lines)  # joined with ";", nothing to escape


def _vertices(coordinates) -> int:
    return 1 if isinstance(coordinates[0], float | int) else sum(_vertices(c) for c in coordinates)


def _opening_and_full_vertices(html: str) -> tuple[int, int]:
    """Vertices the map opens with (drawn from pixel paths, then read a frame later); of the full geometry."""
    layers = [json.loads(m.group(1)) for m in re.finditer(r"^\s*geo_json_\w+_add\((\{.*\})\);$", html, re.M)]
    texts = [m.groups() for m in re.finditer(
        r'^\s*var (overview_detail_\d+) = "([^"]*)";\n\s*var \1_overview = "([^"]*)";$', html, re.M)]
    assert len(texts) == len(layers)
    opening = full = 0
    for layer, (_, detail, overview) in zip(layers, texts, strict=True):
        for feature in layer["features"]:
            if OVERVIEW_KEY in feature:
                assert feature["geometry"]["coordinates"] == []  # moved out of the GeoJSON
                drawn = _vertices(json.loads(overview.split(";")[feature[OVERVIEW_KEY][0]]))
            else:
                drawn = _vertices(feature["geometry"]["coordinates"])
            opening += drawn
            full += _vertices(json.loads(detail.split(";")[feature[DETAIL_KEY][0]])) if DETAIL_KEY in feature else drawn
    return opening, full


def test_the_circle_opens_on_overview_geometry_and_carries_the_rest():
    html = render_html(economic_circle_map())
    assert len(re.findall(r"\}\)\(geo_json_\w+, map_\w+, 7\.25,\s", html)) == 5  # every district layer
    opening, full = _opening_and_full_vertices(html)
    assert full == 32_909 + 540  # every unit's display geometry, and the five hosts' outlines again
    assert opening < 0.5 * full  # the rest only when zoomed in past 7.25


def test_features_with_a_pixel_path_leave_their_coordinates_for_later():
    islands = shapely.MultiPolygon([shapely.box(106, 29, 107, 30), shapely.box(108, 29, 109, 30)])
    geometries = [shapely.box(106, 29, 107, 30), shapely.Point(106, 29), islands]
    data = _collection(*geometries)
    before = [f["geometry"] for f in data["features"]]
    lines = with_paths(data, geometries, 9.25)
    features = data["features"]
    assert [f.get(OVERVIEW_KEY) for f in features] == [[0, 1], None, [1, 2]]  # line, Leaflet's nesting depth
    assert [json.loads(line) for line in lines] == [json.loads(json.dumps(before[0]["coordinates"])),
                                                    json.loads(json.dumps(before[2]["coordinates"]))]
    assert [f["geometry"] for f in features] == [{"type": "Polygon", "coordinates": []}, before[1],
                                                 {"type": "MultiPolygon", "coordinates": []}]
    assert features[1].get(PATH_KEY) is None  # nothing to draw from a path: it stays as it was
    for feature in features[::2]:
        x, y, rest = feature[PATH_KEY]
        assert isinstance(x, int) and isinstance(y, int) and re.fullmatch(r"l[-0-9 ]+z(m[-0-9 ]+l[-0-9 ]+z)*", rest)
    assert "m" in features[2][PATH_KEY][2]  # the second island, from the first one's first vertex


def test_the_science_city_needs_no_overview_and_opens_on_pixel_paths():
    # At its opening zoom (9.25) a pixel is ~250 m: too few vertices to drop to be worth a second copy.
    html = render_html(science_city_map())
    assert re.findall(r'^\s*var overview_detail_\d+ = "(.*)";$', html, re.M) == ["", ""]  # two layers, no copy
    assert len(re.findall(r"\}\)\(geo_json_\w+, map_\w+, 9\.25,\s", html)) == 2
    layers = [json.loads(m.group(1)) for m in re.finditer(r"^\s*geo_json_\w+_add\((\{.*\})\);$", html, re.M)]
    assert [len(layer["features"]) for layer in layers] == [33, 5]
    assert all(PATH_KEY in f for layer in layers for f in layer["features"])  # every district drawn from one
    opening, full = _opening_and_full_vertices(html)
    assert opening == full == 4_976  # the display geometry of Chongqing's 38 districts, once
