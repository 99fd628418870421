"""geo.packed: geometry as typed arrays round-trips to its grid, in a few bytes a vertex."""

import base64
import json

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chengyu.geo.packed import GRID_DEG, mercator_px, pack, unpack


def snapped(geoms: np.ndarray) -> np.ndarray:
    """What packing should give back: every coordinate on the grid, in the packed order."""
    return shapely.set_precision(geoms, GRID_DEG, mode="pointwise")


def assert_round_trip(geoms: np.ndarray) -> None:
    packed = pack(geoms)
    meta = json.loads(json.dumps(packed.meta()))  # what the page gets
    back = unpack(meta, packed.payload())
    want = snapped(geoms[packed.order])
    assert sorted(packed.order.tolist()) == list(range(len(geoms)))
    assert len(back) == len(geoms) == packed.count
    # Every coordinate on a grid point, the one nearest to where it was: within half a step on each
    # axis. (One exactly half-way, such as 26.0703125, may go either way, where GEOS's set_precision
    # picks the upper one: so the geometry is compared with the snapped one to a step on each axis.)
    same = shapely.equals_exact(back, want, tolerance=GRID_DEG * 1.5)
    assert (same | (shapely.is_empty(back) & shapely.is_empty(want))).all()
    got, was = shapely.get_coordinates(back), shapely.get_coordinates(geoms[packed.order])
    assert got.shape == was.shape
    assert (np.abs(got - was) <= GRID_DEG * 0.5 + 1e-12).all()
    assert (np.abs(got / GRID_DEG - np.round(got / GRID_DEG)) < 1e-3).all()
    assert (shapely.get_num_geometries(back) == shapely.get_num_geometries(want)).all()


lon = st.floats(102.0, 110.0, allow_nan=False)
lat = st.floats(26.0, 33.0, allow_nan=False)


@st.composite
def polygons(draw):
    """Boxes, some with a box-shaped hole, some several in a MultiPolygon, some empty."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        x, y = draw(lon), draw(lat)
        w, h = draw(st.floats(1e-4, 0.5)), draw(st.floats(1e-4, 0.5))
        shell = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        hole = [(x + w / 4, y + h / 4), (x + w / 4, y + h / 2), (x + w / 2, y + h / 2), (x + w / 2, y + h / 4)]
        out.append(shapely.Polygon(shell, [hole] if draw(st.booleans()) else []))
    if len(out) == 1:
        return out[0]
    return shapely.MultiPolygon(out) if draw(st.booleans()) else shapely.Polygon()


@st.composite
def lines(draw):
    parts = [shapely.LineString([(draw(lon), draw(lat)) for _ in range(draw(st.integers(2, 6)))])
             for _ in range(draw(st.integers(1, 3)))]
    return parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)


@st.composite
def points(draw):
    pts = [(draw(lon), draw(lat)) for _ in range(draw(st.integers(1, 3)))]
    return shapely.Point(pts[0]) if len(pts) == 1 else shapely.MultiPoint(pts)


@settings(max_examples=60, deadline=None)
@given(st.lists(polygons(), min_size=1, max_size=12))
def test_polygons_with_holes_and_parts_round_trip_to_the_grid(geoms):
    assert_round_trip(np.array(geoms, dtype=object))


@settings(max_examples=60, deadline=None)
@given(st.lists(lines(), min_size=1, max_size=12))
def test_lines_round_trip_to_the_grid(geoms):
    assert_round_trip(np.array(geoms, dtype=object))


@settings(max_examples=60, deadline=None)
@given(st.lists(points(), min_size=1, max_size=30))
def test_points_and_multipoints_round_trip_to_the_grid(geoms):
    assert_round_trip(np.array(geoms, dtype=object))


def test_rings_travel_without_their_closing_vertex_and_single_levels_are_left_out():
    box = shapely.box(106.0, 29.0, 106.1, 29.1)
    packed = pack(np.array([box, box]))
    assert packed.vertices == 8
    assert set(packed.counts) == {"vertices"}  # one part each, one ring each: left out
    assert packed.counts["vertices"].tolist() == [4, 4]


def test_mixed_kinds_and_missing_geometries_are_refused():
    with pytest.raises(ValueError, match="not all points"):
        pack(np.array([shapely.Point(106, 29), shapely.box(106, 29, 107, 30)]))
    with pytest.raises(ValueError, match="missing"):
        pack(np.array([shapely.Point(106, 29), None]))


def test_the_payload_is_the_same_bytes_on_every_build():
    rng = np.random.default_rng(3)
    pts = shapely.points(rng.uniform(105, 108, (1000, 2)) + [0, -76])
    assert pack(pts).payload() == pack(pts.copy()).payload()


def page_bytes(geoms: np.ndarray) -> int:
    packed = pack(geoms)
    return len(base64.b64encode(packed.payload())) + len(json.dumps(packed.meta()))


def test_a_million_points_take_under_12_bytes_each_in_the_page():
    # Clustered around towns, as firms are: the size target of issue 13 (≤ 12 bytes a point).
    rng = np.random.default_rng(1)
    towns = rng.uniform([103.5, 28.5], [108.5, 31.5], (300, 2))
    xy = towns[rng.integers(0, 300, 1_000_000)] + rng.normal(0, 0.03, (1_000_000, 2))
    size = page_bytes(shapely.points(xy))
    assert size / 1_000_000 <= 12


def test_building_footprints_take_under_40_bytes_a_vertex_in_the_page():
    rng = np.random.default_rng(2)
    n = 100_000
    centre = rng.uniform([106.3, 29.4], [106.7, 29.8], (n, 2))
    w, h = rng.uniform(5e-5, 3e-4, n), rng.uniform(5e-5, 3e-4, n)
    boxes = shapely.box(centre[:, 0], centre[:, 1], centre[:, 0] + w, centre[:, 1] + h)
    assert page_bytes(boxes) / (4 * n) <= 40


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(polygons(), lines(), points()), min_size=1, max_size=6))
def test_the_world_form_is_leaflets_pixels_of_the_grid(geoms):
    assume(len({g.geom_type.replace("Multi", "") for g in geoms}) == 1)  # one kind a layer
    packed = pack(np.array(geoms, dtype=object))
    meta, data = packed.world()
    arrays = {a["name"]: np.frombuffer(data, "<f4" if a["type"] == "f32" else "<i4", a["length"], a["offset"])
              for a in meta["arrays"]}
    want = shapely.get_coordinates(unpack(packed.meta(), packed.payload()))
    if packed.kind == "polygon":  # rings without their closing vertex, as in the compact form
        want = np.concatenate([shapely.get_coordinates(r)[:-1] for g in unpack(packed.meta(), packed.payload())
                               for p in shapely.get_parts(g) for r in shapely.get_rings(p)]) if len(want) else want
    wx, wy = mercator_px(want[:, 0], want[:, 1])
    x0, y0 = meta["origin_px"]
    assert np.allclose(arrays["x"] + x0, wx, atol=1e-5) and np.allclose(arrays["y"] + y0, wy, atol=1e-5)
    # offsets end where the next level starts, the last at the vertices
    last = packed.count
    for level in meta["levels"]:
        assert len(arrays[level]) == last + 1 and arrays[level][0] == 0
        last = int(arrays[level][-1])
    assert last == meta["vertices"] == len(want)
    # boxes hold their feature's vertices
    first = np.arange(packed.count + 1)
    for level in meta["levels"]:
        first = arrays[level][first]
    for f in range(packed.count):
        xs, ys = arrays["x"][first[f]:first[f + 1]], arrays["y"][first[f]:first[f + 1]]
        if len(xs):
            assert np.all(np.abs(xs - arrays["cx"][f]) <= arrays["hs"][f] + 1e-5)
            assert np.all(np.abs(ys - arrays["cy"][f]) <= arrays["hs"][f] + 1e-5)
