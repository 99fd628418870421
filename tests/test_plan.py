"""The plan-attribute file: its values, and the validator's one-line messages."""

import datetime as dt
import re

import pytest

from chengyu.geo import PlanError, load_plan
from chengyu.geo.plan import parse_plan
from chengyu.shapes import PLAN_PATH


@pytest.fixture(scope="module")
def plan():
    return load_plan()


def test_headline_figures(plan):
    assert plan.figure("economic_circle.area_km2").value == 185000
    assert plan.figure("economic_circle.population_2019").value == 96_000_000
    assert plan.figure("economic_circle.gdp_2019_cny").value == 6.3e12
    assert plan.figure("economic_circle.release_date").value == dt.date(2021, 10, 20)
    assert plan.figure("science_city.area_km2").value == 1198
    assert plan.figure("science_city.core_zone_km2").value == 313.5
    assert plan.figure("science_city.launch_date").value == dt.date(2020, 9, 11)
    assert plan.get("science_city.host_districts") == ["500106", "500109", "500107", "500116", "500120"]


def test_every_figure_has_a_source_and_a_confidence(plan):
    from chengyu.geo.plan import Figure

    def walk(node):
        if isinstance(node, Figure):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    figures = list(walk(plan.data))
    assert len(figures) > 30
    assert all(f.source and f.confidence for f in figures)


def test_unconfirmed_items_are_unknown(plan):
    assert not plan.figure("science_city.footprint").known
    assert not plan.get("economic_circle.targets_2025")["gdp"].known
    assert not plan.get("economic_circle.scope.chongqing_partial.which_parts").known
    districts = plan.get("science_city.districts")
    assert [c for c, d in districts.items() if d["science_city_part_km2"].known] == ["500107", "500116"]


def test_scope_lists(plan):
    scope = plan.get("economic_circle.scope")
    assert len(scope["chongqing_central"]) == 9
    assert len(scope["chongqing_central"] + scope["chongqing_other"]) == 27
    assert scope["chongqing_partial"]["codes"] == ["500154", "500235"]
    assert len(scope["sichuan_cities"]) == 15
    excluded = {c["code"]: c["exclude"] for c in scope["sichuan_cities"] if c["exclude"]}
    assert excluded == {"510700": ["510726", "510727"], "511700": ["511781"], "511800": ["511825", "511827"]}
    alt = scope["alternative_readings"]["leshan_without_four"]
    assert (alt["city"], alt["confidence"]) == ("511100", "L")


GOOD = PLAN_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("old, new, message", [
    ("value = 1198\n", "value = \"1198\"\n",
     "key 'science_city.area_km2.value': expected a number, got str '1198'"),
    ('confidence = "H"\nnote = "18.5万', 'confidence = "high"\nnote = "18.5万',
     "key 'economic_circle.area_km2.confidence': expected one of H, M-H, M, L-M, L, UNCONFIRMED, got str 'high'"),
    ('[science_city.footprint]\nsource', '[science_city.footprint]\nvalue = "a guess"\nsource',
     "key 'science_city.footprint.value': expected no value: an UNCONFIRMED figure is stored as unknown"),
    ('name_zh = "成渝地区双城经济圈"\n', "",
     "key 'economic_circle.name_zh': expected non-empty text, but it is missing"),
    ('host_districts = ["500106"', 'host_districts = ["50010"',
     "key 'science_city.host_districts[0]': expected a 6-digit administrative code in quotes, got str '50010'"),
    ("schema_version = 1\n", "schema_version = 1\ncolour = 'red'\n",
     "key 'colour': expected no such key here"),
    ("[science_city.launch_date]\nvalue = 2020-09-11", "[science_city.launch_date]\nvalue = 2020-13-11",
     "not valid TOML"),
])
def test_validator_names_file_key_and_expectation(tmp_path, old, new, message):
    assert old in GOOD
    bad = tmp_path / "plan.toml"
    bad.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(bad)
    text = str(info.value)
    assert text.startswith(f"{bad}: ")
    assert message in text
    assert "\n" not in text


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(PlanError, match=re.escape(f"{tmp_path / 'nope.toml'}: no such file")):
        load_plan(tmp_path / "nope.toml")


def test_host_districts_and_district_tables_must_agree():
    bad = GOOD.replace('host_districts = ["500106", "500109"', 'host_districts = ["500106", "500108"')
    with pytest.raises(PlanError, match="one table per code"):
        parse_plan(bad, "x.toml")
