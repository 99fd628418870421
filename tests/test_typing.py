"""``mypy`` finds no error in the packages (its settings: ``[tool.mypy]`` in pyproject.toml).

mypy maps module names to folders and knows nothing of setuptools' ``package-dir``, so the test lays
out the import root as it is installed (``chengyu/geo`` → ``geo/``, …) with symbolic links, from the
mapping in pyproject.toml, and checks ``-p chengyu`` there.
"""

import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def package_folders() -> dict[str, Path]:
    """Every package of the distribution and the folder it comes from (pyproject.toml's mapping)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = {name: ROOT / folder for name, folder in setuptools["package-dir"].items()}
    folders = {}
    for package in sorted(setuptools["packages"], key=len):
        parent, _, last = package.rpartition(".")
        folders[package] = mapping.get(package) or (folders[parent] / last if parent else ROOT / last)
    return folders


def installed_layout(into: Path) -> Path:
    """Links under ``into`` that put every package where its import name says; returns ``into``."""
    folders = package_folders()
    for package, source in folders.items():
        target = into.joinpath(*package.split("."))
        if target.exists():  # inside a folder linked whole already
            continue
        children_elsewhere = any(name.startswith(package + ".") and folder.parent != source
                                 for name, folder in folders.items())
        if children_elsewhere:  # a folder of its own, its files linked one by one
            target.mkdir(parents=True)
            for entry in source.iterdir():
                if entry.name != "__pycache__":
                    (target / entry.name).symlink_to(entry)
        else:
            target.symlink_to(source, target_is_directory=True)
    return into


@pytest.mark.slow
def test_mypy_finds_no_error(tmp_path):
    tree = installed_layout(tmp_path)
    # the project's settings, the cache kept in the project (.mypy_cache) so that reruns are fast
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(ROOT / ".mypy_cache"), "-p", "chengyu"],
                          cwd=tree, env={"MYPYPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"mypy exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    checked = int(proc.stdout.rsplit(" in ", 1)[1].split()[0])
    modules = sum(len(list(folder.glob("*.py"))) for folder in package_folders().values())
    assert checked >= modules  # every module, not only the one folder mypy would find by itself
