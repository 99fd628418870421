"""The house rules that keep the package easy to walk through, checked on every module.

- data flows one way: ``shapes`` → ``geo`` → ``maps`` → the command (``chengyu.cli``); ``geo`` never
  imports folium, and only the command imports click;
- a module's ``_private`` names stay in it: no ``from x import _name`` from another module;
- no module over 500 lines, no function over 60;
- ruff, with the project's rules, finds nothing, and ``duplicates`` (where the tool is installed) finds no
  twins but boilerplate.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_typing import ROOT, package_folders

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
# what each part of the package may import of the others, and of the libraries that belong to one part
LAYERS = {"chengyu.shapes": 0, "chengyu.geo": 1, "chengyu.maps": 2, "chengyu.cli": 3}
ONLY_IN = {"folium": "chengyu.maps", "branca": "chengyu.maps", "click": "chengyu.cli"}
# Underscored names a library documents as public: os._exit ends the process without Python's teardown.
DOCUMENTED = {"os._exit"}


def modules() -> dict[str, Path]:
    """Every module of the distribution by its import name."""
    found = {}
    for package, folder in package_folders().items():
        for path in folder.glob("*.py"):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


MODULES = modules()


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every import in ``path``, relative imports resolved."""
    name = next(n for n, p in MODULES.items() if p == path)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def part(module: str) -> str | None:
    return next((p for p in LAYERS if module == p or module.startswith(p + ".")), None)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_is_imported_from_another_module(name):
    private = [f"{module}.{n} (line {line})" for module, names, line in imports(MODULES[name])
               for n in names if n.startswith("_") and not n.startswith("__") and module != name]
    assert not private, f"{name} imports private names: {', '.join(private)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_is_reached_through_a_module(name):
    """``import geopandas.io.arrow as arrow; arrow._helper(...)`` is a private import too."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    aliases = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    reached = [f"{node.value.id}.{node.attr} (line {node.lineno})" for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
               and node.attr.startswith("_") and not node.attr.startswith("__")
               and f"{node.value.id}.{node.attr}" not in DOCUMENTED]
    assert not reached, f"{name} reaches private names: {', '.join(reached)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_data_flows_one_way(name):
    own = part(name)
    wrong = []
    for module, _, line in imports(MODULES[name]):
        other = part(module)
        root = module.split(".")[0]
        if own and other and LAYERS[other] > LAYERS[own]:
            wrong.append(f"{module} (line {line}) lies downstream")
        if root in ONLY_IN and own != ONLY_IN[root]:
            wrong.append(f"{module} (line {line}) belongs in {ONLY_IN[root]}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_are_short(name):
    text = MODULES[name].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{name}: {len(text.splitlines())} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{name}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_the_checks_see_every_module():
    assert {"chengyu.geo.errors", "chengyu.maps.offline", "chengyu.shapes"} <= set(MODULES)
    assert len(MODULES) >= 30


@pytest.mark.slow
def test_ruff_finds_nothing():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("duplicates") is None, reason="the `duplicates` tool is not on this machine")
def test_duplicates_finds_no_twins():
    """No two places share six lines, but those the tool itself calls boilerplate (same-shape rows
    that are mostly punctuation and keywords, such as two maps' parallel entry points)."""
    proc = subprocess.run(["duplicates", "--seconds", "120", "--most", "200"], cwd=ROOT, capture_output=True,
                          text=True)
    rows = [line for line in proc.stdout.splitlines() if line[:1] == "D" and line[1:2].isdigit()]
    assert proc.stdout.startswith(("no duplicates", "1 pair", *(f"{n} pairs" for n in range(2, 201)))), proc.stdout
    assert "incomplete:" not in proc.stdout, proc.stdout
    assert [row for row in rows if " boilerplate" not in row] == [], proc.stdout
