"""The built wheel: one import root (`chengyu`), the data files inside it, and a working command."""

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # built from a copy: setuptools packs everything in the source's build/lib, stale modules included
    source = tmp_path_factory.mktemp("source") / "chengyu-atlas"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".cache", "build", "out", "*.egg-info", "__pycache__", ".hypothesis"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(source)],
        check=True, capture_output=True,
    )
    (path,) = out.glob("chengyu_atlas-*.whl")
    return path


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in ["chengyu/shapes/districts.geojson", "chengyu/shapes/plan.toml", "chengyu/shapes/SOURCES.md",
                   "chengyu/shapes/names_en.csv", "chengyu/geo/__init__.py", "chengyu/geo/plan.py",
                   "chengyu/maps/js/packed.js", "chengyu/maps/js/layout.js", "chengyu/maps/catalogue.toml",
                   "chengyu/maps/js/vendor/leaflet/leaflet.js", "chengyu/maps/templates/popup.html"]:
        assert member in names, member
    # one import root: nothing else at the top of site-packages but the distribution's metadata
    assert {n.split("/")[0] for n in names} == {"chengyu", "chengyu_atlas-0.1.0.dist-info"}
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "chengyu = chengyu." in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_unpacked_wheel_finds_its_data_elsewhere(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("from chengyu import geo; d = geo.load_districts(); p = geo.load_plan(); "
            "print(len(d), p.figure('science_city.area_km2').value, geo.__file__)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    count, area, where = proc.stdout.split()
    assert (count, area) == ("221", "1198")
    assert where.startswith(str(tmp_path / "site"))


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_the_command(wheel, tmp_path):
    """`pip install` of the wheel gives a `chengyu` command that works, importing only the installed copy."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies come from this environment's site-packages as a plain path: its .pth files (among
    # them the editable install of this checkout) are not run, so only the wheel's copy can be imported
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    proc = subprocess.run([str(venv / "bin" / "chengyu"), "area", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    rows = {row["name_en"]: row for row in json.loads(proc.stdout)["zones"]}
    assert round(rows["Shapingba District"]["area_km2"], 1) == 396.9
    where = subprocess.run([str(python), "-c", "import chengyu.maps; print(chengyu.maps.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(site / "chengyu" / "maps"))
    added = {p.name for p in site.iterdir()} - {"deps.pth", "__pycache__", "_virtualenv.py", "_virtualenv.pth"}
    assert added == {"chengyu", "chengyu_atlas-0.1.0.dist-info"}
