"""geo.layers.shapefile: a .shp, a folder or a zip, and the encodings of their attributes."""

from __future__ import annotations

import shutil
import zipfile

import geopandas as gpd
import geopandas.testing
import pyogrio
import pytest
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.layers.samples import DATA, check_output


def test_shapefile_zip_with_gbk_cpg():
    layer = read_layer(DATA / "footprint.zip")
    check_output(layer)
    r = layer.report
    assert r.format == "Shapefile" and r.encoding == "GBK (from the .cpg file)"
    assert list(layer.gdf.columns) == ["名称", "区县", "面积", "kind", "geometry"]
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    assert r.crs_declared == "EPSG:4490"


def test_shapefile_folder_gbk_without_cpg():
    layer = read_layer(DATA / "footprint_nocpg")
    assert layer.report.encoding == "GBK"
    assert any(h.startswith("no .cpg file and the attributes are not UTF-8: read them as GBK")
               for h in layer.report.hints)
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    # The .shp path itself reads the same.
    same = read_layer(DATA / "footprint_nocpg" / "footprint.shp")
    assert same.gdf.equals(layer.gdf)


@pytest.mark.parametrize("cpg,encoding", [("936", "936 (from the .cpg file)"),
                                          ("GBK", "GBK (from the .cpg file)"),
                                          ("UTF-8", "GBK")])
def test_shapefile_cpg_variants(tmp_path, cpg, encoding):
    folder = tmp_path / "fp"
    shutil.copytree(DATA / "footprint_nocpg", folder)
    (folder / "footprint.cpg").write_text(cpg)
    layer = read_layer(folder)
    assert layer.report.encoding == encoding
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    if cpg == "UTF-8":  # a .cpg that lies
        assert any("declares its encoding (.cpg: UTF-8) but its attributes are not in it" in h
                   for h in layer.report.hints)


@pytest.mark.parametrize("text", ["UTF-8", "GBK"])
def test_shapefile_cpg_naming_an_unknown_encoding_is_ignored_and_said(tmp_path, text):
    """GDAL would hand the bytes on undecoded (and the map command failed on them): the .cpg is
    ignored, the attributes decoded as if it were missing, and the report says both."""
    folder = tmp_path / "fp"
    shutil.copytree(DATA / "footprint_nocpg", folder)
    gdf = read_layer(folder).gdf.drop(columns="kind")
    if text == "UTF-8":
        (folder / "footprint.shp").unlink()
        for f in folder.iterdir():
            f.unlink()
        pyogrio.write_dataframe(gdf, folder / "footprint.shp", encoding="UTF-8")
    (folder / "footprint.cpg").write_text("KLINGON-42")
    layer = read_layer(folder)
    assert layer.report.encoding == text
    assert layer.gdf["名称"].tolist() == ["西部（重庆）科学城核心区", "大学城片区"]
    assert "the .cpg file names an encoding that is not known ('KLINGON-42'): ignored" in layer.report.hints


def test_shapefile_utf8_without_cpg(tmp_path):
    gdf = gpd.GeoDataFrame({"名称": ["科学谷"]}, geometry=[shapely.Point(106.32, 29.64)], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "u.shp", encoding="UTF-8")
    (tmp_path / "u.cpg").unlink()
    layer = read_layer(tmp_path / "u.shp")
    assert layer.report.encoding == "UTF-8"
    assert layer.gdf["名称"].tolist() == ["科学谷"]


def test_zip_with_several_shapefiles_needs_a_choice(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(DATA / "footprint.zip") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():  # footprint/footprint.shp -> a/a.shp and b.shp
            data = src.read(info)
            dst.writestr(info.filename.replace("footprint/footprint", "a/a"), data)
            dst.writestr(info.filename.replace("footprint/footprint", "b"), data)
    with pytest.raises(AtlasError) as err:
        read_layer(path)
    assert err.value.problem == "zip archive contains 2 shapefiles (a, b); pick one with layer_name="
    assert read_layer(path, layer_name="b").report.layer == "b"
