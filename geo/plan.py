"""The plan attributes: schema, loading and validation of ``shapes/plan.toml``.

Every figure in the file is a table with a ``source`` and a ``confidence``; an
UNCONFIRMED figure has no ``value`` and loads as unknown (``Figure.value is None``).
Loading checks the whole file against :data:`SCHEMA` and stops at the first
problem with one line naming the file, the key and what was expected.

>>> plan = load_plan()
>>> plan.figure("science_city.area_km2").value
1198
>>> plan.figure("science_city.footprint").known
False
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chengyu.geo.errors import PlanError
from chengyu.shapes import PLAN_PATH

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIDENCE = ("H", "M-H", "M", "L-M", "L", "UNCONFIRMED")


@dataclass(frozen=True)
class Figure:
    """One plan figure with its provenance; ``value`` is None when unknown."""

    value: Any
    source: str
    confidence: str
    unit: str | None = None
    note: str | None = None

    @property
    def known(self) -> bool:
        return self.value is not None


# --- schema: each node is a callable check(value, key) -> converted value -------------------
Check = Callable[[Any, str], Any]


class _Invalid(Exception):
    def __init__(self, key: str, expected: str, got: Any = ...) -> None:
        got_text = "" if got is ... else f", got {_describe(got)}"
        super().__init__(f"key '{key}': expected {expected}{got_text}")


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"


def _typed(kind: type | tuple[type, ...], expected: str) -> Check:
    def check(value: Any, key: str) -> Any:
        # bool is an int in Python, never a number in this file
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise _Invalid(key, expected, value)
        if not isinstance(value, kind):
            raise _Invalid(key, expected, value)
        if isinstance(value, str) and not value.strip():
            raise _Invalid(key, expected, value)
        return value
    check.expected = expected  # type: ignore[attr-defined]
    return check


TEXT = _typed(str, "non-empty text")
NUMBER = _typed((int, float), "a number")
INT = _typed(int, "a whole number")
DATE = _typed(dt.date, "a date (YYYY-MM-DD)")


def _code(value: Any, key: str) -> str:
    if not (isinstance(value, str) and re.fullmatch(r"\d{6}", value)):
        raise _Invalid(key, "a 6-digit administrative code in quotes", value)
    return value


_code.expected = "a 6-digit administrative code in quotes"  # type: ignore[attr-defined]


def list_of(item: Check, min_len: int = 0) -> Check:
    def check(value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or len(value) < min_len:
            raise _Invalid(key, f"a list of at least {min_len} item(s)", value)
        return [item(v, f"{key}[{i}]") for i, v in enumerate(value)]
    check.expected = f"a list of at least {min_len} item(s)"  # type: ignore[attr-defined]
    return check


def table(required: Mapping[str, Check], optional: Mapping[str, Check] | None = None) -> Check:
    optional = optional or {}

    def check(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Invalid(key, f"a table with keys {', '.join(required) or '…'}", value)
        for name in value:
            if name not in required and name not in optional:
                allowed = ", ".join([*required, *optional])
                raise _Invalid(_join(key, name), f"no such key here (allowed: {allowed})")
        out = {}
        for name, sub in required.items():
            if name not in value:
                raise _Invalid(_join(key, name), f"{_expected_of(sub)}, but it is missing")
            out[name] = sub(value[name], _join(key, name))
        for name, sub in optional.items():
            if name in value:
                out[name] = sub(value[name], _join(key, name))
        return out
    check.expected = f"a table with keys {', '.join(required)}"  # type: ignore[attr-defined]
    return check


def table_of(key_check: Check, item: Check, min_len: int = 1) -> Check:
    def check(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, Mapping) or len(value) < min_len:
            raise _Invalid(key, f"a table of at least {min_len} entries", value)
        return {key_check(k, _join(key, k)): item(v, _join(key, k)) for k, v in value.items()}
    check.expected = f"a table of at least {min_len} entries"  # type: ignore[attr-defined]
    return check


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _expected_of(check: Check) -> str:
    return getattr(check, "expected", "a value")


def _figure(kind: Check = lambda v, k: v) -> Check:
    def check(value: Any, key: str) -> Figure:
        if not isinstance(value, Mapping):
            raise _Invalid(key, "a figure table (value, source, confidence)", value)
        for name in value:
            if name not in ("value", "unit", "source", "confidence", "note"):
                raise _Invalid(_join(key, name),
                               "no such key in a figure (allowed: value, unit, source, confidence, note)")
        for name in ("source", "confidence"):
            if name not in value:
                raise _Invalid(_join(key, name), "text, but it is missing")
        confidence = value["confidence"]
        if confidence not in CONFIDENCE:
            raise _Invalid(_join(key, "confidence"), f"one of {', '.join(CONFIDENCE)}", confidence)
        if confidence == "UNCONFIRMED":
            if "value" in value:
                raise _Invalid(_join(key, "value"), "no value: an UNCONFIRMED figure is stored as unknown")
            figure_value = None
        else:
            if "value" not in value:
                raise _Invalid(_join(key, "value"), f"a value (confidence {confidence}), but it is missing")
            figure_value = kind(value["value"], _join(key, "value"))
        return Figure(
            value=figure_value,
            source=TEXT(value["source"], _join(key, "source")),
            confidence=confidence,
            unit=TEXT(value["unit"], _join(key, "unit")) if "unit" in value else None,
            note=TEXT(value["note"], _join(key, "note")) if "note" in value else None,
        )
    check.expected = "a figure table (value, source, confidence)"  # type: ignore[attr-defined]
    return check


FIGURE = _figure()
TEXT_FIGURE = _figure(TEXT)
AREA = _figure(NUMBER)
FIGURES = table_of(TEXT, FIGURE)

SCHEMA: Check = table({
    "schema_version": INT,
    "economic_circle": table({
        "name_zh": TEXT, "name_en": TEXT, "plan_zh": TEXT, "plan_en": TEXT,
        "issuers": TEXT_FIGURE,
        "release_date": _figure(DATE),
        "period": TEXT_FIGURE,
        "structure": TEXT_FIGURE,
        "positioning": TEXT_FIGURE,
        "area_km2": AREA,
        "population_2019": _figure(NUMBER),
        "gdp_2019_cny": _figure(NUMBER),
        "targets_2025": FIGURES,
        "scope": table({
            "wording": TEXT, "source": TEXT, "confidence": _typed(str, "a confidence level"),
            "chongqing_central": list_of(_code, 1),
            "chongqing_other": list_of(_code, 1),
            "chongqing_partial": table({"codes": list_of(_code, 1), "which_parts": FIGURE}),
            "sichuan_cities": list_of(table({"code": _code, "exclude": list_of(_code)}), 1),
            "alternative_readings": table_of(TEXT, table({
                "description": TEXT, "city": _code, "exclude": list_of(_code, 1),
                "source": TEXT, "confidence": _typed(str, "a confidence level"),
            }), 0),
        }),
    }),
    "science_city": table({
        "name_zh": TEXT, "name_en": TEXT,
        "host_districts": list_of(_code, 1),
        "area_km2": AREA,
        "extent": TEXT_FIGURE,
        "launch_date": _figure(DATE),
        "management_since": _figure(DATE),
        "core_zone_km2": AREA,
        "spatial_structure": TEXT_FIGURE,
        "footprint": FIGURE,
        "goals": FIGURES,
        "institutions": list_of(table({
            "name_zh": TEXT, "name_en": TEXT, "location": TEXT, "facts": TEXT,
            "source": TEXT, "confidence": _typed(str, "a confidence level"),
        }), 1),
        "key_proposals": table({"source": TEXT, "confidence": TEXT, "items": list_of(TEXT, 1)}),
        "districts": table_of(_code, table(
            {"name_zh": TEXT, "role": TEXT, "official_area_km2": AREA, "science_city_part_km2": AREA,
             "known_units": list_of(TEXT), "known_units_source": TEXT_FIGURE},
            {"core_part_km2": AREA},
        ), 1),
    }),
    "official_areas": table_of(_code, table({"name_zh": TEXT, "area_km2": AREA})),
})


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, so results can be cached per plan
class Plan:
    """The validated plan: a tree of dicts and lists with :class:`Figure` leaves."""

    data: Mapping[str, Any]
    path: Path

    def get(self, dotted: str) -> Any:
        """The node at a dotted key, e.g. ``"science_city.host_districts"``."""
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    def figure(self, dotted: str) -> Figure:
        node = self.get(dotted)
        if not isinstance(node, Figure):
            raise TypeError(f"{dotted} is not a figure")
        return node

    def official_area(self, code: str) -> Figure | None:
        """The official area of a unit, when the plan file gives one."""
        district = self.data["science_city"]["districts"].get(code)
        if district is not None:
            return district["official_area_km2"]
        other = self.data["official_areas"].get(code)
        return other["area_km2"] if other is not None else None


def parse_plan(text: str, path: str | Path = "plan.toml") -> Plan:
    """Validate TOML text against :data:`SCHEMA`; raise :class:`PlanError` on the first problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlanError(path, f"not valid TOML: {err}") from None
    try:
        data = SCHEMA(raw, "")
    except _Invalid as err:
        raise PlanError(path, str(err)) from None
    _check_consistency(data, path)
    return Plan(data=data, path=Path(path))


def _check_consistency(data: Mapping[str, Any], path: str | Path) -> None:
    sc = data["science_city"]
    if set(sc["districts"]) != set(sc["host_districts"]):
        raise PlanError(path, "key 'science_city.districts': expected one table per code in "
                              "science_city.host_districts")
    scope = data["economic_circle"]["scope"]
    codes = scope["chongqing_central"] + scope["chongqing_other"] + scope["chongqing_partial"]["codes"]
    if len(codes) != len(set(codes)):
        raise PlanError(path, "key 'economic_circle.scope': a Chongqing code is listed twice")


def load_plan(path: str | Path | None = None) -> Plan:
    """Load and validate the plan attributes (the bundled ``shapes/plan.toml`` by default)."""
    if path is None:
        return _bundled_plan()
    return _read_plan(Path(path))


def _read_plan(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(path, f"cannot be read: {err}") from None
    return parse_plan(text, path)


@lru_cache(maxsize=1)
def _bundled_plan() -> Plan:
    return _read_plan(PLAN_PATH)
