"""chengyu map: one map with the user's layers and what they cover."""

from tests.cli import DATA


def test_map_with_layers(run, tmp_path):
    target = tmp_path / "sc.html"
    code, _, err = run("map", "science-city", "--layer", DATA / "parks.geojson", "--layer", DATA / "sites.csv",
                       "--label", "name", "--fields", "district,area_ha", "--no-pack", "-o", target)
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert "parks: covered area" in html and "sites: covered area" in html
    assert html.count("L.featureGroup(") == 2
    assert html.count("= L.chengyuPacked(") == 2 + 2  # the districts and each layer, drawn from packed geometry
    code, _, err = run("map", "science-city", "--layer", DATA / "parks.geojson", "--label", "nope",
                       "-o", tmp_path / "x.html")
    assert code == 2 and "no layer has a column 'nope'" in err
    assert not (tmp_path / "x.html").exists()


def test_map_coloured_by_a_table_on_both_maps(run, tmp_path):
    for name in ("science-city", "economic-circle"):
        target = tmp_path / f"{name}.html"
        code, _, err = run("map", name, "--data", DATA / "sample_figures.csv", "--color-by", "gdp_100m_yuan",
                           "--per-km2", "--no-pack", "-o", target)
        assert code == 0, err
        html = target.read_text(encoding="utf-8")
        assert "by gdp_100m_yuan per km²" in html and "1,000.5" in html
        assert "5 of 5 rows joined" in err
    assert "no data (135 units)" in (tmp_path / "economic-circle.html").read_text(encoding="utf-8")


def test_map_colour_problems_are_one_line(run, tmp_path):
    sample = DATA / "sample_figures.csv"
    for args, words in [
        (("--data", sample, "--color-by", "note"), "sample_figures.csv: column 'note' is not numeric"),
        (("--color-by", "nope"), "--color-by: no column 'nope' to colour by; numeric columns: area_km2"),
        (("--color-by", "area_km2", "--scheme", "guess"), "Invalid value for '--scheme'"),
    ]:
        code, out, err = run("map", "science-city", *args, "-o", tmp_path / "x.html")
        assert code == 2 and out == "" and words in err, err
        assert "Traceback" not in err
    code, _, err = run("map", "science-city", "--per-km2", "-o", tmp_path / "x.html")
    assert code == 2 and "--per-km2 applies to --color-by" in err
    assert not (tmp_path / "x.html").exists()


def test_map_lang_is_the_page_default(run, tmp_path):
    for lang in ("zh", "en", "both"):
        code, _, err = run("map", "economic-circle", "--lang", lang, "--no-pack", "-o", tmp_path / f"{lang}.html")
        assert code == 0, err
        assert f'ChengyuLanguage.start({{"lang": "{lang}"' in (tmp_path / f"{lang}.html").read_text(encoding="utf-8")
    assert "<title>成渝地区双城经济圈</title>" in (tmp_path / "zh.html").read_text(encoding="utf-8")
    # without --lang the reader's browser decides, and the title says both until it has
    assert run("map", "economic-circle", "--no-pack", "-o", tmp_path / "any.html")[0] == 0
    page = (tmp_path / "any.html").read_text(encoding="utf-8")
    assert 'ChengyuLanguage.start({"lang": null' in page
    assert "<title>成渝地区双城经济圈 Chengdu–Chongqing Economic Circle</title>" in page
    code, _, err = run("map", "economic-circle", "--lang", "fr", "-o", tmp_path / "fr.html")
    assert code == 2 and "Invalid value for '--lang'" in err and not (tmp_path / "fr.html").exists()
