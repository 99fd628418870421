"""chengyu build: both maps and the area tables in one folder."""


def test_build_writes_area_tables(run, tmp_path):
    code, out, _ = run("build", "-o", tmp_path / "out")
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {"areas-districts.csv", "areas-science-city.csv", "areas-economic-circle.csv"} <= set(written)
