"""The command's options, defined once: the library's parameters are shown as their flags."""

import pytest

from chengyu.cli.options import FLAGS
from chengyu.geo import AtlasError
from tests.cli import DATA


def test_every_parameter_the_library_names_has_its_flag():
    assert {"crs": "--crs", "layer_name": "--layer-name", "scheduler": "--scheduler", "overwrite": "--force",
            "output": "--output", "fmt": "--format", "kind": "--zones"}.items() <= FLAGS.items()


@pytest.mark.parametrize("command", [["area"], ["map", "science-city", "--layer"]])
def test_a_library_message_names_the_flags(run, monkeypatch, tmp_path, command):
    """The library says ``crs='EPSG:32648'``; the user reads ``--crs EPSG:32648``, in one line and exit 2."""
    from chengyu.geo import layers

    def no_crs(path, **kwargs):
        raise AtlasError(path, "has no CRS; pass crs= (e.g. crs='EPSG:32648') or layer_name='roads'")

    monkeypatch.setattr(layers, "read_layer", no_crs)
    path = DATA / "sites.csv"
    code, out, err = run(*command, path, "-o", tmp_path / "out")
    assert code == 2 and out == ""
    assert err == f"chengyu: {path}: has no CRS; pass --crs (e.g. --crs EPSG:32648) or --layer-name roads\n"


def test_the_readers_hints_name_the_flags(run):
    code, _, err = run("area", DATA / "parks.geojson")
    assert code == 0 and "pass --crs gcj02 or --crs bd09" in err
