"""A user's layer in any command: a bad one is one line and exit 2, and nothing is written."""

import pytest

from chengyu.cli.options import FLAGS
from chengyu.geo import AtlasError
from tests.test_layers import BAD_CASES


def as_the_command_says(fragment: str) -> str:
    """The library's words (``crs=``) as the command shows them (``--crs``)."""
    return AtlasError("layer", fragment).worded(FLAGS).removeprefix("layer: ")


@pytest.mark.parametrize("path,leading", BAD_CASES, ids=[p.name for p, _ in BAD_CASES])
def test_bad_layer_one_line_exit_2_nothing_written(run, tmp_path, path, leading):
    leading = as_the_command_says(leading)
    target = tmp_path / "out.json"
    code, out, err = run("area", path, "--format", "json", "-o", target)
    assert code == 2
    assert err == f"chengyu: {path}: {err.split(': ', 2)[2]}"
    assert err.count("\n") == 1 and leading in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
    existing = tmp_path / "map.html"
    existing.write_text("precious")
    code, _, err = run("map", "science-city", "--layer", path, "-o", existing, "--force")
    assert code == 2 and leading in err
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]
