"""The output fields of zone areas and covered area: one table for the command, the maps and JSON.

Each field has its column name (in :attr:`geo.coverage.Coverage.table`, CSV and JSON), the label a
person reads (tables, the maps' panels), its unit and how many decimals are shown. What a layer adds
to each zone depends on the kinds of geometry it holds (:data:`COVER_FIELDS`).

>>> [f.name for f in cover_fields(["point", "polygon"])]
['covered_km2', 'covered_pct', 'count', 'per_km2']
>>> FIELDS["covered_pct"].shown(12.3456)
'12.35'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["COVER_FIELDS", "FIELDS", "KINDS", "ZONE_FIELDS", "Field", "cover_fields"]


@dataclass(frozen=True)
class Field:
    """One output column: ``name`` in data, ``label`` for people, ``unit`` and shown ``digits``."""

    name: str
    label: str
    unit: str = ""
    digits: int = 0

    def shown(self, value: float | int | None) -> str:
        """``value`` as people read it: thousands separators, this field's decimals, "–" for unknown.

        >>> FIELDS["count"].shown(12345), FIELDS["area_km2"].shown(None)
        ('12,345', '–')
        """
        if value is None or value != value:  # None or NaN
            return "–"
        return f"{value:,.{self.digits}f}" if self.digits else f"{int(value):,}"


#: The kinds of geometry a layer's features are measured as, in the order their fields are listed.
KINDS: Final = ("polygon", "line", "point")

#: Every zone's own columns.
ZONE_FIELDS: Final = (
    Field("code", "code"),
    Field("name_zh", "name_zh"),
    Field("name_en", "name_en"),
    Field("area_km2", "area km²", "km²", 1),
    Field("official_area_km2", "official km²", "km²", 1),
    Field("official_diff_pct", "diff %", "%", 2),
)

#: What a layer adds to each zone, by kind of geometry.
COVER_FIELDS: Final = {
    "polygon": (Field("covered_km2", "covered km²", "km²", 3), Field("covered_pct", "covered %", "%", 2)),
    "line": (Field("length_km", "length km", "km", 2),),
    "point": (Field("count", "count"), Field("per_km2", "per km²", "per km²", 4)),
}

#: Every field by name.
FIELDS: Final = {f.name: f for f in (*ZONE_FIELDS, *(f for kind in KINDS for f in COVER_FIELDS[kind]))}


def cover_fields(kinds: Iterable[str]) -> list[Field]:
    """The fields a layer holding ``kinds`` of geometry adds, in the table's order."""
    held = set(kinds)
    return [f for kind in KINDS if kind in held for f in COVER_FIELDS[kind]]
