"""Areas: equal-area figures checked against geodesic area and against official figures."""

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from chengyu.geo import area_km2, economic_circle, geodesic_area_km2, load_districts, science_city

OFFICIAL_KM2 = {  # shared/plan-facts.md, section 3 (Beibei before 2025-11)
    "500106": 396, "500109": 755, "500107": 432, "500116": 3218, "500120": 914,
}


@pytest.fixture(scope="module")
def districts():
    return load_districts()


def test_equal_area_agrees_with_geodesic_for_every_unit(districts):
    projected = area_km2(districts)
    geodesic = geodesic_area_km2(districts)
    relative = ((projected - geodesic).abs() / geodesic)
    assert relative.max() < 0.0005, districts.loc[relative.idxmax(), "name_en"]


@pytest.mark.parametrize("code, official", OFFICIAL_KM2.items())
def test_host_district_areas_within_2_percent_of_official(code, official):
    sc = science_city().set_index("code")
    assert sc.loc[code, "area_km2"] == pytest.approx(official, rel=0.02)
    assert sc.loc[code, "official_area_km2"] == official


def test_economic_circle_within_3_percent_of_185000():
    ec = economic_circle()
    members = ec.loc[ec["membership"] == "full", "area_km2"].sum()
    partial = ec.loc[ec["membership"] == "partial", "area_km2"].sum()
    assert members == pytest.approx(181_498, abs=1)
    assert members + partial == pytest.approx(189_126, abs=1)
    assert members + partial == pytest.approx(185_000, rel=0.03)
    # The plan's figure lies between the members alone and the members with Kaizhou and Yunyang whole.
    assert members < 185_000 < members + partial


def test_the_alternative_leshan_reading_cannot_reach_185000():
    ec = economic_circle(reading="leshan_without_four")
    inside = ec.loc[ec["membership"].isin(["full", "partial"]), "area_km2"].sum()
    assert inside == pytest.approx(182_446, abs=1)
    assert inside < 185_000


def test_area_needs_a_crs():
    with pytest.raises(ValueError, match="no CRS"):
        area_km2(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))


def test_area_is_the_same_from_any_input_crs(districts):
    sample = districts.iloc[:5]
    assert area_km2(sample.to_crs(3857)).to_numpy() == pytest.approx(area_km2(sample).to_numpy(), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=220), min_size=1, max_size=25, unique=True))
def test_areas_add_up(picks):
    """Units share their borders exactly: the union of any set has the sum of their areas."""
    units = load_districts().iloc[sorted(picks)]
    union = gpd.GeoSeries([shapely.union_all(units.geometry.to_numpy())], crs=units.crs)
    assert float(area_km2(union).iloc[0]) == pytest.approx(float(area_km2(units).sum()), rel=1e-9)
