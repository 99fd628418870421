"""geo.layers.nesting: collections nested too deep are refused in WKT and in every flavour of WKB."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.nesting import check_wkb_nesting, check_wkt_nesting


def _nested(point: str, depth: int) -> str:
    return "GEOMETRYCOLLECTION (" * depth + point + ")" * depth


REFUSED = r"column 'g' has 1 geometry with more than 2 geometry collections inside one another \(row 2; limit"


@pytest.mark.parametrize("point, wkb", [
    ("POINT (1 2)", {}),
    ("POINT (1 2)", {"byte_order": 0}),  # big-endian
    ("POINT Z (1 2 3)", {"flavor": "iso"}),
    ("POINT M (1 2 3)", {"flavor": "iso"}),
    ("POINT ZM (1 2 3 4)", {"flavor": "iso"}),
    ("POINT Z (1 2 3)", {"flavor": "extended"}),
    ("POINT M (1 2 3)", {"flavor": "extended"}),
    ("POINT ZM (1 2 3 4)", {"flavor": "extended"}),
    ("POINT (1 2)", {"include_srid": True}),
], ids=["2-D", "big-endian", "ISO Z", "ISO M", "ISO ZM", "EWKB Z", "EWKB M", "EWKB ZM", "EWKB SRID"])
def test_nested_wkb_collections_are_counted_in_every_flavour(monkeypatch, point, wkb):
    monkeypatch.setenv("CHENGYU_MAX_NESTING", "2")
    geoms = shapely.set_srid(shapely.from_wkt([_nested(point, 2), _nested(point, 3)]), 4326)
    values = pa.array(shapely.to_wkb(geoms, **wkb).tolist(), pa.binary())
    check_wkb_nesting("x", "g", values[:1], lambda i: f"row {i + 1}")  # two levels: as deep as allowed
    with pytest.raises(AtlasError, match=REFUSED):
        check_wkb_nesting("x", "g", values, lambda i: f"row {i + 1}")


def test_nested_wkt_collections_are_refused(monkeypatch):
    monkeypatch.setenv("CHENGYU_MAX_NESTING", "2")
    text = np.array([_nested("POINT (1 2)", 2), _nested("POINT (1 2)", 3)], dtype=object)
    check_wkt_nesting("x", "g", text[:1], np.arange(1), lambda i: f"row {i + 1}")
    with pytest.raises(AtlasError, match=REFUSED):
        check_wkt_nesting("x", "g", text, np.arange(2), lambda i: f"row {i + 1}")
