"""chengyu render: report images of both maps, with a user's figures and layers, as PNG, SVG and PDF."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import matplotlib.image
import pytest

from tests.cli import DATA


def inked(png) -> float:
    """The share of a picture's pixels that are not white."""
    return float((matplotlib.image.imread(png)[..., :3] < 0.95).any(axis=2).mean())


@pytest.mark.slow
def test_render_the_economic_circle_coloured_by_a_table(run, tmp_path):
    target = tmp_path / "ec.png"
    code, out, err = run("render", "economic-circle", "-o", target, "--data", DATA / "sample_figures.csv",
                         "--color-by", "gdp_100m_yuan", "--size", "160x90", "--dpi", "100")
    assert code == 0 and out == "", err
    assert "wrote" in err and "160×90 mm, 100 dpi" in err
    picture = matplotlib.image.imread(target)
    assert picture.shape[:2] == (round(90 / 25.4 * 100), round(160 / 25.4 * 100))
    assert 0.2 < inked(target) < 0.95


@pytest.mark.slow
def test_render_svg_and_pdf_carry_the_legend_as_text_and_build_the_same_twice(run, tmp_path):
    args = ("--layer", DATA / "parks.geojson", "--dpi", "72", "--lang", "both")
    for kind in ("svg", "pdf"):
        first, second = tmp_path / f"a.{kind}", tmp_path / f"b.{kind}"
        assert run("render", "science-city", "-o", first, *args)[0] == 0
        assert run("render", "science-city", "-o", second, *args)[0] == 0
        assert first.read_bytes() == second.read_bytes()
    texts = svg_texts(tmp_path / "a.svg")
    assert "沙坪坝区 Shapingba District" in texts and "parks (polygons)" in texts and "20 km" in texts
    if shutil.which("pdftotext"):
        pdf = subprocess.run(["pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True).stdout
        assert "西部（重庆）科学城" in pdf and "Host districts" in pdf


def svg_texts(path) -> str:
    """The texts of an SVG, run together."""
    return "".join(e.text or "" for e in ET.parse(path).iter() if e.tag.endswith("text"))


@pytest.mark.slow
def test_render_draws_one_language_english_unless_asked(run, tmp_path):
    assert run("render", "science-city", "-o", tmp_path / "en.svg", "--dpi", "72")[0] == 0
    english = svg_texts(tmp_path / "en.svg")
    assert "Shapingba District" in english and "Host districts" in english and "沙坪坝区" not in english
    assert "Western (Chongqing) Science City" in english and "Drawn with" in english
    assert run("render", "science-city", "-o", tmp_path / "zh.svg", "--dpi", "72", "--lang", "zh")[0] == 0
    chinese = svg_texts(tmp_path / "zh.svg")
    assert "沙坪坝区" in chinese and "承载区" in chinese and "西部（重庆）科学城" in chinese and "绘制" in chinese
    assert "Shapingba" not in chinese and "Host districts" not in chinese


@pytest.mark.parametrize(("args", "words"), [
    (("-o", "map.gif"), "map.gif: cannot tell the image format: use a .png, .svg or .pdf name, or --format"),
    (("-o", "map.png", "--size", "B7"), "--size: 'B7' is neither a paper"),
    (("-o", "map.png", "--size", "2000x2000", "--dpi", "1200"), "million pixels, more than 150 million"),
    (("-o", "no/such/folder/map.png",), "does not exist"),
    (("-o", "map.png", "--font", "missing.ttc"), "missing.ttc: no such font file"),
    (("-o", "map.png", "--data", DATA / "sample_figures.csv", "--color-by", "note"), "is not numeric"),
])
def test_render_bad_input_is_one_line_and_writes_nothing(run, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("render", "science-city", *args)
    assert code == 2 and out == "" and words in err, err
    assert len([line for line in err.splitlines() if line.startswith("chengyu:")]) == 1
    assert "Traceback" not in err and not list(tmp_path.glob("**/map.*"))


def test_render_without_a_chinese_font_says_how_to_get_one(run, tmp_path, monkeypatch):
    from chengyu.maps import static

    monkeypatch.setattr(static, "CJK_FONTS", ())
    code, _, err = run("render", "science-city", "-o", tmp_path / "map.png")
    assert code == 2 and "install Debian's fonts-noto-cjk" in err and "--font" in err
    assert not (tmp_path / "map.png").exists()
