"""Seeded synthetic layers for the benchmarks: points, building/parcel-sized polygons, and dense
service areas.

Points and polygons are clustered around the urban areas of the Chengdu–Chongqing region (Chongqing's central
districts and Chengdu above all, then eight smaller cities), over a thin uniform background; 2% of
the polygons are centred on a vertex of a district border, so they straddle it. Polygons are 20–500 m
across (log-normal, median 50 m): 70% rotated rectangles, 30% random convex polygons of 8 vertices.

Dense layers (kind ``dense``) are service areas: circles of radius 200 m to 2 km (uniform) around
points drawn uniformly over Chongqing's 38 districts and counties, made as ``GeoSeries.buffer``
makes them (16 segments a quarter circle, 65 vertices). They overlap heavily: at 100,000 their
areas add up to 5.6 times Chongqing's area and they cover 99.6% of it (each point of Chongqing lies
in 5.6 of them on average); at 1,000,000, 56 times.

Layers are cached under ``benchmarks/.data/`` (git-ignored), keyed by kind, size, seed and
:data:`VERSION`, as GeoParquet (``.parquet``) and GeoPackage (``.gpkg``), EPSG:4490.
:func:`ensure` generates them in a child process (``python synth.py KIND N SEED``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chengyu.geo.area import ALBERS_CHINA  # noqa: E402

DATA = Path(__file__).resolve().parent / ".data"
VERSION = 1  # bump when the generator changes, so cached files are not reused
FORMATS = ("parquet", "gpkg")

# (lon, lat, sigma_lon, sigma_lat, weight)
CLUSTERS = [
    (106.53, 29.57, 0.20, 0.16, 0.40),   # Chongqing, central districts
    (104.07, 30.66, 0.22, 0.18, 0.35),   # Chengdu
    (104.68, 31.47, 0.05, 0.05, 0.02),   # Mianyang
    (104.40, 31.13, 0.05, 0.05, 0.02),   # Deyang
    (106.11, 30.84, 0.05, 0.05, 0.02),   # Nanchong
    (104.64, 28.77, 0.05, 0.05, 0.02),   # Yibin
    (105.44, 28.87, 0.05, 0.05, 0.02),   # Luzhou
    (108.41, 30.81, 0.05, 0.05, 0.02),   # Wanzhou
    (107.39, 29.70, 0.05, 0.05, 0.02),   # Fuling
    (105.93, 29.36, 0.05, 0.05, 0.01),   # Yongchuan
]
BACKGROUND = ((103.0, 28.2, 108.5, 32.3), 0.10)  # uniform over the circle's bounding box


def centres(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n lon/lat positions drawn from the clusters and the background."""
    weights = np.array([c[4] for c in CLUSTERS] + [BACKGROUND[1]])
    which = rng.choice(len(weights), size=n, p=weights / weights.sum())
    x = np.empty(n)
    y = np.empty(n)
    for k, (lon, lat, sx, sy, _) in enumerate(CLUSTERS):
        m = which == k
        x[m] = rng.normal(lon, sx, m.sum())
        y[m] = rng.normal(lat, sy, m.sum())
    m = which == len(CLUSTERS)
    (x0, y0, x1, y1), _ = BACKGROUND
    x[m] = rng.uniform(x0, x1, m.sum())
    y[m] = rng.uniform(y0, y1, m.sum())
    return x, y


def make_points(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x, y = centres(rng, n)
    return gpd.GeoDataFrame({"id": np.arange(n, dtype=np.int64)}, geometry=shapely.points(x, y), crs=4490)


def make_polygons(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x, y = centres(rng, n)
    # 2% centred on a district border vertex (within about 100 m), so that they straddle it
    from chengyu.geo.boundaries import load_districts
    verts = shapely.get_coordinates(load_districts().geometry.array)
    k = int(n * 0.02)
    pick = rng.choice(len(verts), k, replace=False)
    x[:k] = verts[pick, 0] + rng.uniform(-0.001, 0.001, k)
    y[:k] = verts[pick, 1] + rng.uniform(-0.001, 0.001, k)
    cx, cy = shapely.get_coordinates(
        gpd.GeoSeries(shapely.points(x, y), crs=4490).to_crs(ALBERS_CHINA).array).T
    size = np.clip(np.exp(rng.normal(np.log(50.0), 0.7, n)), 20.0, 500.0)  # metres across
    angle = rng.uniform(0, np.pi, n)
    rect = rng.random(n) < 0.7
    # rectangles: 4 corners (+ closing) of a w×h box, w = size, h = size × aspect
    aspect = rng.uniform(0.5, 1.0, n)
    ux = np.array([-1, 1, 1, -1]) / 2
    uy = np.array([-1, -1, 1, 1]) / 2
    rx = ux[None, :] * size[:, None]
    ry = uy[None, :] * (size * aspect)[:, None]
    # convex octagons: 8 sorted angles on an ellipse of the same size
    t = np.sort(rng.uniform(0, 2 * np.pi, (n, 8)), axis=1)
    ox = np.cos(t) * size[:, None] / 2
    oy = np.sin(t) * (size * aspect)[:, None] / 2
    polys = np.empty(n, dtype=object)
    for mask, px, py in ((rect, rx, ry), (~rect, ox, oy)):
        c, s = np.cos(angle[mask])[:, None], np.sin(angle[mask])[:, None]
        X = cx[mask, None] + px[mask] * c - py[mask] * s
        Y = cy[mask, None] + px[mask] * s + py[mask] * c
        ring = np.stack([np.c_[X, X[:, :1]], np.c_[Y, Y[:, :1]]], axis=-1)
        polys[mask] = shapely.polygons(ring)
    out = gpd.GeoDataFrame({"id": np.arange(n, dtype=np.int64)}, geometry=polys, crs=ALBERS_CHINA).to_crs(4490)
    # shuffle so the straddling ones are not all first
    return out.iloc[rng.permutation(n)].reset_index(drop=True)


def make_dense(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    from chengyu.geo.boundaries import load_districts
    districts = load_districts()
    chongqing = shapely.union_all(
        districts[districts["code"].str.startswith("50")].to_crs(ALBERS_CHINA).geometry.array)
    shapely.prepare(chongqing)
    x0, y0, x1, y1 = chongqing.bounds
    xs, ys, got = [], [], 0
    while got < n:  # uniform over the bounding box, kept when inside Chongqing
        x, y = rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)
        inside = shapely.intersects_xy(chongqing, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    radius = rng.uniform(200.0, 2000.0, n)
    circles = shapely.buffer(shapely.points(x, y), radius, quad_segs=16)
    return gpd.GeoDataFrame({"id": np.arange(n, dtype=np.int64)}, geometry=circles, crs=ALBERS_CHINA).to_crs(4490)


MAKERS = {"points": make_points, "polygons": make_polygons, "dense": make_dense}


def layer_path(kind: str, n: int, seed: int, fmt: str) -> Path:
    return DATA / f"{kind}-{n}-seed{seed}-v{VERSION}.{fmt}"


def ensure(kind: str, n: int, seed: int) -> dict[str, Path]:
    """The layer's files, generated and cached when missing.

    Generated in a child process: a benchmark runner that held a million polygons would pass its
    memory high-water mark to every process it starts afterwards (Linux counts the image a child
    replaces at ``exec`` in the child's ``ru_maxrss``), and the children's peaks would be its own.
    """
    paths = _paths(kind, n, seed)
    if not all(p.exists() for p in paths.values()):
        subprocess.run([sys.executable, __file__, kind, str(n), str(seed)], check=True)
    return paths


def _paths(kind: str, n: int, seed: int) -> dict[str, Path]:
    return {fmt: layer_path(kind, n, seed, fmt) for fmt in FORMATS}


def _generate(kind: str, n: int, seed: int) -> None:
    paths = _paths(kind, n, seed)
    DATA.mkdir(parents=True, exist_ok=True)
    gdf = MAKERS[kind](n, seed)
    for fmt, path in paths.items():
        tmp = path.with_name(f".tmp-{path.name}")
        tmp.unlink(missing_ok=True)
        if fmt == "parquet":
            gdf.to_parquet(tmp)
        else:
            gdf.to_file(tmp, driver="GPKG", layer=kind, engine="pyogrio", use_arrow=True)
        tmp.replace(path)


if __name__ == "__main__":
    _kind, _n, _seed = sys.argv[1:]
    _generate(_kind, int(_n), int(_seed))
