"""geo.inputs: special files, archives and names, before any reader opens a file."""

import os
import zipfile

import pytest

from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import check_zip, folder_files, is_plain, plain_paths, require_readable


@pytest.mark.parametrize("path,plain", [("/data/沙坪坝 parks.geojson", True), ("a;b.geojson", False),
                                        ("http:x.json", False), ("new\nline", False), ("/vsicurl/x", False),
                                        ("50%.csv", False), ("x?y", False)])
def test_plain_paths_are_those_gdal_takes_as_they_are(path, plain):
    assert is_plain(path) is plain


def test_odd_names_reach_gdal_through_a_plain_link(tmp_path):
    odd = tmp_path / "a;b\nc.geojson"
    odd.write_text("{}")
    with plain_paths({"layer.geojson": odd}) as names:
        link = names["layer.geojson"]
        assert is_plain(link) and os.path.realpath(link) == str(odd.resolve())
    assert not os.path.exists(link)  # the private folder is gone
    fine = tmp_path / "fine.geojson"
    with plain_paths({"layer.geojson": fine}) as names:
        assert names["layer.geojson"] == str(fine)


def test_special_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(AtlasError, match="is a FIFO"):
        require_readable(str(fifo), fifo)
    with pytest.raises(AtlasError, match="its member x.prj is a FIFO"):
        require_readable("layer", fifo, member="x.prj")
    assert folder_files("f", tmp_path) == ["pipe.csv"]  # listed, so that it is seen and refused
    with pytest.raises(AtlasError, match="does not exist"):
        require_readable("gone", tmp_path / "gone")


def test_folder_search_is_bounded(tmp_path, monkeypatch):
    for i in range(12):
        (tmp_path / f"f{i}").write_text("")
    monkeypatch.setenv("CHENGYU_MAX_FOLDER_FILES", "10")
    with pytest.raises(AtlasError, match="more than 10 files .* CHENGYU_MAX_FOLDER_FILES=10"):
        folder_files("f", tmp_path)


def test_archive_budget_counts_what_members_say(tmp_path, monkeypatch):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\0" * 2_000_000)
    infos = zipfile.ZipFile(path).infolist()
    check_zip("a.zip", path, infos)  # 2 MB: under the 64 MB floor
    monkeypatch.setattr("chengyu.geo.inputs.unzip_budget", lambda size: 1_000_000)
    with pytest.raises(AtlasError, match="refusing a possible zip bomb"):
        check_zip("a.zip", path, infos)
