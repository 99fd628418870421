"""Boundaries joined with the plan: the Science City's hosts and the Economic Circle's membership."""

import math

import pytest

from chengyu.geo import economic_circle, science_city, zones


def test_science_city_rows_and_attributes():
    sc = science_city().set_index("code")
    assert list(sc["name_zh"]) == ["沙坪坝区", "北碚区", "九龙坡区", "江津区", "璧山区"]
    assert sc.loc["500107", "science_city_part_km2"] == 343
    assert sc.loc["500116", "science_city_part_km2"] == 200
    assert math.isnan(sc.loc["500109", "science_city_part_km2"])  # UNCONFIRMED stays unknown
    assert sc.loc["500109", "science_city_part_confidence"] == "UNCONFIRMED"
    assert sc.loc["500107", "core_part_km2"] == 195.05
    assert "金凤镇" in sc.loc["500107", "known_units"]
    assert sc.loc["500106", "official_area_source"].startswith("monseng.com")
    assert sc.crs.to_epsg() == 4490


def test_economic_circle_membership():
    ec = economic_circle().set_index("code")
    assert len(ec) == 221
    assert ec["membership"].value_counts().to_dict() == {"full": 140, "outside": 74, "excluded": 5, "partial": 2}
    assert set(ec.index[ec["membership"] == "partial"]) == {"500154", "500235"}
    assert set(ec.index[ec["membership"] == "excluded"]) == {"510726", "510727", "511781", "511825", "511827"}
    assert ec.loc["500156", "membership"] == "outside"  # Wulong
    assert ec.loc["513201", "membership"] == "outside"  # Barkam, Ngawa
    assert ec.loc["510104", "member_city_code"] == "510100"
    assert ec.loc["510726", "member_city_code"] == "510700"
    assert ec.loc["500106", "member_city_code"] == "500000"
    assert ec.loc["500156", "member_city_code"] == ""
    assert sorted(ec.index[ec["science_city_host"]]) == ["500106", "500107", "500109", "500116", "500120"]
    full = ec[ec["membership"] == "full"]
    assert (full["province_code"] == "500000").sum() == 27
    assert full.loc[full["province_code"] == "510000", "city_code"].nunique() == 15


def test_leshan_reading_moves_four_counties_out():
    ec = economic_circle(reading="leshan_without_four").set_index("code")
    assert set(ec.index[ec["membership"] == "excluded"]) >= {"511113", "511129", "511132", "511133"}
    with pytest.raises(ValueError, match="reading must be one of"):
        economic_circle(reading="guess")


def test_zone_tables():
    sc = zones("science-city")
    assert sc.total["plan_area_km2"] == 1198
    assert sc.total["official_area_km2"] == 5715
    assert sc.total["plan_share_pct"] == pytest.approx(1198 / sc.total["area_km2"] * 100)
    assert sc.total["plan_share_pct"] == pytest.approx(21.0, abs=0.1)

    ec = zones("economic-circle")
    assert len(ec.table) == 27 + 15
    assert ec.total["area_km2"] == pytest.approx(ec.table["area_km2"].sum())
    assert ec.total["official_area_km2"] == 185000
    assert ec.total["partial_units_km2"] == pytest.approx(7628, abs=1)
    chengdu = ec.table.set_index("code").loc["510100"]
    assert chengdu["name_en"] == "Chengdu"
    assert chengdu["area_km2"] == pytest.approx(14335, rel=0.01)
    assert chengdu["official_area_km2"] == 14335
    mianyang = ec.table.set_index("code").loc["510700", "area_km2"]
    whole = economic_circle().query("city_code == '510700'")["area_km2"].sum()
    assert mianyang < whole  # Beichuan and Pingwu are left out

    assert len(zones("districts").table) == 221
    with pytest.raises(ValueError, match="unknown zones"):
        zones("planets")
