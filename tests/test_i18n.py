"""The maps' catalogue of strings (maps/catalogue.toml) and numbers per language (issue 16.3): every key
in Chinese and English with the same fields, every key the code uses in the catalogue and every key of
the catalogue used; numbers as each language writes them; texts escaped as data."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from chengyu.geo import economic_circle
from chengyu.geo.classify import CLASS_SCHEMES
from chengyu.geo.fields import COVER_FIELDS, FIELDS, KINDS
from chengyu.maps.i18n import Words, amount, catalogue, in_unit, number, text, words

MAPS = Path(__file__).resolve().parents[1] / "maps"
#: Keys said in one language on purpose (the Chinese panel says the plan's texts are quoted as written).
ONE_LANGUAGE = {"panel.quoted_as_written"}
# "legend.html" is a template's name, not a key
FILE_SUFFIXES = {"html", "js", "py", "toml"}
# The keys the code makes from data (words(f"scheme.{scheme}")): each prefix and what it is made from.
MADE = {
    "scheme": list(CLASS_SCHEMES),
    "field": [f.name for kind in KINDS for f in COVER_FIELDS[kind]],
    "membership": sorted(set(economic_circle()["membership"])),
    "kind": list(KINDS),
    "toggle": ["chinese", "english", "both"],
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _sources() -> dict[Path, str]:
    """The maps' modules and templates."""
    return {path: path.read_text(encoding="utf-8") for pattern in ("*.py", "templates/*.html")
            for path in MAPS.glob(pattern)}


def _used() -> tuple[set[str], set[str]]:
    """The keys the code names (words("…"), text("…"), a template's t("…"), and any "section.key" literal
    of a section of the catalogue), and the prefixes of keys it makes from data (words(f"scheme.{…}"))."""
    sections = {key.split(".")[0] for key in catalogue()}
    named, made = set(), set()
    for source in _sources().values():
        named |= set(re.findall(r'\b(?:words|text|t)\(\s*"([^"]+)"', source))
        named |= {key for key in re.findall(r'"([a-z_]+\.[a-z_0-9]+)"', source)
                  if key.split(".")[0] in sections and key.split(".")[1] not in FILE_SUFFIXES}
        made |= set(re.findall(r'\b(?:words|text|t)\(\s*f"([a-z_]+)\.\{', source))
    return named, made


def test_every_key_has_both_languages_and_the_same_fields() -> None:
    assert len(catalogue()) > 100
    for key, texts in catalogue().items():
        assert set(texts) == {"zh", "en"}, key
        assert texts["zh"].strip(), key
        assert texts["en"].strip() or key in ONE_LANGUAGE, key
        assert _fields(texts["zh"]) == _fields(texts["en"]), key


def test_every_key_the_code_uses_is_in_the_catalogue_and_every_key_there_is_used() -> None:
    named, made = _used()
    assert {"toggle.label", "panel.goals", "control.close", "unit.km2"} <= named  # the scan finds them
    assert made == set(MADE), "a key made from data: list what it is made from in MADE"
    assert sorted(named - set(catalogue())) == []
    expected = named | {f"{prefix}.{name}" for prefix, names in MADE.items() for name in names}
    assert sorted(expected - set(catalogue())) == []  # e.g. a scheme of geo.classify without its name
    assert sorted(set(catalogue()) - expected) == []  # nothing unused


def test_the_covered_area_columns_read_in_english_as_geo_labels_them() -> None:
    for kind in KINDS:
        for field in COVER_FIELDS[kind]:
            assert words(f"field.{field.name}").en == field.label


def test_every_unit_of_a_field_is_written_in_both_languages() -> None:
    for field in FIELDS.values():
        written = in_unit("12.5", field.unit)
        assert "12.5" in written.zh and "12.5" in written.en, field


@pytest.mark.parametrize(("value", "unit", "digits", "zh", "en"), [
    (185_000, "km²", None, "18.5万平方公里", "185,000 km²"),
    (181_498.3, "km²", 0, "18.15万平方公里", "181,498 km²"),
    (1_198, "km²", None, "1198平方公里", "1,198 km²"),
    (396.86, "km²", 1, "396.9平方公里", "396.9 km²"),
    (195.05, "km²", 2, "195.05平方公里", "195.05 km²"),
    (96_000_000, "", None, "9600万", "96 million"),
    (123_456_789, "", None, "1.23亿", "123.46 million"),
    (6.3e12, "CNY", None, "6.3万亿元", "RMB 6.3 trillion"),
    (2.5e9, "CNY", None, "25亿元", "RMB 2.5 billion"),
    (20.98, "%", 1, "21.0%", "21.0%"),
    (12_345, "km", 0, "12345公里", "12,345 km"),
    (0.0202, "per km²", 4, "0.0202/平方公里", "0.0202 per km²"),
])
def test_numbers_as_each_language_writes_them(value: float, unit: str, digits: int | None, zh: str, en: str) -> None:
    assert (number(value, "zh", unit, digits), number(value, "en", unit, digits)) == (zh, en)
    assert amount(value, unit, digits) == Words(zh, en)


def test_an_unknown_amount_is_a_dash_in_both() -> None:
    assert amount(None, "km²") == amount(float("nan")) == Words("–", "–")


def test_words_are_escaped_as_data_in_both_spans() -> None:
    hostile = "<img src=x onerror=alert(1)> {{ 7*7 }} `x`"
    html = words("layer.no_data", name=hostile).__html__()
    assert "<img" not in html and "{{" not in html and "`" not in html
    assert html.startswith('<span lang="zh">&lt;img') and '<span lang="en">&lt;img' in html
    assert Words("OpenStreetMap", "OpenStreetMap").__html__() == "OpenStreetMap"  # one text: no spans


def test_both_languages_say_chinese_first() -> None:
    title = words("page.economic_circle")
    assert title.say("zh") == "成渝地区双城经济圈" and title.say("en") == "Chengdu–Chongqing Economic Circle"
    assert title.say("both") == "成渝地区双城经济圈 Chengdu–Chongqing Economic Circle"
    assert text("legend.no_data", "zh", count=Words("三", "three")) == "无数据（三 个单元）"
