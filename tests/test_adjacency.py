"""geo.adjacency: which units share a border, on the bundled boundaries."""

import geopandas as gpd
import shapely

from chengyu.geo import economic_circle, science_city
from chengyu.geo.adjacency import neighbours


def test_science_city_hosts():
    graph = neighbours(science_city(), "name_en")
    assert graph["Shapingba District"] == {"Beibei District", "Bishan District", "Jiulongpo District"}
    assert "Jiangjin District" not in graph["Shapingba District"]
    assert all(a in graph[b] for a in graph for b in graph[a])  # symmetric


def test_member_cities_of_the_circle():
    units = economic_circle()
    graph = neighbours(units[units["membership"] == "full"], "member_city_code")
    assert len(graph) == 16
    assert {"510500", "511600"} <= graph["500000"]  # Luzhou and Guang'an border Chongqing
    assert "510100" not in graph["500000"]  # Chengdu does not
    assert {"510600", "511400", "512000", "511800"} <= graph["510100"]  # Deyang, Meishan, Ziyang, Ya'an


def test_a_corner_is_not_a_border():
    squares = gpd.GeoDataFrame({"k": ["a", "b", "c"]}, crs=3857,
                               geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 1000, 2000, 2000),
                                         shapely.box(1000, 0, 2000, 1000)])
    assert neighbours(squares, "k") == {"a": {"c"}, "b": {"c"}, "c": {"a", "b"}}
