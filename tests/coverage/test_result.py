"""The result: the table's columns, and what :func:`assemble` makes of per-zone sums."""

import numpy as np
import pandas as pd

from chengyu.geo.coverage import TABLE_COLUMNS, assemble
from chengyu.geo.fields import FIELDS


def test_every_column_is_a_field_people_can_read():
    assert all(name in FIELDS for name in TABLE_COLUMNS)


def test_a_zone_of_no_area_has_no_share_and_no_density():
    zones = pd.DataFrame({"code": ["500106", "000000"], "name_zh": ["沙坪坝区", "无"], "name_en": ["Shapingba", "-"]})
    cov = assemble(zones, np.array([2.0, 0.0]), np.array([1.0, 0.0]), np.array([3.0, 0.5]), np.array([4, 1]),
                   outside={}, layer_totals={}, kinds=("polygon", "line", "point"))
    assert list(cov.table.columns) == TABLE_COLUMNS
    assert cov.table["covered_pct"].tolist() == [50.0, 0.0]
    assert cov.table["per_km2"].tolist() == [2.0, 0.0]
    assert cov.total == {"area_km2": 2.0, "covered_km2": 1.0, "covered_pct": 50.0, "length_km": 3.5, "count": 5,
                         "per_km2": 2.5}
