"""geo.join: a table of figures joined to the map's districts; every row not joined is in the report."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengyu.geo import load_districts, science_city
from chengyu.geo.data_table import read_table
from chengyu.geo.errors import AtlasError
from chengyu.geo.join import JoinReport, RowIssue, join_table

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_CSV = DATA / "sample_figures.csv"
SAMPLE_XLSX = DATA / "sample_figures.xlsx"
SCIENCE_CITY = ["500106", "500109", "500107", "500116", "500120"]  # 沙坪坝, 北碚, 九龙坡, 江津, 璧山


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return science_city()


def by_code(joined: gpd.GeoDataFrame, column: str) -> dict[str, object]:
    return dict(zip(joined["code"], joined[column], strict=True))


def test_sample_figures_land_on_their_districts(units):
    joined, report = join_table(units, read_table(SAMPLE_CSV))
    assert by_code(joined, "gdp_100m_yuan") == dict(zip(SCIENCE_CITY, [1000.5, 600.5, 1500.5, 1200.5, 800.5],
                                                        strict=True))
    assert by_code(joined, "rd_intensity_pct")["500107"] == 2.8  # 九龙坡区: "2.8%"
    assert joined["gdp_100m_yuan"].dtype == "float64" and joined["rd_intensity_pct"].dtype == "float64"
    assert "district" not in joined.columns  # the key is the unit itself
    assert isinstance(joined, gpd.GeoDataFrame) and joined.crs == units.crs
    assert joined.geometry.equals(units.geometry) and joined.index.equals(units.index)
    assert (report.rows, report.joined, report.issues, report.without_row) == (5, 5, (), ())
    assert report.lines() == [
        f"{SAMPLE_CSV} (CSV, UTF-8): key column 'district', 5 of 5 rows joined",
        "column 'gdp_100m_yuan' read as numbers (thousands separators dropped)",
        "column 'rd_intensity_pct' read as numbers (percent signs dropped: 3.0% is 3)",
    ]


def test_csv_and_xlsx_twins_join_alike(units):
    from_csv, _ = join_table(units, read_table(SAMPLE_CSV))
    from_xlsx, report = join_table(units, read_table(SAMPLE_XLSX))
    pd.testing.assert_frame_equal(pd.DataFrame(from_csv), pd.DataFrame(from_xlsx), check_dtype=False)
    assert report.lines() == [f"{SAMPLE_XLSX} (XLSX, sheet 'figures'): key column 'district', 5 of 5 rows joined"]


@pytest.mark.parametrize("key,code", [
    ("沙坪坝区", "500106"), ("沙坪坝", "500106"), ("重庆市沙坪坝区", "500106"), ("重庆沙坪坝", "500106"),
    ("Shapingba District", "500106"), ("shapingba", "500106"), ("  SHAPINGBA  district ", "500106"),
    ("ｓｈａｐｉｎｇｂａ", "500106"), ("500106", "500106"), (500106, "500106"), (500106.0, "500106"),
    ("石柱县", "500240"), ("石柱", "500240"), ("Shizhu County", "500240"), ("Shizhu Tujia Autonomous County", "500240"),
    ("Nanan District", "500108"), ("Nan'an", "500108"), ("乐山市中区", "511102"), ("内江市市中区", "511002"),
    ("阿坝州黑水县", "513228"),
])
def test_a_unit_is_found_by_any_of_its_forms(key, code):
    joined, report = join_table(load_districts(), pd.DataFrame({"key": [key], "gdp": [1.5]}))
    assert by_code(joined.dropna(subset=["gdp"]), "gdp") == {code: 1.5}, report.lines()


def test_each_row_not_joined_is_reported_by_its_key(units):
    table = pd.DataFrame({
        "区县": ["沙坪坝", "合计", "市中区", "南岸区", None, "北碚区"],
        "GDP": [1.0, 9.0, 2.0, 3.0, 4.0, 5.0],
    })
    joined, report = join_table(units, table)
    assert by_code(joined.dropna(subset=["GDP"]), "GDP") == {"500106": 1.0, "500109": 5.0}
    assert [(i.row, i.key, i.problem) for i in report.issues] == [
        (2, "合计", "no match"), (3, "市中区", "ambiguous"), (4, "南岸区", "off the map"), (5, None, "no key")]
    assert report.lines() == [
        "table: key column '区县', 2 of 6 rows joined",
        "'合计' (row 2) matches no district or county: not joined",
        "'市中区' (row 3) may mean 511002 市中区 (内江市) or 511102 市中区 (乐山市): not joined; give its code or "
        "its city's name before it",
        "'南岸区' (row 4) is 500108 南岸区 (重庆市), which is not on the map: not joined",
        "row 5 has an empty key: not joined",
        "3 unit(s) on the map have no row: 500107 九龙坡区 (重庆市), 500116 江津区 (重庆市), 500120 璧山区 (重庆市)",
    ]


def test_many_units_without_a_row_are_counted_not_all_listed():
    _, report = join_table(load_districts(), pd.DataFrame({"区县": ["沙坪坝"], "GDP": [1]}))
    assert report.lines()[-1].startswith("220 unit(s) on the map have no row: 500101 万州区 (重庆市), ")
    assert report.lines()[-1].endswith(" and 210 more")


def test_keys_in_report_lines_are_escaped_and_cut(units):
    table = pd.DataFrame({"区县": ["沙坪坝", "\x1b[2J" + "x" * 500], "GDP": [1, 2]})
    line = join_table(units, table)[1].lines()[1]
    assert "\x1b" not in line and "\\x1b[2J" in line and "…" in line and len(line) < 200


@pytest.mark.parametrize("keys,said", [
    (["沙坪坝区", "北碚", "沙坪坝区"], r"key column '区县' repeats '沙坪坝区' in rows 1, 3; keep one row per district"),
    (["沙坪坝", "Shapingba District"], r"key column '区县': '沙坪坝' and 'Shapingba District' all mean "
                                        r"500106 沙坪坝区 \(重庆市\); keep one row per district"),
])
def test_two_rows_for_one_unit_are_an_error(units, keys, said):
    with pytest.raises(AtlasError, match=said):
        join_table(units, pd.DataFrame({"区县": keys, "GDP": range(len(keys))}))


def test_repeated_rows_that_name_no_unit_are_only_reported(units):
    table = pd.DataFrame({"区县": ["沙坪坝", "小计", "北碚", "小计"], "GDP": [1, 2, 3, 4]})
    _, report = join_table(units, table)
    assert [(i.row, i.problem) for i in report.issues] == [(2, "no match"), (4, "no match")]


def test_key_column_is_found_or_asked_for(units):
    named = pd.DataFrame({"note": ["a", "b"], "区县": ["沙坪坝", "北碚"], "GDP": [1, 2]})
    assert join_table(units, named)[1].on == "区县"
    # codes beat names where a name means two units
    codes = pd.DataFrame({"code": [511102, 500106], "name": ["市中区", "沙坪坝区"]})
    assert join_table(load_districts(), codes)[1].on == "code"
    both = pd.DataFrame({"code": ["500106", "500109"], "name": ["沙坪坝区", "北碚区"], "GDP": [1, 2]})
    with pytest.raises(AtlasError, match=r"columns 'code', 'name' each name 2 districts; pick the key column with on="):
        join_table(units, both)
    joined, report = join_table(units, both, on="name")
    assert report.on == "name" and "code_table" in joined.columns
    with pytest.raises(AtlasError, match=r"no column holds district codes or names \(its columns: 'a', 'b'\)"):
        join_table(units, pd.DataFrame({"a": ["x"], "b": [1]}))


def test_a_named_key_column_must_be_there_and_hold_units(units):
    table = read_table(SAMPLE_CSV)
    with pytest.raises(AtlasError) as caught:
        join_table(units, table, on="区县")
    assert str(caught.value) == (f"{SAMPLE_CSV}: has no column '区县' (on=); its columns: 'district', "
                                 "'gdp_100m_yuan', 'population_10k', 'rd_intensity_pct', 'note'")
    assert caught.value.worded({"on": "--on"}).endswith("has no column '区县' (--on); its columns: 'district', "
                                                        "'gdp_100m_yuan', 'population_10k', 'rd_intensity_pct', 'note'")
    with pytest.raises(AtlasError, match=r"column 'note' \(on=\) holds no district code or name \(its first value: "
                                         r"'SAMPLE numbers"):
        join_table(units, table, on="note")


def test_many_or_odd_column_names_stay_one_short_line(units):
    table = pd.DataFrame({f"col\n{i}" + "y" * 50: [1] for i in range(40)})
    with pytest.raises(AtlasError) as caught:
        join_table(units, table, on="区县")
    assert "\n" not in str(caught.value) and "\\n" in str(caught.value) and len(str(caught.value)) <= 700


def test_clashing_columns_are_renamed_and_said(units):
    table = pd.DataFrame({"区县": ["沙坪坝"], "name_en": ["Shapingba (from the table)"], "name_en_table": ["x"]})
    joined, report = join_table(units, table)
    assert by_code(joined, "name_en")["500106"] == "Shapingba District"  # the units' own column is kept
    assert by_code(joined, "name_en_table")["500106"] == "Shapingba (from the table)"
    assert by_code(joined, "name_en_table_table")["500106"] == "x"
    assert ("column 'name_en' is also a column of the map's units or a name files keep for their own use (any "
            "case): joined as 'name_en_table'") in report.lines()


def test_names_that_differ_in_case_only_or_that_files_keep_are_renamed(units):
    """GeoPackage, Shapefile and CSV fields ignore case, and keep geom/fid/WKT for themselves: an export
    of the joined units would fail on them."""
    table = pd.DataFrame({"区县": ["沙坪坝"], "GDP": [1.0], "gdp": [2.0], "Name_ZH": ["x"], "geom": [3], "WKT": [4]})
    joined, report = join_table(units, table)
    assert {"GDP", "gdp_table", "Name_ZH_table", "geom_table", "WKT_table"} <= set(joined.columns)
    assert len({c.lower() for c in joined.columns}) == len(joined.columns)
    assert sum("joined as" in line for line in report.lines()) == 4


def test_numbers_stay_numbers_and_text_that_is_not_stays_text(units):
    table = pd.DataFrame({
        "区县": ["沙坪坝", "北碚", "九龙坡", "江津", "璧山"],
        "people": [150, 85, 155, 140, 80],
        "gdp": ["1,000.5", "600.5", "—", "1,200", "800"],
        "share": ["１２．５％", "3%", "4%", "5%", "6%"],
        "code_text": ["a1", "b2", "c3", "d4", "e5"],
    })
    joined, report = join_table(units, table)
    assert joined["people"].dtype == "int64" and by_code(joined, "people")["500109"] == 85
    assert by_code(joined, "gdp")["500107"] == "—"  # one value is not a number: the column stays text
    assert by_code(joined, "share")["500106"] == 12.5
    assert report.notes == ("column 'gdp' left as text: '—' is not a number",
                            "column 'share' read as numbers (percent signs dropped: 12.5% is 12.5)")


def test_units_index_is_kept_even_when_not_unique():
    units = science_city().set_axis(["a", "a", "b", "c", "c"])
    joined, _ = join_table(units, read_table(SAMPLE_CSV))
    assert list(joined.index) == ["a", "a", "b", "c", "c"]
    assert by_code(joined, "population_10k") == dict(zip(SCIENCE_CITY, [150.0, 85.0, 155.0, 140.0, 80.0],
                                                         strict=True))


def test_columns_named_by_numbers_are_joined_by_their_text():
    table = pd.DataFrame({0: ["沙坪坝"], 2023: [1.5]})
    joined, report = join_table(science_city(), table)
    assert report.on == "0" and by_code(joined, "2023")["500106"] == 1.5


def test_units_need_codes():
    with pytest.raises(ValueError, match="units need a 'code' column"):
        join_table(science_city().drop(columns="code"), pd.DataFrame({"区县": ["沙坪坝"]}))


def test_report_is_plain_data():
    issue = RowIssue(2, "合计", "no match")
    report = JoinReport("t.csv", None, "区县", 2, 1, (issue,), (), ())
    assert report.lines() == ["t.csv: key column '区县', 1 of 2 rows joined", issue.line()]


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(7)))
def test_row_order_of_the_table_does_not_change_the_join(order):
    table = pd.DataFrame({
        "区县": ["沙坪坝", "北碚区", "Jiulongpo", "500116", "璧山", "合计", "南岸区"],
        "GDP": ["1,000.5", "600.5", "1,500.5", "1,200.5", "800.5", "5,102.5", "9"],
        "rank": [1, 2, 3, 4, 5, 6, 7],
    })
    units = science_city()
    expected, expected_report = join_table(units, table)
    joined, report = join_table(units, table.iloc[list(order)].reset_index(drop=True))
    pd.testing.assert_frame_equal(pd.DataFrame(joined), pd.DataFrame(expected))
    assert sorted((i.key, i.problem) for i in report.issues) == sorted(
        (i.key, i.problem) for i in expected_report.issues)
    assert report.notes == expected_report.notes


def test_infinite_values_are_missing_and_said(units):
    table = pd.DataFrame({"区县": ["沙坪坝", "北碚"], "x": [float("inf"), 5.0]})
    joined, report = join_table(units, table)
    assert pd.isna(by_code(joined, "x")["500106"]) and by_code(joined, "x")["500109"] == 5.0
    assert "column 'x': 1 infinite value(s) read as missing" in report.lines()
