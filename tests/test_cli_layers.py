"""chengyu area LAYER and chengyu map --layer: figures, overlays, and bad input losing nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chengyu.maps.cli import main
from tests.test_layers import BAD_CASES

DATA = Path(__file__).parent / "data"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_area_of_a_polygon_layer(capsys):
    code, out, err = run(capsys, "area", DATA / "parks.geojson", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"zones", "total", "outside", "layer"}
    rows = {z["code"]: z for z in doc["zones"]}
    assert rows["500106"]["covered_km2"] > 0 and rows["500107"]["covered_km2"] > 0
    assert rows["500109"]["covered_km2"] == 0
    shapingba = rows["500106"]
    assert shapingba["covered_pct"] == pytest.approx(shapingba["covered_km2"] / shapingba["area_km2"] * 100)
    assert rows["500106"]["official_area_km2"] == 396  # the zone figures stay
    covered = sum(z["covered_km2"] for z in doc["zones"]) + doc["outside"]["covered_km2"]
    assert covered == pytest.approx(doc["layer"]["area_km2"], rel=1e-6)
    assert "repaired 1 invalid polygon" in err and "dropped Z from 1 geometry" in err
    assert "GCJ-02" in err  # the hint


def test_area_of_points_and_lines_in_a_table(capsys):
    code, out, _ = run(capsys, "area", DATA / "sites.csv")
    assert code == 0
    header = out.splitlines()[0]
    assert "count" in header and "per km²" in header and "covered" not in header and "length" not in header
    assert "points in all zones" in out and "points outside every zone" in out
    code, out, _ = run(capsys, "area", DATA / "rail.gpkg", "--zones", "economic-circle", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header == ["code", "name_zh", "name_en", "area_km2", "covered_km2", "covered_pct", "length_km", "count",
                      "per_km2", "official_area_km2", "official_diff_pct"]


def test_gcj02_layer_is_converted(capsys):
    code, out, err = run(capsys, "area", DATA / "gcj_points.csv", "--crs", "gcj02", "--zones", "districts",
                         "--format", "json")
    assert code == 0
    assert "used: gcj02" in err and "hint: coordinates are taken as WGS-84" not in err
    doc = json.loads(out)
    assert doc["total"]["count"] + doc["outside"]["count"] == doc["layer"]["count"] > 0


def test_layer_options_need_a_layer(capsys):
    code, _, err = run(capsys, "area", "--crs", "gcj02")
    assert code == 2 and "apply to a LAYER" in err


@pytest.mark.parametrize("path,leading", BAD_CASES, ids=[p.name for p, _ in BAD_CASES])
def test_bad_layer_one_line_exit_2_nothing_written(capsys, tmp_path, path, leading):
    target = tmp_path / "out.json"
    code, out, err = run(capsys, "area", path, "--format", "json", "-o", target)
    assert code == 2
    assert err == f"chengyu: {path}: {err.split(': ', 2)[2]}"
    assert err.count("\n") == 1 and leading in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
    existing = tmp_path / "map.html"
    existing.write_text("precious")
    code, _, err = run(capsys, "map", "science-city", "--layer", path, "-o", existing, "--force")
    assert code == 2 and leading in err
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_bad_layer_from_the_console_script_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "chengyu.maps.cli", "area", str(DATA / "bad" / "truncated.geojson")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"chengyu: {DATA / 'bad' / 'truncated.geojson'}: is not valid GeoJSON")


def test_map_with_layers(capsys, tmp_path):
    target = tmp_path / "sc.html"
    code, _, err = run(capsys, "map", "science-city", "--layer", DATA / "parks.geojson", "--layer",
                       DATA / "sites.csv", "--label", "name", "--fields", "district,area_ha", "--no-pack",
                       "-o", target)
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert "parks: covered area" in html and "sites: covered area" in html
    assert html.count("L.featureGroup(") == 2
    assert html.count("= L.chengyuPacked(") == 2 + 2  # the districts and each layer, drawn from packed geometry
    code, _, err = run(capsys, "map", "science-city", "--layer", DATA / "parks.geojson", "--label", "nope",
                       "-o", tmp_path / "x.html")
    assert code == 2 and "no layer has a column 'nope'" in err
    assert not (tmp_path / "x.html").exists()


def test_dask_engine_gives_the_same_figures(capsys):
    pytest.importorskip("dask_geopandas")
    local = json.loads(run(capsys, "area", DATA / "parks.geojson", "--format", "json")[1])
    code, out, err = run(capsys, "area", DATA / "parks.geojson", "--engine", "dask", "--format", "json")
    assert code == 0, err
    dask = json.loads(out)
    assert "dask:" in err
    for a, b in zip(local["zones"], dask["zones"], strict=True):
        assert a["code"] == b["code"]
        assert b["covered_km2"] == pytest.approx(a["covered_km2"], rel=1e-9, abs=1e-12)
    assert dask["outside"] == pytest.approx(local["outside"], rel=1e-9, abs=1e-12)


def test_scheduler_needs_the_dask_engine(capsys):
    code, _, err = run(capsys, "area", DATA / "parks.geojson", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--scheduler applies to --engine dask" in err


def test_a_reader_out_of_memory_is_said_as_such_naming_the_layer(capsys, monkeypatch):
    """GDAL's std::bad_alloc is no problem of the file: one line, exit 1, the layer named."""
    import pyogrio

    from chengyu.geo import zones

    zones("science-city")  # the bundled boundaries, read (and cached) before the reader fails

    def bad_alloc(*args, **kwargs):
        raise pyogrio.errors.DataSourceError("std::bad_alloc")

    monkeypatch.setattr(pyogrio, "read_dataframe", bad_alloc)
    path = DATA / "parks.geojson"
    code, out, err = run(capsys, "area", path)
    assert code == 1 and out == ""
    assert err == (f"chengyu: {path}: ran out of memory; free some memory or use a smaller file "
                   "(chengyu area LAYER --engine dask reads in partitions)\n")
