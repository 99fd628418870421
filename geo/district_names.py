"""The ways a table writes a district or county: its code, its Chinese or English name, whole or short.

A yearbook may write 沙坪坝区, 沙坪坝, 重庆市沙坪坝区, "Shapingba District", "shapingba" or 500106 for
one unit. :class:`DistrictNames` knows every such form of every unit and says which units a key may
mean: none, one, or several (市中区 is a district of Leshan and one of Neijiang), so that a caller
never has to guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

_CODE: Final = re.compile(r"\d{6}")
# 石柱土家族自治县 → 石柱, 阿坝藏族羌族自治州 → 阿坝: the peoples named before 自治县/自治州 go with it
# (listed: a name's own characters and a people's cannot be told apart by pattern)
_PEOPLES: Final = "土家|苗|羌|彝|藏|回|蒙古|壮|侗|布依|傈僳|纳西|仡佬|满"
_AUTONOMOUS_ZH: Final = re.compile(rf"(?:(?:{_PEOPLES})族)+自治[县州]$")
_KIND_ZH: Final = re.compile(r"[区县市]$")
# "Shizhu Tujia Autonomous County" → "Shizhu", "Shapingba District" → "Shapingba"
_KIND_EN: Final = re.compile(r"\s(?:[\w' ]+ )?Autonomous County$|\s(?:District|County|City)$")
# dropped from every form: case, white space, apostrophes (Nan'an), hyphens and middle dots
_IGNORED: Final = re.compile(r"[\s'’\-·]+")


def normalized(text: str) -> str:
    """``text`` as forms are compared: full-width letters made plain, case and spacing ignored.

    >>> normalized(" Nan'an  DISTRICT "), normalized("沙坪坝　区")
    ('nanandistrict', '沙坪坝区')
    """
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def key_text(value: object) -> str | None:
    """A key cell as text: a whole number as its digits (Excel's 500106.0 is "500106"), None when empty.

    >>> key_text(500106.0), key_text(" 沙坪坝 "), key_text(float("nan")), key_text("")
    ('500106', '沙坪坝', None, None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def is_code(text: str) -> bool:
    """Whether a key is written as a 6-digit division code.

    >>> is_code("500106"), is_code("沙坪坝")
    (True, False)
    """
    return bool(_CODE.fullmatch(text))


def chinese_forms(name: str) -> set[str]:
    """A Chinese name with and without its suffix (区, 县, 市; an autonomous one's peoples dropped).

    >>> sorted(chinese_forms("沙坪坝区")), sorted(chinese_forms("石柱土家族自治县"))
    (['沙坪坝', '沙坪坝区'], ['石柱', '石柱县', '石柱土家族自治县'])
    >>> sorted(chinese_forms("阿坝藏族羌族自治州"))
    ['阿坝', '阿坝州', '阿坝藏族羌族自治州']
    """
    if _AUTONOMOUS_ZH.search(name):
        stem = _AUTONOMOUS_ZH.sub("", name)
        short = {stem, stem + name[-1]} if stem else set()  # 石柱县, 阿坝州
    else:
        short = {_KIND_ZH.sub("", name)}
    return {name} | {s for s in short if s}


def english_forms(name: str) -> set[str]:
    """An English name with and without its kind (District, County, City, … Autonomous County).

    >>> sorted(english_forms("Shizhu Tujia Autonomous County"))
    ['Shizhu', 'Shizhu County', 'Shizhu Tujia Autonomous County']
    """
    stem = _KIND_EN.sub("", name)
    forms = {name, stem}
    if name.endswith("Autonomous County"):
        forms.add(stem + " County")
    return forms


@dataclass(frozen=True)
class DistrictNames:
    """Every form of every unit's code and names (normalized), each with the codes it may mean.

    >>> from chengyu.geo import load_districts
    >>> names = DistrictNames.of(load_districts())
    >>> names.codes("沙坪坝"), names.codes(" shapingba district"), names.codes(500106.0)
    (('500106',), ('500106',), ('500106',))
    >>> [names.labels[c] for c in names.codes("市中区")]
    ['511002 市中区 (内江市)', '511102 市中区 (乐山市)']
    >>> names.codes("乐山市市中区"), names.codes("重庆市"), names.codes("999999")
    (('511102',), (), ())
    """

    forms: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, str]

    @classmethod
    def of(cls, districts: pd.DataFrame) -> DistrictNames:
        """The forms of ``districts`` (columns ``code``, ``name_zh``, ``name_en``, ``city_name_zh``)."""
        forms: defaultdict[str, set[str]] = defaultdict(set)
        labels: dict[str, str] = {}
        for code, zh, en, city in districts[["code", "name_zh", "name_en", "city_name_zh"]].itertuples(index=False):
            labels[code] = f"{code} {zh} ({city})"
            names = chinese_forms(zh)
            prefixed = {c + n for c in chinese_forms(city) for n in names}  # 重庆市沙坪坝区, 乐山市中区
            for form in names | prefixed | english_forms(en):
                forms[normalized(form)].add(code)
        return cls({form: tuple(sorted(codes)) for form, codes in forms.items()}, labels)

    def codes(self, key: object) -> tuple[str, ...]:
        """The codes of the units ``key`` (a code or a name, as a table cell holds it) may mean, sorted."""
        text = key_text(key)
        if text is None:
            return ()
        if is_code(text):
            return (text,) if text in self.labels else ()
        return self.forms.get(normalized(text), ())
