"""The 中文 / English toggle of both maps (issue 16.3), in headless Chromium with the network blocked: it
switches the panel, the legend, a tooltip, a popup, the layer control and the page's title between
Chinese and English (or shows both); the choice is written in the address and read back; without one,
the page's default (chengyu map --lang), else the browser's language; hostile text stays literal in
every language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chengyu.cli.main import main
from chengyu.geo.plan import parse_plan
from chengyu.maps.offline import write_html
from chengyu.maps.science_city import science_city_map
from chengyu.shapes import PLAN_PATH
from tests.browser.screens import LAPTOP, MAPS, PHONE, build_maps, open_map, screen_xy
from tests.browser.test_maps import HOSTILE

pytestmark = pytest.mark.browser

SHAPINGBA = "500106"
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
# What each map's panel and legend say in one language and not the other.
PANEL = {"science-city": {"zh": ["规划面积", "1198平方公里", "目标"], "en": ["Planning area", "1,198 km²", "Goals"]},
         "economic-circle": {"zh": ["规划面积", "18.5万平方公里", "9600万", "近 6.3万亿元"],
                             "en": ["Plan area", "185,000 km²", "96 million", "nearly RMB 6.3 trillion"]}}
TITLE = {"science-city": {"zh": "西部（重庆）科学城 — 五个承载区",
                          "en": "Western (Chongqing) Science City — host districts"},
         "economic-circle": {"zh": "成渝地区双城经济圈", "en": "Chengdu–Chongqing Economic Circle"}}
OTHER = {"zh": "en", "en": "zh"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("language")
    built = build_maps(folder)  # no default of their own: the browser's language decides
    built["zh-default"] = folder / "zh-default.html"
    assert main(["map", "science-city", "--lang", "zh", "-o", str(built["zh-default"])]) == 0
    plan = PLAN_PATH.read_text(encoding="utf-8")
    hostile = plan.replace('role = "core zone (直管园): 西永', f'role = "{HOSTILE} 西永', 1)
    built["hostile"] = write_html(science_city_map(parse_plan(hostile, "hostile.toml")), folder / "hostile.html",
                                  pack=True)
    return built


def _choose(page: Any, lang: str) -> None:
    """Press the toggle's button of ``lang``."""
    label = {"zh": "中文", "en": "English", "both": "中文+English"}[lang]
    page.locator(".chengyu-language").get_by_role("button", name=label, exact=True).click()


def _shown(page: Any) -> str:
    """The language the page shows, by the class on <html>, checked against the toggle's pressed button."""
    lang = page.evaluate("document.documentElement.className.match(/chengyu-lang-(zh|en|both)/)[1]")
    pressed = page.locator(".chengyu-language button[aria-pressed=true]").all_inner_texts()
    assert pressed == [{"zh": "中文", "en": "English", "both": "中文+English"}[lang]]
    return lang


def _texts(page: Any) -> dict[str, str]:
    """What the reader sees of the panel, the legend, the layer control's overlays, Shapingba's
    tooltip and its popup."""
    found = {part: page.locator(f".chengyu-{part}").inner_text() for part in ("panel", "legend")}
    page.locator(".leaflet-control-layers").hover()
    found["layers"] = page.locator(".leaflet-control-layers-overlays").inner_text()
    page.mouse.move(*screen_xy(page, SHAPINGBA))
    found["tooltip"] = page.locator(".leaflet-tooltip").inner_text()
    page.mouse.click(*screen_xy(page, SHAPINGBA))
    found["popup"] = page.locator(".leaflet-popup-content").inner_text()
    page.evaluate("void map_1.closePopup()")
    page.wait_for_function("!document.querySelector('.leaflet-popup')")
    page.mouse.move(2, 2)
    return found


def _assert_in(page: Any, name: str, lang: str) -> None:
    """Every part of the page says its words in ``lang`` and none in the other language."""
    seen = _texts(page)
    assert page.title() == TITLE[name][lang]
    for said in PANEL[name][lang]:
        assert said in seen["panel"], (said, seen["panel"])
    for unsaid in PANEL[name][OTHER[lang]]:
        assert unsaid not in seen["panel"], (unsaid, seen["panel"])
    # names and labels of the map's own: in Chinese with no Latin letter, in English with no Chinese
    foreign = LATIN if lang == "zh" else HAN
    for part in ("legend", "layers", "tooltip"):
        assert not foreign.search(seen[part]), (part, seen[part])
    assert ("沙坪坝区" in seen["popup"]) == (lang == "zh") and ("Shapingba" in seen["popup"]) == (lang == "en")
    assert ("面积" in seen["tooltip"]) == (lang == "zh") and ("area" in seen["tooltip"]) == (lang == "en")


@pytest.mark.parametrize("name", MAPS)
def test_the_toggle_switches_every_text_and_writes_the_address(browser: Any, pages: dict[str, Path],
                                                                 name: str) -> None:
    with open_map(browser, pages[name], LAPTOP) as page:
        assert _shown(page) == "en" and page.evaluate("location.hash") == ""
        _assert_in(page, name, "en")
        entries = page.evaluate("history.length")
        _choose(page, "zh")
        assert _shown(page) == "zh" and page.evaluate("location.hash") == "#lang=zh"
        assert page.evaluate("history.length") == entries  # the address replaced, not a new history entry
        _assert_in(page, name, "zh")
        _choose(page, "both")
        assert _shown(page) == "both" and page.evaluate("location.hash") == "#lang=both"
        seen = _texts(page)
        assert "沙坪坝区" in seen["tooltip"] and "Shapingba District" in seen["tooltip"]
        assert all(said in seen["panel"] for lang in ("zh", "en") for said in PANEL[name][lang])
        assert page.title() == f"{TITLE[name]['zh']} {TITLE[name]['en']}"
        page.evaluate("location.hash = '#lang=en'")  # the reader edits the address
        page.wait_for_function("document.documentElement.classList.contains('chengyu-lang-en')")


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-US", "en"), ("de-DE", "en")])
def test_without_a_choice_the_browser_language_decides(browser: Any, pages: dict[str, Path], locale: str,
                                                       lang: str) -> None:
    with open_map(browser, pages["economic-circle"], LAPTOP, locale=locale) as page:
        assert page.evaluate("navigator.language") == locale
        assert _shown(page) == lang and page.evaluate("document.documentElement.lang") == lang


def test_the_address_is_read_back_over_the_browser_language(browser: Any, pages: dict[str, Path]) -> None:
    with open_map(browser, pages["science-city"], LAPTOP, "#lang=en", locale="zh-CN") as page:
        assert _shown(page) == "en"
        _assert_in(page, "science-city", "en")
    with open_map(browser, pages["science-city"], LAPTOP, "#lang=both", locale="zh-CN") as page:
        assert _shown(page) == "both"


def test_the_page_default_overrides_the_browser_and_the_address_overrides_it(browser: Any,
                                                                             pages: dict[str, Path]) -> None:
    with open_map(browser, pages["zh-default"], LAPTOP, locale="en-US") as page:
        assert _shown(page) == "zh"
        _assert_in(page, "science-city", "zh")
    with open_map(browser, pages["zh-default"], LAPTOP, "#lang=en", locale="en-US") as page:
        assert _shown(page) == "en"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_plan_text_stays_literal_in_each_language(browser: Any, pages: dict[str, Path], lang: str) -> None:
    with open_map(browser, pages["hostile"], LAPTOP, f"#lang={lang}") as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.mouse.click(*screen_xy(page, SHAPINGBA))
        popup = page.locator(".leaflet-popup-content")
        text = popup.inner_text()
        assert "{{ 7*7 }}" in text and "{% if 1 %}x{% endif %}" in text and "${x}" in text
        assert "<img src=x onerror=alert(1)>" in text and "<script>alert(2)</script>" in text
        assert ("定位" in text) == (lang == "zh") and ("role" in text) == (lang == "en")
        _choose(page, OTHER[lang])  # the popup stays open, in the other language
        text = popup.inner_text()
        assert "<img src=x onerror=alert(1)>" in text and ("定位" in text) == (lang == "en")
        assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
        assert dialogs == []


def test_the_toggle_is_labelled_and_works_by_keyboard(browser: Any, pages: dict[str, Path]) -> None:
    with open_map(browser, pages["science-city"], LAPTOP) as page:
        group = page.get_by_role("group", name="Language", exact=True)
        assert group.get_by_role("button").count() == 3
        page.locator(".chengyu-language-en").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        assert _shown(page) == "zh"
        assert page.get_by_role("group", name="语言", exact=True).count() == 1
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        assert _shown(page) == "both" and page.evaluate("document.activeElement.textContent") == "中文+English"
        # Leaflet's own controls and ours, named in the language shown
        _choose(page, "zh")
        assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
        assert page.locator(".chengyu-fullscreen-button").get_attribute("aria-label") == "全屏"
        assert page.locator(".leaflet-control-layers-toggle").get_attribute("aria-label") == "图层"
        assert page.locator(".chengyu-panel").get_attribute("aria-label") == "关于本图"


def test_the_phone_buttons_and_sheets_are_in_the_language_shown(browser: Any, pages: dict[str, Path]) -> None:
    with open_map(browser, pages["economic-circle"], PHONE, "#lang=zh") as page:
        about = page.get_by_role("button", name="关于本图", exact=True)
        assert about.is_visible() and page.get_by_role("button", name="图例", exact=True).is_visible()
        about.tap()
        assert page.locator(".chengyu-panel").is_visible()
        page.get_by_role("button", name="关闭“关于本图”", exact=True).tap()
        assert page.locator(".chengyu-panel").is_hidden()
        page.locator(".chengyu-language-en").tap()
        assert page.get_by_role("button", name="About this map", exact=True).is_visible()
