"""chengyu export: the units with their attributes (and a user's table) in every format, read back."""

import zipfile

import pyogrio
import pytest

from tests.cli import DATA

SAMPLE = DATA / "sample_figures.csv"


@pytest.mark.parametrize(("name", "rows"), [("science-city", 5), ("districts", 221)])
def test_export_geopackage_reads_back(run, tmp_path, name, rows):
    target = tmp_path / f"{name}.gpkg"
    code, out, err = run("export", name, "-o", target)
    assert code == 0 and out == ""
    assert f"{rows} features, GeoPackage layer {name.replace('-', '_')}, EPSG:4490" in err
    frame = pyogrio.read_dataframe(target)
    assert len(frame) == rows and frame.crs.to_epsg() == 4490
    assert "沙坪坝区" in set(frame["name_zh"])


def test_export_with_a_table_carries_its_columns(run, tmp_path):
    target = tmp_path / "hosts.zip"
    code, _, err = run("export", "science-city", "-o", target, "--data", SAMPLE)
    assert code == 0
    assert "key column 'district', 5 of 5 rows joined" in err
    assert "field names are at most 10 bytes" in err
    assert {"fields.csv", "science_city.cpg"} <= set(zipfile.ZipFile(target).namelist())
    frame = pyogrio.read_dataframe(f"/vsizip/{target}")
    shapingba = frame[frame["name_zh"] == "沙坪坝区"].iloc[0]
    assert shapingba["population"] > 0  # a sample column, under its shortened field name


def test_format_from_the_option_whatever_the_extension(run, tmp_path):
    target = tmp_path / "units.txt"
    assert run("export", "science-city", "-o", target, "--format", "geojson")[0] == 0
    assert pyogrio.read_info(target)["driver"] == "GeoJSON"


@pytest.mark.parametrize("args", [
    ("-o", "units.xlsx"),  # an extension no format has
    ("-o", "units.gpkg", "--data", "missing.csv"),
    ("-o", "units.gpkg", "--data", SAMPLE, "--on", "no_such_column"),
])
def test_bad_input_is_one_line_and_writes_nothing(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("export", "science-city", *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".csv"]


def test_an_existing_output_is_kept_without_force(run, tmp_path):
    target = tmp_path / "units.geojson"
    target.write_text("mine")
    code, _, err = run("export", "science-city", "-o", target)
    assert code == 2 and "already exists; pass --force to replace it" in err
    assert target.read_text() == "mine"
    assert run("export", "science-city", "-o", target, "--force")[0] == 0
    assert target.read_text().startswith("{")


def test_sheet_and_on_need_data(run, tmp_path):
    code, _, err = run("export", "science-city", "-o", tmp_path / "u.gpkg", "--on", "district")
    assert code == 2 and "--sheet and --on apply to --data" in err
