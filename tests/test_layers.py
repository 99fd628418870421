"""geo.layers.read_layer end to end on the sample corpus: every broken input is one line naming the file.

The readers' own tests are in tests/layers/, one file per module of geo/layers/. ``BAD_CASES`` stays here: the
command's tests (tests/cli/test_layers.py, tests/test_hostile.py) run the same corpus.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.data import make_tables
from tests.layers.samples import BAD, DATA, make_samples

BAD_CASES = [
    # (path, leading words of the problem)
    (BAD / "truncated.geojson", "is not valid GeoJSON: Failed to read GeoJSON data"),
    (BAD / "empty.geojson", "is empty (0 bytes)"),
    (BAD / "empty.zip", "is empty (0 bytes)"),
    (BAD / "no_shapefile.zip", "zip archive contains no shapefile (.shp); it holds: readme.txt"),
    (BAD / "no_shx", "missing .shx index file for no_shx.shp"),
    (BAD / "no_shx" / "no_shx.shp", "missing .shx index file for no_shx.shp"),
    (BAD / "empty_folder", "folder contains no shapefile (.shp)"),
    (BAD / "does_not_exist.geojson", "does not exist"),
    (BAD / "null_geometries.geojson", "has no geometries (all 2 features have a null or empty geometry)"),
    (BAD / "names_only.csv", "has no coordinate columns: expected longitude and latitude"),
    (BAD / "no_coordinates.csv", "has no coordinate columns: expected longitude and latitude"),
    (BAD / "collapsed.geojson", "every geometry is invalid beyond repair (2 polygons with no area left"),
    (BAD / "projected_noprj", ("has no CRS and its coordinates look projected "
                               "(x in 631000..640000, y in 3275000..3280000); pass crs= (e.g. crs='EPSG:32648')")),
    (BAD / "swapped.csv", ("coordinates look like latitude/longitude swapped (x in 29.41..29.64, y in 106.3..106.4); "
                           "swap the columns or fix the file")),
    (BAD / "nan.csv", "has coordinates that are not finite numbers (NaN or Infinity) in 2 features"),
    (BAD / "nan.geojson", "has coordinates that are not finite numbers (NaN or Infinity) in 2 features"),
    (DATA / "multi.gpkg", "has 2 layers (sites, rail); pick one with layer_name="),
    (BAD / "binary.geojson", "is not valid GeoJSON: it is a binary file"),
    (BAD / "layer.xyz", "unknown file type ('.xyz'); expected one of .geojson, .json, .gpkg"),
    (BAD / "not_a_number.csv", "column '经度' has 1 value that is not a number (line 3: '东经106度')"),
    (BAD / "bad_wkt.csv", "column 'wkt' has 1 value that is not WKT (line 3: 'POINT (106.3')"),
    (BAD / "fake.gpkg", "is not a valid GeoPackage (not an SQLite database)"),
    (BAD / "fake.parquet", "is not a valid Parquet file"),
    (BAD / "ragged.csv", "is not a well-formed CSV file: Expected 3 fields in line 3, saw 4"),
    (BAD / "not_geojson.json", "is not valid GeoJSON: GDAL does not recognise its content"),
]


@pytest.mark.parametrize("path,leading", BAD_CASES, ids=[p.name for p, _ in BAD_CASES])
def test_bad_input_is_one_line_naming_the_file(path, leading):
    with pytest.raises(AtlasError) as err:
        read_layer(path)
    message = str(err.value)
    assert err.value.source == str(path)
    assert message.startswith(f"{path}: ")
    assert err.value.problem.startswith(leading), err.value.problem
    assert "\n" not in message and len(message) < 400
    assert "Traceback" not in message


@pytest.mark.parametrize("path,leading", [
    (BAD / "swapped.csv", "coordinates look like latitude/longitude swapped"),
    (BAD / "null_geometries.geojson", "has no geometries"),
    (DATA / "multi.gpkg", "has no layer 'parks'; its layers: sites, rail"),
])
def test_bad_input_with_options(path, leading):
    kwargs = {"layer_name": "parks"} if path.suffix == ".gpkg" else {"crs": "EPSG:4326"}
    with pytest.raises(AtlasError) as err:
        read_layer(path, **kwargs)
    assert err.value.problem.startswith(leading)


def test_bad_corpus_is_covered_and_small():
    from tests.test_hostile import HOSTILE_CASES  # the attacks, run through the command

    tested = {p.relative_to(BAD).parts[0] for p, _ in BAD_CASES if BAD in p.parents} | {n for n, _ in HOSTILE_CASES}
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk <= tested
    for p in BAD.rglob("*"):
        assert not p.is_file() or p.stat().st_size < 2048, p


def test_truncated_file_of_every_text_format(tmp_path):
    for name in ("sites.csv", "parks.geojson", "places.kml"):
        text = (DATA / name).read_bytes()
        path = tmp_path / name
        path.write_bytes(text[: len(text) // 3])
        try:
            layer = read_layer(path)
        except AtlasError as err:
            assert err.source == str(path) and "\n" not in str(err)
        else:  # a CSV cut between rows is still a CSV: fewer rows, never garbage
            assert name == "sites.csv" and 0 < len(layer.gdf) < 5


def test_samples_are_regenerated_identically(tmp_path):
    samples, tables = tmp_path / "samples", tmp_path / "tables"
    make_samples.main(["make_samples.py", str(samples)])
    make_tables.make(tables)  # the tables of figures, which tests/test_tables.py compares
    made = sorted(p.relative_to(samples) for p in samples.rglob("*") if p.is_file())
    bundled = sorted(p.relative_to(DATA) for p in DATA.rglob("*")
                     if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
                     and not (tables / p.relative_to(DATA)).exists())
    assert made == bundled
    for rel in made:
        if rel.suffix in (".gpkg", ".parquet") and rel.parts[0] != "bad":  # bytes vary with GDAL/pyarrow
            for layer in pyogrio.list_layers(samples / rel)[:, 0] if rel.suffix == ".gpkg" else [None]:
                a = gpd.read_file(samples / rel, layer=layer) if layer else gpd.read_parquet(samples / rel)
                b = gpd.read_file(DATA / rel, layer=layer) if layer else gpd.read_parquet(DATA / rel)
                pd.testing.assert_frame_equal(a, b)
        else:
            assert (samples / rel).read_bytes() == (DATA / rel).read_bytes(), rel
