"""Accessibility basics of the maps (issue 16.4), in headless Chromium with the network blocked: the
panel and the legend are real HTML (headings, lists, tables with scoped headers), reachable and
closed by keyboard; every control has a name; every text of the panel, the legend and the layers'
panels stands out from what is behind it by at least 4.5:1 (WCAG 2 AA), on the computed styles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chengyu.cli.main import main
from tests.browser.screens import LAPTOP, MAPS, PHONE, build_maps, open_map

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"

# [tag, text, contrast ratio] of every element under a root holding text of its own and shown. Its
# colour is composited over its background: its own and its ancestors' background colours down to
# the nearest opaque one. A translucent box lets the map show through it: its backgrounds
# composited over black, the darkest the map can be, count as well (the lower ratio is kept).
CONTRASTS_JS = """(root) => {
    const parse = c => {
        const n = c.match(/[\\d.]+/g).map(Number);
        return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1];
    };
    const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
    const luminance = c => {
        const [r, g, b] = c.slice(0, 3).map(v => v / 255)
            .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
        return (hi + 0.05) / (lo + 0.05);
    };
    const behind = el => {
        const layers = [];
        let opaque = false;
        for (let e = el; e && !opaque; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c[3] > 0) { layers.push(c); opaque = c[3] >= 1; }
        }
        const down = base => layers.reduceRight((colour, layer) => over(layer, colour), base);
        return opaque ? [down([0, 0, 0, 1])] : [down([255, 255, 255, 1]), down([0, 0, 0, 1])];
    };
    const found = [];
    for (const el of [root, ...root.querySelectorAll('*')]) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
        if (!own || !el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
        const colour = parse(getComputedStyle(el).color);
        const worst = Math.min(...behind(el).map(bg => ratio(over(colour, bg), bg)));
        found.push([el.tagName, own.slice(0, 40), Math.round(worst * 100) / 100]);
    }
    return found;
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("a11y")
    built = build_maps(folder)
    # a user's layer: its covered-area table in the layers panel, bottom left
    built["with-layer"] = folder / "with-layer.html"
    assert main(["map", "science-city", "--layer", str(DATA / "parks.geojson"), "-o", str(built["with-layer"])]) == 0
    return built


def _assert_legible(page: Any, selector: str, at_least: int) -> None:
    texts = page.locator(selector).first.evaluate(CONTRASTS_JS)
    assert len(texts) >= at_least, texts  # the texts were found, shown
    assert [t for t in texts if t[2] < 4.5] == []


@pytest.mark.parametrize("name", MAPS)
def test_panel_and_legend_are_headings_lists_and_tables(browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], LAPTOP) as page:
        panel, legend = page.locator(".chengyu-panel"), page.locator(".chengyu-legend")
        assert panel.locator("h2").count() == 1 and panel.locator("h3").count() >= 1
        assert panel.locator("h4, h5, h6").count() == 0
        assert panel.locator("ul > li").count() >= 3
        headers = panel.locator("table th")
        assert headers.count() >= 5
        assert set(headers.evaluate_all("hs => hs.map(h => h.scope)")) == {"row"}
        assert legend.locator("h2").count() == 1
        assert legend.locator("ul.chengyu-keys > li").count() >= 6
        # named regions: the sheets carry their buttons' labels
        assert panel.get_attribute("aria-label") == "About this map" and legend.get_attribute("aria-label") == "Legend"


@pytest.mark.parametrize("name", MAPS)
def test_every_control_has_a_name(browser: Any, pages: dict[str, Path], name: str) -> None:
    for viewport in (PHONE, LAPTOP):
        with open_map(browser, pages[name], viewport) as page:
            controls = page.locator(".leaflet-control-container").locator("button, a[href], [role=button]")
            names = controls.evaluate_all("""els => els.filter(e => e.getClientRects().length)
                .map(e => (e.getAttribute('aria-label') || e.textContent).trim())""")
            assert len(names) >= 5 and all(names), names
            assert page.locator(".chengyu-fullscreen-button").get_attribute("aria-label") == "Full screen"
            assert page.locator(".leaflet-control-layers-toggle").get_attribute("aria-label") == "Layers"
            assert page.locator(".leaflet-control-zoom-in").get_attribute("aria-label") == "Zoom in"
            for toggle in page.locator(".chengyu-toggle").all():
                assert toggle.evaluate("b => b.tagName") == "BUTTON"
                assert toggle.get_attribute("aria-expanded") == "false"
                sheet = page.locator(f"#{toggle.get_attribute('aria-controls')}")
                assert sheet.count() == 1 and sheet.get_attribute("tabindex") == "0"


def _tab_to(page: Any, test: str, most: int = 40) -> None:
    """Press Tab until the focused element passes ``test`` (JavaScript, given the element)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"(e => {test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


@pytest.mark.parametrize("name", MAPS)
def test_the_phone_sheets_open_and_close_by_keyboard(browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], PHONE) as page:
        for label, sheet in [("About this map", ".chengyu-panel"), ("Legend", ".chengyu-legend")]:
            _tab_to(page, f"e.innerText === {label!r}")
            page.keyboard.press("Enter")
            toggle = page.get_by_role("button", name=label, exact=True)
            assert toggle.get_attribute("aria-expanded") == "true" and page.locator(sheet).is_visible()
            assert page.evaluate(f"document.activeElement.matches({sheet!r})")  # the sheet, to read or scroll
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Close {label}"
            page.keyboard.press("Escape")
            assert toggle.get_attribute("aria-expanded") == "false" and page.locator(sheet).is_hidden()
            assert page.evaluate(f"document.activeElement.innerText === {label!r}")  # back on its button
            # the close button by keyboard too
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert page.locator(sheet).is_hidden()
            assert page.evaluate(f"document.activeElement.innerText === {label!r}")


@pytest.mark.parametrize("name", MAPS)
def test_the_laptop_panels_and_layer_list_are_reached_by_keyboard(browser: Any, pages: dict[str, Path],
                                                                  name: str) -> None:
    with open_map(browser, pages[name], LAPTOP) as page:
        _tab_to(page, "e.matches('.leaflet-control-layers-toggle')")
        page.keyboard.press("Enter")
        assert page.locator(".leaflet-control-layers-list").is_visible()
        _tab_to(page, "e.matches('.chengyu-panel')")
        _tab_to(page, "e.matches('.chengyu-legend')")


@pytest.mark.parametrize("name", MAPS)
def test_text_contrast_is_at_least_4_5(browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], LAPTOP) as page:
        _assert_legible(page, ".chengyu-panel", 15)
        _assert_legible(page, ".chengyu-legend", 6)
        _assert_legible(page, ".chengyu-language", 3)  # the language toggle, its chosen button dark
        page.locator(".leaflet-control-layers").hover()
        _assert_legible(page, ".leaflet-control-layers-list", 4)
    with open_map(browser, pages[name], PHONE) as page:
        for label, sheet in [("About this map", ".chengyu-panel"), ("Legend", ".chengyu-legend")]:
            toggle = page.get_by_role("button", name=label, exact=True)
            _assert_legible(page, f".leaflet-control:has({sheet})", 1)  # the button
            toggle.tap()
            _assert_legible(page, sheet, 6)
            page.keyboard.press("Escape")


def test_the_layers_panel_text_contrast_is_at_least_4_5(browser: Any, pages: dict[str, Path]) -> None:
    with open_map(browser, pages["with-layer"], LAPTOP) as page:
        _assert_legible(page, ".chengyu-layers", 10)
