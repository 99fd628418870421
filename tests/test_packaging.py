"""The built wheel ships the data files, so an installed copy finds them."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (path,) = out.glob("chengyu_atlas-*.whl")
    return path


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in ["shapes/districts.geojson", "shapes/plan.toml", "shapes/SOURCES.md", "shapes/names_en.csv",
                   "geo/__init__.py", "geo/plan.py", "maps/cli.py"]:
        assert member in names, member
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "chengyu = maps.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_unpacked_wheel_finds_its_data_elsewhere(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("import geo; d = geo.load_districts(); p = geo.load_plan(); "
            "print(len(d), p.figure('science_city.area_km2').value, geo.__file__)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    count, area, where = proc.stdout.split()
    assert (count, area) == ("221", "1198")
    assert where.startswith(str(tmp_path / "site"))
