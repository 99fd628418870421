"""What a layer covers of each zone: the :class:`Coverage` and how it is assembled from sums per zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chengyu.geo.fields import KINDS, cover_fields

__all__ = ["TABLE_COLUMNS", "Coverage", "Tally", "assemble"]

# the zones' own columns the table repeats, from :attr:`geo.zones.Zones.table`
_ZONE_COLUMNS = ("code", "name_zh", "name_en", "area_km2")

#: The columns of :attr:`Coverage.table`, in order: the zone's own, then what each kind of geometry
#: adds (:func:`geo.fields.cover_fields`).
TABLE_COLUMNS = [*_ZONE_COLUMNS, *(f.name for f in cover_fields(KINDS))]


@dataclass
class Coverage:
    """What a layer covers of each zone (``table``), of all zones (``total``), outside them
    (``outside``), and the layer's own totals (``layer_totals``).

    ``table``: one row per zone in the zones' order, columns :data:`TABLE_COLUMNS`.
    ``total``: ``area_km2``, ``covered_km2``, ``covered_pct``, ``length_km``, ``count``, ``per_km2``
    over all zones. ``outside``: ``covered_km2``, ``length_km``, ``count`` of the layer outside every
    zone. ``layer_totals``: ``area_km2`` (dissolved polygons), ``length_km``, ``count``.
    ``kinds``: the kinds of geometry present in the layer (``point``, ``line``, ``polygon``).
    """

    table: pd.DataFrame
    total: dict[str, Any]
    outside: dict[str, Any]
    layer_totals: dict[str, Any]
    kinds: tuple[str, ...] = field(default=())


@dataclass
class Tally:
    """One kind's measure (square metres, metres or a count): per zone, outside every zone, and of
    the whole layer (``outside`` and ``layer`` are ints for counts)."""

    per_zone: np.ndarray
    outside: float
    layer: float

    @classmethod
    def none(cls, n_zones: int, *, counts: bool = False) -> Tally:
        """Nothing measured: zeros (ints for ``counts``)."""
        if counts:
            return cls(np.zeros(n_zones, dtype=np.int64), 0, 0)
        return cls(np.zeros(n_zones), 0.0, 0.0)


def assemble(zone_table: pd.DataFrame, zone_area: np.ndarray, covered_km2: np.ndarray, length_km: np.ndarray,
             count: np.ndarray, *, outside: dict[str, Any], layer_totals: dict[str, Any],
             kinds: tuple[str, ...]) -> Coverage:
    """A :class:`Coverage` from per-zone sums (shared by the in-process and the dask engines)."""
    columns = {
        "code": zone_table["code"].to_numpy(),
        "name_zh": zone_table["name_zh"].to_numpy(),
        "name_en": zone_table["name_en"].to_numpy(),
        "area_km2": zone_area,
        "covered_km2": covered_km2,
        "covered_pct": _ratio(covered_km2, zone_area) * 100.0,
        "length_km": length_km,
        "count": count,
        "per_km2": _ratio(count.astype(float), zone_area),
    }
    table = pd.DataFrame({name: columns[name] for name in TABLE_COLUMNS})
    total_area = float(zone_area.sum())
    total_covered = float(covered_km2.sum())
    total_count = int(count.sum())
    total = {
        "area_km2": total_area,
        "covered_km2": total_covered,
        "covered_pct": float(_ratio(total_covered, total_area) * 100.0),
        "length_km": float(length_km.sum()),
        "count": total_count,
        "per_km2": float(_ratio(float(total_count), total_area)),
    }
    return Coverage(table, total, outside, layer_totals, kinds)


def _ratio(num: Any, den: Any) -> Any:
    """``num / den`` where ``den`` > 0, else 0 (a zone of no area has no share and no density)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(den) > 0, np.asarray(num) / np.asarray(den), 0.0)
