"""The maps in two languages: every string a page shows, in Chinese and English, from one catalogue
(``maps/catalogue.toml``), and numbers written as each language writes them.

A text in both languages is a :class:`Words`. A page carries both (its ``__html__`` is a ``lang``
span for each) and shows one of them, or both, by a class on ``<html>`` that the language toggle sets
(:mod:`chengyu.maps.language`); a report image is drawn in one language (:meth:`Words.say`).

>>> words("legend.other_chongqing")
Words(zh='重庆其他区县', en='other Chongqing districts')
>>> print(words("legend.no_data", count=3).__html__())
<span lang="zh">无数据（3 个单元）</span><span lang="en">no data (3 units)</span>
>>> number(185000, "zh", "km²"), number(185000, "en", "km²")
('18.5万平方公里', '185,000 km²')
>>> number(96_000_000, "zh"), number(6.3e12, "zh", "CNY"), number(6.3e12, "en", "CNY")
('9600万', '6.3万亿元', 'RMB 6.3 trillion')
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Final, Literal

from chengyu.geo.classify import written

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["LANGS", "Choice", "Lang", "Words", "amount", "catalogue", "figure", "in_unit", "names", "number", "same",
           "text", "words"]

Lang = Literal["zh", "en"]
#: What a page or an image can show: one language, or both (Chinese first).
Choice = Literal["zh", "en", "both"]
#: The choices, as the command offers them.
LANGS: Final = ("zh", "en", "both")
# A number's unit → the catalogue's format of a value in it.
_UNIT_KEYS: Final = {"km²": "unit.km2", "km": "unit.km", "%": "unit.pct", "CNY": "unit.cny",
                     "per km²": "unit.per_km2"}
# Large numbers in words: Chinese counts in 万 (10⁴) and 亿 (10⁸) from 10⁴ (areas too), English in
# million/billion/trillion from 10⁶ (counts and money only: areas keep their thousands separators).
_LARGE: Final[Mapping[Lang, tuple[tuple[float, str], ...]]] = {
    "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
    "en": ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")),
}
_IN_WORDS: Final[Mapping[Lang, tuple[str, ...]]] = {"zh": ("", "km²", "CNY"), "en": ("", "CNY")}


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key of the catalogue with its ``zh`` and ``en`` strings (sections flattened: ``legend.title``)."""
    doc = tomllib.loads(files(__package__).joinpath("catalogue.toml").read_text(encoding="utf-8"))
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        if "en" in node or "zh" in node:
            flat[prefix] = {lang: str(node[lang]) for lang in ("zh", "en") if lang in node}
            return
        for key, value in node.items():
            walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", doc)
    return flat


@dataclass(frozen=True)
class Words:
    """A text in Chinese (``zh``) and English (``en``): a catalogue string, a unit's two names, a number
    as each language writes it."""

    zh: str
    en: str

    def say(self, lang: Choice) -> str:
        """The text in ``lang``; in ``"both"``, Chinese then English (once, where they are the same)."""
        if lang != "both":
            return self.zh if lang == "zh" else self.en
        return self.en if self.zh == self.en else f"{self.zh} {self.en}".strip()

    def __html__(self) -> str:
        """``<span lang="zh">…</span><span lang="en">…</span>``, each escaped as :func:`maps.safe.escape_html`
        escapes data (plain text where both are the same): how templates and ``Markup`` show it."""
        # imported here: maps.safe brings Jinja, which the command's start (its --lang choices) does not need
        from chengyu.maps.safe import escape_html

        if self.zh == self.en:
            return escape_html(self.en)
        return f'<span lang="zh">{escape_html(self.zh)}</span><span lang="en">{escape_html(self.en)}</span>'

    def as_dict(self) -> dict[str, str]:
        """``{"zh": …, "en": …}``: how the page's scripts take a text for an attribute (a title, a label)."""
        return {"zh": self.zh, "en": self.en}


def same(value: Any) -> Words:
    """Data shown as it is in both languages (a column's name, a figure, a source)."""
    return Words(str(value), str(value))


def names(row: Mapping[str, Any] | Any, prefix: str = "") -> Words:
    """A unit's two names: ``row``'s ``name_zh`` and ``name_en`` (``city_name_zh``… with ``prefix="city_"``)."""
    return Words(str(row[f"{prefix}name_zh"]), str(row[f"{prefix}name_en"]))


def text(key: str, lang: Lang, **values: Any) -> str:
    """The catalogue's string ``key`` in ``lang``, its ``{name}`` fields filled from ``values`` (a
    :class:`Words` value in the same language)."""
    return catalogue()[key][lang].format(**{name: value.say(lang) if isinstance(value, Words) else value
                                            for name, value in values.items()})


def words(key: str, **values: Any) -> Words:
    """The catalogue's string ``key`` in both languages, filled from ``values`` as :func:`text` fills it."""
    return Words(text(key, "zh", **values), text(key, "en", **values))


def number(value: float, lang: Lang, unit: str = "", digits: int | None = None) -> str:
    """``value`` as ``lang`` writes it, in ``unit`` (``km²``, ``km``, ``%``, ``CNY``, ``per km²`` or none).

    Chinese writes counts, areas and money in 万 (10⁴), 亿 (10⁸) and 万亿; English writes counts and
    money in millions, billions and trillions, areas with thousands separators. ``digits``: the
    decimals of a number written whole (default: none for a whole number, else one); a number in
    words has up to two.
    """
    written = _in_words(value, lang) if unit in _IN_WORDS[lang] else None
    if written is None:
        places = digits if digits is not None else (0 if float(value).is_integer() else 1)
        written = f"{value:,.{places}f}" if lang == "en" else f"{value:.{places}f}"
    return text(_UNIT_KEYS[unit], lang, value=written) if unit else written


def figure(value: float, lang: Lang, digits: int | None = None) -> str:
    """A figure of a user's table as ``lang`` writes it: a large one in words (万, 亿; million,
    billion), a small one to three significant digits, others with at most ``digits`` decimals
    (default two), trailing zeros dropped; an en dash for NaN.

    >>> figure(1.2e12, "zh"), figure(1.2e12, "en"), figure(-0.004, "en"), figure(1234.5, "en"), figure(1234.5, "zh")
    ('1.2万亿', '1.2 trillion', '-0.004', '1,234.5', '1234.5')
    """
    if math.isnan(value):
        return "–"
    in_words = _in_words(value, lang)
    if in_words is not None:
        return in_words
    if value and abs(value) < 1 and digits is None:
        return f"{value:.3g}"
    return written(value, 2 if digits is None else digits, "," if lang == "en" else "")


def in_unit(value: Words | str, unit: str) -> Words:
    """``value``, a number as written (or a range of them: "35 – 1,240"), in ``unit`` (one :func:`number`
    takes) as each language writes it.

    >>> in_unit("35 – 1,240", "km²")
    Words(zh='35 – 1,240平方公里', en='35 – 1,240 km²')
    """
    return words(_UNIT_KEYS[unit], value=value) if unit else (value if isinstance(value, Words) else same(value))


def amount(value: float | None, unit: str = "", digits: int | None = None) -> Words:
    """:func:`number` in both languages; an en dash for an unknown ``value`` (None or NaN)."""
    if value is None or math.isnan(value):
        return same("–")
    return Words(number(value, "zh", unit, digits), number(value, "en", unit, digits))


def _in_words(value: float, lang: Lang) -> str | None:
    """``value`` in the largest of ``lang``'s words for large numbers it reaches (None: below them all),
    with at most two decimals, trailing zeros dropped."""
    for size, word in _LARGE[lang]:
        if abs(value) >= size:
            short = f"{value / size:.2f}".rstrip("0").rstrip(".")
            return short + word
    return None
