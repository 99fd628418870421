"""maps/js/vendor/: the vendored npm files are the ones SOURCES.md records, at the pinned versions."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from chengyu.maps.offline import ASSETS, LEAFLET_CSS, LEAFLET_JS, VENDOR_DIR, VENDORED_NPM, VendoredAsset
from tests import test_packaging

SOURCES = VENDOR_DIR / "SOURCES.md"
wheel = test_packaging.wheel  # the fixture that builds the wheel, shared rather than written again


def _sections() -> dict[str, str]:
    """SOURCES.md's text per package (heading to heading), parsed here independently of refresh.py."""
    text = SOURCES.read_text(encoding="utf-8")
    heads = list(re.finditer(r"^## `([^`]+)/` .*$", text, re.MULTILINE))
    ends = [h.start() for h in heads[1:]] + [len(text)]
    return {h.group(1): text[h.end():end] for h, end in zip(heads, ends, strict=True)}


def _field(section: str, key: str) -> str:
    (value,) = re.findall(rf"^\| {re.escape(key)} \| (.+) \|$", section, re.MULTILINE)
    return value


def _checksums(name: str, section: str) -> dict[str, str]:
    return dict(re.findall(rf"^\| `{re.escape(name)}/([^`]+)` \| ([0-9a-f]{{64}}) \|$", section, re.MULTILINE))


@pytest.fixture(scope="module")
def refresh() -> Iterator[ModuleType]:
    """maps/js/vendor/refresh.py (a script, not a package module), loaded by path."""
    spec = importlib.util.spec_from_file_location("vendor_refresh", VENDOR_DIR / "refresh.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_every_pinned_package_is_recorded_at_its_pinned_version() -> None:
    sections = _sections()
    assert set(sections) == set(VENDORED_NPM)
    for name, section in sections.items():
        version = VENDORED_NPM[name]
        assert _field(section, "version") == version
        assert _field(section, "tarball") == f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", _field(section, "tarball integrity"))
        assert re.fullmatch(r"[0-9a-f]{40}", _field(section, "tarball shasum"))


def test_leaflet_is_the_version_folium_links_under_its_licence() -> None:
    section = _sections()["leaflet"]
    assert VENDORED_NPM["leaflet"] == "1.9.3"
    assert _field(section, "licence").startswith("BSD-2-Clause ")
    assert "BSD 2-Clause License" in (VENDOR_DIR / "leaflet" / "LICENSE").read_text(encoding="utf-8")
    assert f"Leaflet {VENDORED_NPM['leaflet']}" in LEAFLET_JS.file().read_text(encoding="utf-8")[:200]


@pytest.mark.parametrize("name", sorted(VENDORED_NPM))
def test_vendored_files_match_their_sha256(name: str) -> None:
    recorded = _checksums(name, _sections()[name])
    folder = VENDOR_DIR / name
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert present == set(recorded), "files here and rows in SOURCES.md differ"
    assert "LICENSE" in recorded
    for path, digest in recorded.items():
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path


def test_cdn_urls_served_from_vendored_files_name_the_pinned_version() -> None:
    vendored = {url: asset for url, asset in ASSETS.items() if isinstance(asset, VendoredAsset)}
    assert set(vendored.values()) >= {LEAFLET_JS, LEAFLET_CSS}
    for url, asset in vendored.items():
        assert f"/{asset.package}@{VENDORED_NPM[asset.package]}/" in url, url
        assert asset.path in _checksums(asset.package, _sections()[asset.package]), asset.path
        assert asset.file().is_file()


def test_leaflet_css_images_are_vendored() -> None:
    css = LEAFLET_CSS.file().read_text(encoding="utf-8")
    images = set(re.findall(r"url\((images/[^)]+)\)", css))
    assert images
    for image in images:
        assert (LEAFLET_CSS.file().parent / image).is_file(), image


def test_refresh_reads_the_pins_and_rewrites_sources_md_unchanged(refresh: ModuleType) -> None:
    assert refresh.pins() == VENDORED_NPM
    text = SOURCES.read_text(encoding="utf-8")
    assert refresh.render_sources(list(refresh.parse_sources(text).values())) == text


def test_refresh_picks_the_listed_tarball_members(refresh: ModuleType) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ["package/LICENSE", "package/dist/a.js", "package/dist/a.js.map",
                     "package/dist/images/x.png", "package/dist/images/deeper/y.png"]:
            info = tarfile.TarInfo(name)
            info.size = len(name)
            tar.addfile(info, io.BytesIO(name.encode()))
    files = refresh.pick_files(buffer.getvalue(), ("LICENSE", "dist/a.js", "dist/images/*.png"))
    assert files == {"LICENSE": b"package/LICENSE", "a.js": b"package/dist/a.js",
                     "images/x.png": b"package/dist/images/x.png"}
    with pytest.raises(refresh.RefreshError, match="nothing matching"):
        refresh.pick_files(buffer.getvalue(), ("dist/b.js",))
    # npm's form of a digest: the well-known sha512 of nothing, base64
    empty = "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    assert refresh.integrity(b"") == f"sha512-{empty}"


@pytest.mark.slow
def test_an_unpacked_wheel_inlines_its_own_vendored_leaflet(wheel: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in _checksums("leaflet", _sections()["leaflet"]):
        assert f"chengyu/maps/js/vendor/leaflet/{path}" in names, path
    assert "chengyu/maps/js/vendor/SOURCES.md" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("import folium, chengyu.maps.offline as o; page = o.render_html(folium.Map(tiles=None)); "
            "print(page.count('Leaflet 1.9.3'), page.count('data:image/png;base64,'), o.__file__)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    banners, images, where = proc.stdout.split()
    assert (banners, int(images) >= 3) == ("1", True)
    assert where.startswith(str(tmp_path / "site"))
