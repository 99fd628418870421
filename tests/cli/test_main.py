"""The console script (``python -m chengyu``): exit codes and one line, never a traceback."""

import subprocess
import sys

from tests.cli import DATA


def test_console_script_usage_error_exit_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "chengyu", "area", "--zones", "mars"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "'mars' is not one of" in proc.stderr


def test_bad_layer_from_the_console_script_has_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "chengyu", "area", str(DATA / "bad" / "truncated.geojson")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"chengyu: {DATA / 'bad' / 'truncated.geojson'}: is not valid GeoJSON")


def test_a_reader_out_of_memory_is_said_as_such_naming_the_layer(run, monkeypatch):
    """GDAL's std::bad_alloc is no problem of the file: one line, exit 1, the layer named."""
    import pyogrio

    from chengyu.geo import zones

    zones("science-city")  # the bundled boundaries, read (and cached) before the reader fails

    def bad_alloc(*args, **kwargs):
        raise pyogrio.errors.DataSourceError("std::bad_alloc")

    monkeypatch.setattr(pyogrio, "read_dataframe", bad_alloc)
    path = DATA / "parks.geojson"
    code, out, err = run("area", path)
    assert code == 1 and out == ""
    assert err == (f"chengyu: {path}: ran out of memory; free some memory or use a smaller file "
                   "(chengyu area LAYER --engine dask reads in partitions)\n")
