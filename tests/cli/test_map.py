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
