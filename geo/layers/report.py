"""What reading a layer did, in numbers and in words: :class:`ReadReport`, and the :class:`Layer` it comes with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd

#: The CRS of every layer returned (CGCS2000; matches WGS-84 to centimetres).
OUTPUT_CRS: Final = "EPSG:4490"

#: The values of the ``kind`` column, in the order rows of one exploded collection come in.
KINDS: Final = ("point", "line", "polygon")

#: An extent: (xmin, ymin, xmax, ymax).
Bounds = tuple[float, float, float, float]


@dataclass
class ReadReport:
    """What :func:`~geo.layers.read_layer` did to a layer; ``lines()`` says it in words.

    ``format``: GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV (or "Parquet (no GeoParquet
    metadata)"); ``layer``: the layer or shapefile read, when the file could hold several.
    ``features_read``: features in the file; ``features``: rows returned (after dropping and
    exploding). ``repaired``: invalid polygons made valid; ``dropped_unrepairable``: polygons with
    no area left after repair, dropped; ``dropped_empty``: null or empty geometries (or CSV rows
    with an empty coordinate), dropped; ``z_dropped``: geometries that lost their Z;
    ``collections_exploded``: GeometryCollections split by kind. ``kinds``: rows per kind.
    ``crs_declared``: the file's CRS ("EPSG:32648"; None when it has none); ``crs_used``: what
    the coordinates were taken as ("EPSG:4326", "gcj02", ...); the output is always
    :data:`OUTPUT_CRS`. ``extent``: the coordinates' extent as read, before any conversion (None
    when no geometry was left to measure). ``encoding``: how attribute text was decoded, where the
    reader had to decide (Shapefile, CSV). ``hints``: things the user may want to know or fix, one
    line each.
    """

    format: str
    layer: str | None = None
    features_read: int = 0
    features: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    dropped_unrepairable: int = 0
    z_dropped: int = 0
    collections_exploded: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    crs_declared: str | None = None
    crs_used: str | None = None
    extent: Bounds | None = None
    encoding: str | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def crs_output(self) -> str:
        return OUTPUT_CRS

    def lines(self) -> list[str]:
        """Human-readable lines: what was read, what was changed, and the hints.

        >>> ReadReport("GeoJSON", features_read=4, features=3, repaired=1, dropped_empty=1,
        ...            kinds={"point": 0, "line": 0, "polygon": 3},
        ...            crs_declared="EPSG:4326", crs_used="EPSG:4326").lines()[:3]
        ['read 4 features (GeoJSON)', 'kept 3: 3 polygons', 'repaired 1 invalid polygon']
        """
        what = self.format + (f", layer {self.layer!r}" if self.layer else "")
        out = [f"read {counted(self.features_read, 'feature')} ({what})"]
        kinds = ", ".join(counted(n, k) for k, n in self.kinds.items() if n)
        out.append(f"kept {self.features:,}" + (f": {kinds}" if kinds else ""))
        if self.encoding:
            out.append(f"attributes decoded as {self.encoding}")
        changes = (  # each count that is not 0: its line, the noun counted (and its plural)
            (self.repaired, "repaired {}", "invalid polygon", None),
            (self.dropped_unrepairable, "dropped {} invalid beyond repair (no area left)", "polygon", None),
            (self.dropped_empty, "dropped {}", "null or empty geometry", "null or empty geometries"),
            (self.z_dropped, "dropped Z from {}", "geometry", "geometries"),
            (self.collections_exploded, "exploded {} into one row per kind of part (attributes repeated)",
             "geometry collection", None),
        )
        out.extend(line.format(counted(n, noun, plural)) for n, line, noun, plural in changes if n)
        declared = self.crs_declared or "none"
        out.append(f"CRS declared: {declared}; used: {self.crs_used}; output: {OUTPUT_CRS}")
        out.extend(f"hint: {h}" for h in self.hints)
        return out


@dataclass
class Layer:
    """A user's layer in :data:`OUTPUT_CRS`, where it came from, and what reading it did."""

    gdf: gpd.GeoDataFrame
    source: str
    report: ReadReport

    @property
    def name(self) -> str:
        """The layer's name: the layer read, else the file's name without its suffix."""
        return self.report.layer or Path(self.source).stem


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun it counts, in the messages' style.

    >>> counted(1, "feature"), counted(12_000, "feature"), counted(2, "geometry", "geometries")
    ('1 feature', '12,000 features', '2 geometries')
    """
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def listing(names: list[str], limit: int = 8) -> str:
    """Names for a message, the first ``limit`` of them.

    >>> listing(["a", "b"]), listing(list("abcde"), 3), listing([])
    ('a, b', 'a, b, c and 2 more', 'none')
    """
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"


def one_layer_hint(layer_name: str, fmt: str) -> str:
    """The hint for a ``layer_name`` given with a format that holds one layer.

    >>> one_layer_hint("roads", "CSV")
    "layer_name='roads' ignored: a CSV file has one layer"
    """
    return f"layer_name={layer_name!r} ignored: a {fmt} file has one layer"
