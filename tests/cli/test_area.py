"""chengyu area: zone areas in every format, what a layer covers of them, outputs written safely."""

import csv
import io
import json
import re
import unicodedata

import pytest

from tests.cli import DATA


def test_area_table_is_aligned(run):
    code, out, _ = run("area", "--zones", "science-city")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["code", "name_zh", "name_en", "area", "km²", "official", "km²", "diff", "%"]
    rows = [line for line in lines if line[:6].isdigit()]
    assert len(rows) == 5
    def width(text):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    assert len({width(r) for r in rows}) == 1  # right-aligned numbers end in one column
    assert len({width(r[: re.search("[A-Z]", r).start()]) for r in rows}) == 1  # CJK names padded by display width
    assert "Shapingba District" in out and "396.9" in out and "3,219.5" in out
    assert "Science City, plan figure        1,198 km²" in out


def test_area_csv(run):
    code, out, _ = run("area", "--zones", "economic-circle", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 42
    assert list(rows[0]) == ["code", "name_zh", "name_en", "area_km2", "official_area_km2", "official_diff_pct"]
    chengdu = next(r for r in rows if r["code"] == "510100")
    assert float(chengdu["official_area_km2"]) == 14335
    assert next(r for r in rows if r["code"] == "500101")["official_area_km2"] == ""


def test_area_json(run):
    code, out, _ = run("area", "--zones", "economic-circle", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"zones", "total"}
    assert doc["total"]["official_area_km2"] == 185000
    assert doc["total"]["area_km2"] == pytest.approx(sum(z["area_km2"] for z in doc["zones"]))
    assert doc["total"]["partial_units_km2"] == pytest.approx(7628, abs=1)
    sc = json.loads(run("area", "--zones", "science-city", "--format", "json")[1])
    assert sc["total"]["plan_area_km2"] == 1198
    shapingba = sc["zones"][0]
    assert shapingba["official_area_km2"] == 396
    assert shapingba["official_diff_pct"] == pytest.approx((shapingba["area_km2"] / 396 - 1) * 100)
    districts = json.loads(run("area", "--zones", "districts", "--format", "json")[1])
    assert len(districts["zones"]) == 221
    assert districts["zones"][0]["official_area_km2"] is None


def test_output_file_is_written_and_never_clobbered(run, tmp_path):
    target = tmp_path / "areas.json"
    assert run("area", "--format", "json", "-o", target)[0] == 0
    assert json.loads(target.read_text())["total"]["plan_area_km2"] == 1198
    target.write_text("precious")
    code, out, err = run("area", "-o", target)
    assert code == 2
    assert err == f"chengyu: {target}: already exists; pass --force to replace it\n"
    assert target.read_text() == "precious"
    assert run("area", "--format", "csv", "-o", target, "--force")[0] == 0
    assert target.read_text().startswith("code,")
    assert [p.name for p in tmp_path.iterdir()] == ["areas.json"]  # no temporary files left


def test_missing_output_folder_is_one_line(run, tmp_path):
    code, _, err = run("area", "-o", tmp_path / "no" / "such" / "x.csv")
    assert code == 2
    assert err.count("\n") == 1 and "does not exist" in err


def test_output_on_a_filesystem_without_hard_links(run, tmp_path, monkeypatch):
    from chengyu import maps

    def no_links(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(maps.atomic.os, "link", no_links)
    target = tmp_path / "areas.csv"
    assert run("area", "--format", "csv", "-o", target)[0] == 0
    assert target.read_text().startswith("code,")
    code, _, err = run("area", "-o", target)
    assert code == 2 and "already exists" in err
    assert [p.name for p in tmp_path.iterdir()] == ["areas.csv"]


def test_area_of_a_polygon_layer(run):
    code, out, err = run("area", DATA / "parks.geojson", "--format", "json")
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


def test_the_table_shows_a_column_and_its_total_alike(run):
    """The covered share: two decimals in its column and in the summary line (geo.fields has one table)."""
    code, out, _ = run("area", DATA / "parks.geojson")
    assert code == 0
    header = out.splitlines()[0]
    assert "covered km²" in header and "covered %" in header and "count" not in header
    assert re.search(r"^covered % in all zones +\d+\.\d\d$", out, re.M)
    assert re.search(r"^covered km² in all zones +\d+\.\d\d\d$", out, re.M)
    assert re.search(r"^covered km² outside every zone +\d+\.\d\d\d$", out, re.M)
    assert re.search(r"^Science City share of the hosts +\d+\.\d\d%$", out, re.M)


def test_area_of_points_and_lines_in_a_table(run):
    code, out, _ = run("area", DATA / "sites.csv")
    assert code == 0
    header = out.splitlines()[0]
    assert "count" in header and "per km²" in header and "covered" not in header and "length" not in header
    assert "count in all zones" in out and "count outside every zone" in out and "per km² in all zones" in out
    code, out, _ = run("area", DATA / "rail.gpkg", "--zones", "economic-circle", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header == ["code", "name_zh", "name_en", "area_km2", "covered_km2", "covered_pct", "length_km", "count",
                      "per_km2", "official_area_km2", "official_diff_pct"]


def test_gcj02_layer_is_converted(run):
    code, out, err = run("area", DATA / "gcj_points.csv", "--crs", "gcj02", "--zones", "districts",
                         "--format", "json")
    assert code == 0
    assert "used: gcj02" in err and "hint: coordinates are taken as WGS-84" not in err
    doc = json.loads(out)
    assert doc["total"]["count"] + doc["outside"]["count"] == doc["layer"]["count"] > 0


def test_layer_options_need_a_layer(run):
    code, _, err = run("area", "--crs", "gcj02")
    assert code == 2 and "apply to a LAYER" in err


def test_dask_engine_gives_the_same_figures(run):
    pytest.importorskip("dask_geopandas")
    local = json.loads(run("area", DATA / "parks.geojson", "--format", "json")[1])
    code, out, err = run("area", DATA / "parks.geojson", "--engine", "dask", "--format", "json")
    assert code == 0, err
    dask = json.loads(out)
    assert "dask:" in err
    for a, b in zip(local["zones"], dask["zones"], strict=True):
        assert a["code"] == b["code"]
        assert b["covered_km2"] == pytest.approx(a["covered_km2"], rel=1e-9, abs=1e-12)
    assert dask["outside"] == pytest.approx(local["outside"], rel=1e-9, abs=1e-12)


def test_scheduler_needs_the_dask_engine(run):
    code, _, err = run("area", DATA / "parks.geojson", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--scheduler applies to --engine dask" in err


def test_area_with_a_table_lists_its_columns_and_what_did_not_join(run, tmp_path):
    table = tmp_path / "gdp.csv"
    table.write_text("区县,gdp\n沙坪坝,1000\nShapingba District,1\n璧山区,800\n合计,9999\n", encoding="gbk")
    code, out, err = run("area", "--data", table, "--on", "区县", "--format", "csv")
    assert code == 2 and out == ""  # one unit twice (沙坪坝 and Shapingba District): refused, named
    assert "沙坪坝" in err and len(err.splitlines()) == 1
    table.write_text("区县,gdp\n沙坪坝,1000\n璧山区,800\n合计,9999\n", encoding="gbk")
    code, out, err = run("area", "--data", table, "--format", "csv")
    assert code == 0
    rows = {r["name_en"]: r for r in csv.DictReader(io.StringIO(out))}
    assert float(rows["Shapingba District"]["gdp"]) == 1000 and float(rows["Bishan District"]["gdp"]) == 800
    assert rows["Beibei District"]["gdp"] == ""
    assert "(CSV, GBK)" in err and "'合计' (row 3)" in err and "3 unit(s) on the map have no row" in err


def test_a_tables_columns_named_like_a_layers_figures_stay_apart(run, tmp_path):
    table = tmp_path / "cov.csv"
    table.write_text("district,count,covered_pct\n沙坪坝,11,99\n", encoding="utf-8")
    code, out, err = run("area", DATA / "parks.geojson", "--data", table, "--format", "json")
    assert code == 0
    shapingba = json.loads(out)["zones"][0]
    assert shapingba["count_table"] == 11 and shapingba["covered_pct_table"] == 99
    assert shapingba["count"] == 0 and shapingba["covered_pct"] < 1  # the layer's own, not the table's
    assert "column 'count' of the table is also a figure of the layer: listed as 'count_table'" in err
