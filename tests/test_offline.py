"""maps.offline: self-contained, deterministic pages and atomic writes."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import branca.element
import folium
import jinja2
import numpy as np
import pytest
import shapely
from folium.elements import JSCSSMixin

from chengyu.geo.errors import AtlasError
from chengyu.maps import atomic, offline
from chengyu.maps.controls import FullscreenControl
from chengyu.maps.offline import (
    ASSETS,
    DROPPED_ASSETS,
    LEAFLET_CSS,
    LEAFLET_JS,
    OfflineAssetError,
    VendoredAsset,
    register_asset,
    render_html,
    write_html,
)
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import escape_html, html_table

ROOT = Path(__file__).resolve().parents[1]
CDN_HOSTS = ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com")

def build_map() -> folium.Map:
    """A map using every Leaflet-core feature we ship (built again in subprocesses)."""
    regions = [(103, 29.0, "Chengdu", "core"), (105, 29.2, "Chongqing", "core"), (107, 29.4, "Wanzhou", "edge")]
    boxes = shapely.box([x for x, _, _, _ in regions], [y for _, y, _, _ in regions],
                        [x + 1 for x, _, _, _ in regions], [y + 1 for _, y, _, _ in regions])
    m = folium.Map(location=[29.5, 105], zoom_start=6, control_scale=True, tiles=None)
    folium.TileLayer("OpenStreetMap", name="OSM").add_to(m)
    folium.TileLayer("https://tiles.example.invalid/{z}/{x}/{y}.png", attr="test", name="Light").add_to(m)
    group = folium.FeatureGroup(name="Regions").add_to(m)
    folium.CircleMarker([29.5, 104.0], radius=5, tooltip="centre").add_to(group)
    PackedLayer(
        boxes, name="Districts",
        tips=[html_table({"Name": name, "Kind": kind}) for _, _, name, kind in regions],
        popups=[f"<b>{escape_html(name)}</b>" for _, _, name, _ in regions],
        fills=[{"core": "#c00", "edge": "#06c"}[kind] for _, _, _, kind in regions],
        style={"weight": 1, "highlight": True},
    ).add_to(m)
    PackedLayer(np.array([shapely.Point(104.5, 29.2), shapely.Point(106.5, 29.8)]), name="Sites",
                tips=[escape_html("Site <1>"), escape_html("Site {2}")], style={"radius": 4}).add_to(m)
    folium.LayerControl().add_to(m)
    FullscreenControl().add_to(m)
    return m


def test_offline_page_inlines_leaflet_and_links_nothing() -> None:
    page = render_html(build_map())
    assert "Leaflet 1.9.3" in page  # leaflet.js banner
    assert ".leaflet-pane" in page  # leaflet.css
    assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*stylesheet", page)
    for host in CDN_HOSTS:
        assert host not in page
    for url in DROPPED_ASSETS:
        assert url not in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert "sourceMappingURL" not in page
    assert page.count("Leaflet 1.9.3") == 1


def test_leaflet_css_images_become_data_uris() -> None:
    page = render_html(build_map())
    assert "url(images/" not in page
    layers_png = (LEAFLET_CSS.file().parent / "images" / "layers.png").read_bytes()
    assert base64.b64encode(layers_png).decode() in page
    assert 'L.Icon.Default.imagePath=""' in page  # default markers work offline too


def test_online_keeps_leaflet_cdn_and_drops_the_rest() -> None:
    page = render_html(build_map(), online=True)
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>' in page
    assert '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>' in page
    for url in DROPPED_ASSETS:
        assert url not in page
    assert "Leaflet 1.9.3" not in page  # nothing inlined


def test_every_folium_default_asset_is_classified() -> None:
    """A folium upgrade that changes a URL must be looked at, not guessed."""
    for _, url in folium.Map.default_js + folium.Map.default_css:
        assert url in ASSETS or url in DROPPED_ASSETS, url
    assert not set(ASSETS) & set(DROPPED_ASSETS)


def test_benign_page_matches_folium_except_ids_and_dropped_assets() -> None:
    """The single Jinja pass changes nothing for ordinary content."""
    m = build_map()
    theirs = m.get_root().render()
    for name, url in folium.Map.default_js + folium.Map.default_css:
        if url in DROPPED_ASSETS:
            tag = f'<script src="{url}"></script>' if url.endswith(".js") else f'<link rel="stylesheet" href="{url}"/>'
            assert f"\n    {tag}" in theirs, name
            theirs = theirs.replace(f"\n    {tag}", "")
    numbers: dict[str, str] = {}  # folium's random ids, numbered by first appearance as render_html numbers them
    theirs = re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])",
                    lambda match: numbers.setdefault(match[0], str(len(numbers) + 1)), theirs)
    assert theirs == render_html(build_map(), online=True)


def test_output_does_not_depend_on_earlier_renders() -> None:
    """folium re-adds addTo() calls under new ids on every save; we must not ship them twice."""
    fresh = render_html(build_map())
    m = build_map()
    m.get_root().render()
    m.get_root().render()
    assert render_html(m) == fresh
    assert render_html(m) == fresh
    # the packed layers' renderer, which their render() puts in the header, still follows Leaflet
    assert fresh.index("Leaflet 1.9.3") < fresh.index("L.ChengyuPacked = ") < fresh.index("L.chengyuPacked(")


def test_user_added_figure_elements_are_kept() -> None:
    m = build_map()
    m.get_root().html.add_child(folium.Element('<div id="legend">Legend</div>'))
    m.get_root().header.add_child(folium.Element("<style>#legend{color:red}</style>"), name="legend_css")
    m.get_root().render()
    page = render_html(m)
    assert page.count('<div id="legend">Legend</div>') == 1
    assert page.count("<style>#legend{color:red}</style>") == 1


def test_unmapped_cdn_url_raises_offline_but_not_online() -> None:
    from folium.plugins import Fullscreen

    m = build_map()
    Fullscreen().add_to(m)
    with pytest.raises(OfflineAssetError, match=r"no offline copy of https://cdn\.jsdelivr\.net/npm/leaflet\.fullscreen"):
        render_html(m)
    assert "leaflet.fullscreen@3.0.0" in render_html(m, online=True)


class _Plugin(JSCSSMixin):
    """A stand-in plugin that links one script."""

    _template = jinja2.Template("")
    default_js: ClassVar[list[tuple[str, str]]] = [("plugin_js", "https://example.invalid/plugin/1.0/plugin.js")]


def test_registered_asset_is_inlined(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A plugin's CDN URL mapped to a file vendored from npm is inlined (the way to add a plugin)."""
    vendor = tmp_path / "vendor"
    shutil.copytree(offline.VENDOR_DIR / "leaflet", vendor / "leaflet")
    (vendor / "plugin").mkdir()
    (vendor / "plugin" / "plugin.js").write_text("window.chengyuPlugin = 1;\n//# sourceMappingURL=plugin.js.map\n")
    monkeypatch.setattr(offline, "VENDOR_DIR", vendor)
    monkeypatch.setitem(offline.VENDORED_NPM, "plugin", "1.0.0")
    monkeypatch.setattr(offline, "ASSETS", dict(ASSETS))
    register_asset("https://example.invalid/plugin/1.0/plugin.js", VendoredAsset("plugin", "plugin.js"))
    m = folium.Map(tiles=None)
    _Plugin().add_to(m)
    try:
        page = render_html(m)
    finally:
        offline._inline_tag.cache_clear()  # forget the temporary folder's files
        offline._leaflet_default_icon.cache_clear()
    assert "<script>\nwindow.chengyuPlugin = 1;\n" in page
    assert "example.invalid" not in page and "sourceMappingURL" not in page
    assert page.index("Leaflet 1.9.3") < page.index("window.chengyuPlugin")  # after Leaflet, as linked


def test_register_asset_refuses_dropped_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "ASSETS", dict(ASSETS))
    register_asset("https://example.invalid/x.js", LEAFLET_JS)
    assert offline.ASSETS["https://example.invalid/x.js"] is LEAFLET_JS
    with pytest.raises(ValueError, match="DROPPED_ASSETS"):
        register_asset(next(iter(DROPPED_ASSETS)), LEAFLET_JS)


def test_vendored_files_stay_inside_their_package_folder() -> None:
    assert LEAFLET_JS.file() == offline.VENDOR_DIR / "leaflet" / "leaflet.js"
    with pytest.raises(OfflineAssetError, match="outside"):
        VendoredAsset("leaflet", "../refresh.py").file()
    with pytest.raises(OfflineAssetError, match="missing"):
        VendoredAsset("leaflet", "leaflet-src.js").file()


def test_css_remote_references_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OfflineAssetError, match="remote"):
        offline._inline_css_urls("a{background:url(https://x.invalid/a.png)}", tmp_path, "t.css")
    with pytest.raises(OfflineAssetError, match="@import"):
        offline._inline_css_urls("@import 'x.css';", tmp_path, "t.css")
    with pytest.raises(OfflineAssetError, match="missing"):
        offline._inline_css_urls("a{background:url(nope.png)}", tmp_path, "t.css")
    vml = "a{behavior:url(#default#VML)}"
    assert offline._inline_css_urls(vml, tmp_path, "t.css") == vml


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda m: folium.Marker([30, 104], popup="hi").add_to(m), "folium.Popup"),
        (lambda m: folium.Marker([30, 104], icon=folium.Icon()).add_to(m), "awesome-markers"),
        (lambda m: m.keep_in_front(folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(m)),
         "keep_in_front"),
    ],
)
def test_elements_needing_dropped_assets_are_refused(build, reason: str) -> None:
    m = folium.Map(tiles=None)
    build(m)
    for online in (False, True):
        with pytest.raises(OfflineAssetError, match=reason):
            render_html(m, online=online)


def test_ids_are_renumbered_by_first_appearance() -> None:
    page = render_html(build_map())
    assert not re.search(r"_[0-9a-f]{32}(?![0-9a-f])", page)
    names = list(dict.fromkeys(re.findall(r"\b([a-z]+(?:_[a-z]+)*)_(\d+)\b", page)))
    assert names[0] == ("map", "1")
    assert [int(n) for _, n in names] == sorted(int(n) for _, n in names)
    assert names == [("map", "1"), ("tile_layer", "2"), ("tile_layer", "3"), ("feature_group", "4"),
                     ("circle_marker", "5"), ("packed_layer", "6"), ("packed_layer", "7"), ("layer_control", "8"),
                     ("fullscreen_control", "9")]


def test_render_has_no_side_effects_on_the_map() -> None:
    m = build_map()
    figure = m.get_root()
    before = [dict(part._children) for part in (figure.header, figure.html, figure.script)]
    first = render_html(m)
    after = [dict(part._children) for part in (figure.header, figure.html, figure.script)]
    assert before == after
    assert render_html(m) == first
    assert branca.element.Template is jinja2.Template
    # folium's own save still works and still has its CDN links
    assert "code.jquery.com" in figure.render()


class _Broken(branca.element.MacroElement):
    """An element whose rendering fails half-way through the page."""

    _template = jinja2.Template("{% macro script(this, kwargs) %}{{ this.boom() }}{% endmacro %}")

    def boom(self) -> str:
        raise TypeError("boom")


def test_jinja_patch_is_undone_after_errors() -> None:
    m = folium.Map(tiles=None)
    _Broken().add_to(m)  # raises mid-render, inside the single-pass patch
    with pytest.raises(TypeError, match="boom"):
        render_html(m)
    assert branca.element.Template is jinja2.Template


def test_fullscreen_control_options_are_inert() -> None:
    m = folium.Map(tiles=None)
    FullscreenControl(position="topright", title="{{ 7*7 }} <b>", title_exit="`${x}`").add_to(m)
    for page in (m.get_root().render(), render_html(m)):
        assert '"titleEnter": "49' not in page
        assert '"titleEnter": "\\u007b\\u007b 7*7 \\u007d\\u007d \\u003cb\\u003e"' in page
        assert '"position": "topright"' in page
    with pytest.raises(ValueError):
        FullscreenControl(position="middle")


@pytest.mark.slow
def test_same_map_is_byte_identical_across_processes(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from chengyu.maps.offline import render_html\n"
        "from tests.test_offline import build_map\n"
        "sys.stdout.buffer.write(render_html(build_map()).encode('utf-8'))\n"
    )
    outputs = []
    for seed in ("1", "2"):  # different hash seeds: set/dict-order bugs show up
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                              capture_output=True, check=True, timeout=120)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0] == render_html(build_map()).encode("utf-8")


# --- write_html ------------------------------------------------------------------


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_html_writes_and_returns_path(tmp_path: Path) -> None:
    target = tmp_path / "map.html"
    assert write_html(build_map(), target) == target
    assert target.read_text(encoding="utf-8") == render_html(build_map())
    assert _leftovers(tmp_path) == []


def test_write_html_overwrite_false_refuses_existing(tmp_path: Path) -> None:
    target = tmp_path / "map.html"
    target.write_text("old")
    with pytest.raises(AtlasError, match="already exists"):
        write_html(build_map(), target, overwrite=False)
    assert target.read_text() == "old"
    fresh = tmp_path / "new.html"
    write_html(build_map(), fresh, overwrite=False)
    assert fresh.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert _leftovers(tmp_path) == []


def test_write_html_keeps_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "map.html"
    target.write_text("old")
    target.chmod(0o640)
    write_html(build_map(), target)
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("failing", ["os.replace", "os.fsync", "render"])
def test_write_html_failure_leaves_target_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    failing: str) -> None:
    target = tmp_path / "map.html"
    target.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk on fire")

    if failing == "render":
        monkeypatch.setattr(offline, "render_html", boom)
    else:
        monkeypatch.setattr(atomic.os, failing.split(".")[1], boom)
    with pytest.raises((OSError, AtlasError), match="disk on fire"):
        write_html(build_map(), target)
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []
