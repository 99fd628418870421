"""Refresh the JavaScript vendored under ``maps/js/vendor/`` from npm and rewrite its SOURCES.md.

A dev-time tool: maps are rendered from the files in this folder and never download anything.
For each npm package pinned in ``VENDORED_NPM`` (``maps/offline.py``, read here as text):

1. ``npm pack <name>@<version>`` in a temporary folder, and ``npm view <name>@<version> dist``;
2. the tarball's sha512 must equal the registry's ``dist.integrity`` and, when SOURCES.md already
   records this version, the integrity it records (a re-published tarball stops the refresh); a new
   version prints its integrity, to be reviewed with the diff;
3. the files in :data:`FILES` are copied unchanged (``dist/`` dropped from their paths: the
   repository ignores ``dist/`` folders) and SOURCES.md is rewritten with every file's sha256.

Usage::

    python maps/js/vendor/refresh.py            # fetch, check, copy, rewrite SOURCES.md
    python maps/js/vendor/refresh.py --check    # fetch and check, compare with what is here

Only the standard library and the ``npm`` client are used, so it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "SOURCES.md"
OFFLINE_PY = HERE.parents[1] / "offline.py"

#: Per package: the tarball members to vendor (paths below ``package/``; ``*`` within one folder).
#: Leaflet: the minified script, its stylesheet, the images the stylesheet and the default marker
#: icon use, and the licence.
FILES: dict[str, tuple[str, ...]] = {
    "leaflet": ("LICENSE", "dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png"),
}
#: The licence we reviewed for each package; a tarball declaring another one stops the refresh.
LICENCES: dict[str, str] = {"leaflet": "BSD-2-Clause"}
#: Dropped from the front of vendored paths, so ``leaflet.css`` keeps ``images/`` beside it.
STRIP = "dist/"

HEADER = """\
# Sources of the vendored JavaScript

Each folder here holds files copied unchanged from one npm package at the exact version
`VENDORED_NPM` pins in `maps/offline.py`; `maps.offline` inlines them into the map pages in
place of the CDN links folium writes, so nothing is downloaded when a map is rendered or opened.
`python maps/js/vendor/refresh.py` fetches the pinned tarball with `npm pack`, checks its sha512
against the registry's and the integrity below, copies the files and rewrites this file (`--check`
compares without writing); `tests/test_vendor.py` checks every file against its sha256 below and
the versions against the pins. Paths drop the tarball's `package/` and `dist/` prefixes.
"""


class RefreshError(RuntimeError):
    """The registry, the tarball or the files here are not what we expect."""


@dataclass(frozen=True)
class Vendored:
    """What SOURCES.md records for one package."""

    name: str
    version: str
    tarball: str  # the registry's dist.tarball
    integrity: str  # the registry's dist.integrity, "sha512-<base64>"
    shasum: str  # the registry's dist.shasum (sha1 of the tarball, hex)
    licence: str
    files: dict[str, str]  # vendored path (relative to the package's folder) -> sha256


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def integrity(data: bytes) -> str:
    """npm's Subresource-Integrity string of a tarball: ``sha512-`` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def pins(source: Path = OFFLINE_PY) -> dict[str, str]:
    """``VENDORED_NPM`` from ``maps/offline.py``, read without importing it (no folium needed)."""
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == "VENDORED_NPM" and value is not None:
            return dict(ast.literal_eval(value))
    raise RefreshError(f"no VENDORED_NPM = {{...}} in {source}")


# --- SOURCES.md ---------------------------------------------------------------------------------

_SECTION = re.compile(r"^## `([^`]+)/` ", re.MULTILINE)
_ROW = re.compile(r"^\| (.+?) \| (.+?) \|$", re.MULTILINE)


def render_sources(packages: list[Vendored]) -> str:
    """The text of SOURCES.md for ``packages`` (sorted by name: the same input, the same bytes)."""
    parts = [HEADER]
    for p in sorted(packages, key=lambda p: p.name):
        rows = [("npm package", p.name), ("version", p.version), ("tarball", p.tarball),
                ("tarball integrity", p.integrity), ("tarball shasum", p.shasum),
                ("licence", f"{p.licence} (full text in `{p.name}/LICENSE`)")]
        parts.append(f"\n## `{p.name}/` — {p.name} {p.version} from npm\n\n| field | value |\n|---|---|\n")
        parts.append("".join(f"| {key} | {value} |\n" for key, value in rows))
        parts.append("\n| file | sha256 |\n|---|---|\n")
        parts.append("".join(f"| `{p.name}/{path}` | {digest} |\n" for path, digest in sorted(p.files.items())))
    return "".join(parts)


def parse_sources(text: str) -> dict[str, Vendored]:
    """Read back what :func:`render_sources` wrote (package name -> record)."""
    found: dict[str, Vendored] = {}
    starts = list(_SECTION.finditer(text))
    for match, after in zip(starts, [*starts[1:], None], strict=True):
        name = match.group(1)
        section = text[match.end():after.start() if after else len(text)]
        fields: dict[str, str] = {}
        files: dict[str, str] = {}
        for key, value in _ROW.findall(section):
            if key.startswith("`"):
                files[key.strip("`").removeprefix(f"{name}/")] = value
            elif key not in ("field", "file") and not key.startswith("-"):
                fields[key] = value
        found[name] = Vendored(name, fields["version"], fields["tarball"], fields["tarball integrity"],
                               fields["tarball shasum"], fields["licence"].split(" ")[0], files)
    return found


# --- the tarball --------------------------------------------------------------------------------


def _wanted(path: str, patterns: tuple[str, ...]) -> str | None:
    """The pattern ``path`` matches (``*`` never crosses a ``/``), or None."""
    pure = PurePosixPath(path)
    for pattern in patterns:
        glob = PurePosixPath(pattern)
        if pure.parent == glob.parent and fnmatchcase(pure.name, glob.name):
            return pattern
    return None


def pick_files(tarball: bytes, patterns: tuple[str, ...]) -> dict[str, bytes]:
    """The regular files of an npm tarball matching ``patterns``, keyed by their vendored path."""
    picked: dict[str, bytes] = {}
    used: set[str] = set()
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member in tar.getmembers():
            path = member.name.removeprefix("package/")
            pattern = _wanted(path, patterns) if member.name.startswith("package/") else None
            if pattern is None or not member.isfile():
                continue
            data = tar.extractfile(member)
            if data is None:
                raise RefreshError(f"cannot read {member.name}")
            picked[path.removeprefix(STRIP)] = data.read()
            used.add(pattern)
    missing = [p for p in patterns if p not in used]
    if missing:
        raise RefreshError(f"the tarball has nothing matching {missing}")
    return picked


def _npm(*args: str, cwd: Path) -> object:
    """Run ``npm <args> --json`` and return its parsed output."""
    done = subprocess.run(["npm", *args, "--json"], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RefreshError(f"npm {' '.join(args)} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def fetch(name: str, version: str, recorded: Vendored | None) -> tuple[Vendored, dict[str, bytes]]:
    """Pack ``name@version`` from npm, check it, and return its record and files."""
    spec = f"{name}@{version}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dist = _npm("view", spec, "dist", cwd=folder)
        packs = _npm("pack", spec, "--ignore-scripts", cwd=folder)
        if not isinstance(packs, list) or len(packs) != 1 or not isinstance(packs[0], dict):
            raise RefreshError(f"npm pack {spec} gave {packs!r}, not one tarball")
        tarball = (folder / packs[0]["filename"]).read_bytes()
    if not isinstance(dist, dict):
        raise RefreshError(f"npm view {spec} dist gave {dist!r}")
    got = integrity(tarball)
    if got != dist["integrity"] or hashlib.sha1(tarball).hexdigest() != dist["shasum"]:
        raise RefreshError(f"{spec}: the packed tarball ({got}) is not the registry's ({dist['integrity']})")
    if recorded is not None and recorded.version == version and recorded.integrity != got:
        raise RefreshError(f"{spec}: the registry's tarball ({got}) is not the one SOURCES.md records "
                           f"({recorded.integrity}); find out why before vendoring it")
    if recorded is None or recorded.version != version:
        print(f"{spec}: new version, tarball integrity {got} (review the diff)")
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.extractfile("package/package.json")
        declared = json.loads(member.read()) if member else {}
    if declared.get("version") != version or declared.get("license") != LICENCES[name]:
        raise RefreshError(f"{spec}: package.json says version {declared.get('version')!r}, licence "
                           f"{declared.get('license')!r}; expected {version!r}, {LICENCES[name]!r}")
    files = pick_files(tarball, FILES[name])
    record = Vendored(name, version, dist["tarball"], got, dist["shasum"], LICENCES[name],
                      {path: sha256(data) for path, data in files.items()})
    return record, files


def on_disk(name: str) -> dict[str, bytes]:
    """The files vendored for ``name`` now, keyed by path relative to its folder."""
    folder = HERE / name
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_package(name: str, files: dict[str, bytes]) -> None:
    """Replace ``maps/js/vendor/<name>/`` by exactly ``files`` (built beside it, then swapped in)."""
    target = HERE / name
    staging = HERE / f".{name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    for path, data in files.items():
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        (staging / path).write_bytes(data)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def main(argv: list[str] | None = None) -> int:
    """Refresh (or with ``--check`` compare) every pinned package; 0 when all is well."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the vendored files, write nothing")
    args = parser.parse_args(argv)
    recorded = parse_sources(SOURCES.read_text(encoding="utf-8")) if SOURCES.exists() else {}
    records: list[Vendored] = []
    differ: list[str] = []
    for name, version in sorted(pins().items()):
        record, files = fetch(name, version, recorded.get(name))
        records.append(record)
        if args.check:
            differ += [f"{name}/{path}" for path in sorted(set(files) | set(on_disk(name)))
                       if files.get(path) != on_disk(name).get(path)]
        else:
            write_package(name, files)
    text = render_sources(records)
    if args.check:
        if not SOURCES.exists() or SOURCES.read_text(encoding="utf-8") != text:
            differ.append("SOURCES.md")
        for path in differ:
            print(f"differs from npm: maps/js/vendor/{path}")
        return 1 if differ else 0
    SOURCES.write_text(text, encoding="utf-8")
    print(f"wrote {SOURCES} ({', '.join(f'{r.name} {r.version}' for r in records)})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RefreshError as error:
        sys.exit(f"refresh: {error}")
