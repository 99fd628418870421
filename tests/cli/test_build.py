"""chengyu build: both maps and the area tables in one folder."""


def test_build_writes_area_tables(run, tmp_path):
    code, out, _ = run("build", "-o", tmp_path / "out")
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {"areas-districts.csv", "areas-science-city.csv", "areas-economic-circle.csv"} <= set(written)


def test_build_lang_is_both_pages_default(run, tmp_path):
    code, _, err = run("build", "-o", tmp_path / "out", "--lang", "en", "--no-pack")
    assert code == 0, err
    for name in ("science-city", "economic-circle"):
        assert 'ChengyuLanguage.start({"lang": "en"' in (tmp_path / "out" / f"{name}.html").read_text(encoding="utf-8")
