"""The hostile corpus, run as a user runs it: the console script in a subprocess, one case per class.

Every case is checked for what the README promises of bad input: exit code 2 (130/143 for
signals, 1 for an output that cannot be written), one line on stderr naming the file, no
traceback, no network request (a loopback listener stands where the corpus's CRS link points,
and every HTTP proxy variable points at it too), finished within a time budget, nothing
written, and an existing output unchanged. Special files (FIFOs, device nodes), secrets behind
symbolic links and self-referencing GeoPackage views are made here, in the test's own folder.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.data import make_samples

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
CHENGYU = [sys.executable, "-m", "chengyu"]
BUDGET_S = 30  # wall time a case may take (start-up included, on a busy 2-core machine)

pytestmark = pytest.mark.slow


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self, port: int = 0, *, hold: bool = False) -> None:
        self.hold = hold  # keep connections open and silent (a server that never answers)
        self.held: list[socket.socket] = []
        self.sock = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.hold:
                self.held.append(conn)
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    self.connections.append(conn.recv(200))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener(make_samples.LISTENER_PORT)
    yield lst
    lst.close()


def chengyu(args, listener, *, env=None, cwd=None, stdout=subprocess.PIPE, timeout=BUDGET_S):
    """Run the console script; return (code, stdout, stderr, seconds)."""
    proxy = f"http://127.0.0.1:{listener.port}"
    full_env = {**os.environ, "http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy,
                "HTTPS_PROXY": proxy, "ALL_PROXY": proxy, "NO_PROXY": "", "no_proxy": "", **(env or {})}
    start = time.monotonic()
    proc = subprocess.run(CHENGYU + [str(a) for a in args], stdout=stdout, stderr=subprocess.PIPE, env=full_env,
                          cwd=cwd, timeout=timeout, text=True, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout or "", proc.stderr, time.monotonic() - start


def assert_one_line(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("chengyu: "), err
    assert "Traceback" not in err
    assert "\x1b" not in err and "\u202e" not in err and "\x9b" not in err
    assert len(err) < 800, len(err)
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def assert_refused(listener, args, *fragments, env=None, code=2, timeout=BUDGET_S, source=None):
    """The command refuses: its code, one line, no network, in time; nothing written, nothing changed."""
    before = len(listener.connections)
    out_dir = Path(args[-1]).parent if "-o" in args else None
    existing = {p: p.read_bytes() for p in out_dir.iterdir() if p.is_file()} if out_dir else {}
    rc, _, err, seconds = chengyu(args, listener, env=env, timeout=timeout)
    assert rc == code, err
    assert_one_line(err, *fragments)
    if source is not None:
        assert err.startswith(f"chengyu: {source}: "), err
    assert listener.connections[before:] == [], "a network request was made"
    assert seconds < timeout
    if out_dir is not None:
        assert {p: p.read_bytes() for p in out_dir.iterdir() if p.is_file()} == existing
        assert not any(p.name.endswith(".tmp") for p in out_dir.iterdir())


# --------------------------------------------------------------------------- the corpus

HOSTILE_CASES = [
    # (file in tests/data/bad, what the one line says)
    ("crs_link.geojson", "declares its CRS by a link ('http://127.0.0.1:8631/crs'), which is not followed"),
    ("crs_unknown.geojson", "declares the CRS 'EPSG:99999', which is not a CRS pyproj knows"),
    ("crs_path.geojson", "declares the CRS '/etc/passwd', which is not a CRS pyproj knows"),
    ("nested.csv", "with more than 32 geometry collections inside one another (line 2; limit CHENGYU_MAX_NESTING=32"),
    ("folders.kmz", "has 250 layers, more than can be read (limit CHENGYU_MAX_LAYERS=200"),
    ("bomb.zip", "refusing a possible zip bomb (limit CHENGYU_MAX_UNZIP_RATIO=50"),
    ("encrypted.zip", "member 'sites.cpg' is encrypted"),
    ("deflate64.zip", "member 'sites.cpg' is compressed with Deflate64, which cannot be read"),
    ("broken_wkb.parquet", "is not a valid Parquet file: ParseException: Unexpected EOF parsing WKB"),
    ("nested_wkb.parquet", "column 'geometry' has 1 geometry with more than 32 geometry collections inside one"),
    ("ring_of_one_point.geojson", "cannot be read as GeoJSON: IllegalArgumentException: point array must contain"),
    ("huge_coordinate.csv", "(x in 1e+308..1e+308, y in 29.6..29.6)"),
    ("escapes.csv", r"found: name, \x9b2J\x9b31mred, \u202eevil\x85"),
    ("long_column.csv", "found: name, 长长长"),
    ("utf16.geojson", "is GeoJSON written as UTF-16 text"),
]


@pytest.mark.parametrize("name,fragment", HOSTILE_CASES, ids=[n for n, _ in HOSTILE_CASES])
def test_hostile_file_is_one_line_and_loses_nothing(listener, tmp_path, name, fragment):
    path = BAD / name
    assert_refused(listener, ["area", path, "--format", "json", "-o", tmp_path / "out.json"], fragment,
                   source=path)
    (tmp_path / "map.html").write_text("precious")
    assert_refused(listener, ["map", "science-city", "--layer", path, "--force", "-o", tmp_path / "map.html"],
                   fragment, source=path)


def test_hostile_corpus_is_what_make_samples_writes():
    """Every hostile file is tested above, and the library tests the rest of the corpus."""
    from tests.test_layers import BAD_CASES

    names = {n for n, _ in HOSTILE_CASES} | {p.relative_to(BAD).parts[0] for p, _ in BAD_CASES if BAD in p.parents}
    assert {p.name for p in BAD.iterdir()} <= names


@pytest.mark.parametrize("name,fragment", [
    ("broken_wkb.parquet", "is not valid GeoParquet: ParseException: Unexpected EOF parsing WKB"),
    ("nested_wkb.parquet", "with more than 32 geometry collections inside one another (row 1"),
])
def test_the_dask_engine_on_hostile_wkb_is_one_line(listener, tmp_path, name, fragment):
    pytest.importorskip("dask_geopandas")
    assert_refused(listener, ["area", BAD / name, "--engine", "dask", "-o", tmp_path / "o.json"], fragment,
                   timeout=90)


# --------------------------------------------------------------------------- special files


def test_fifos_and_devices_are_refused_before_they_are_opened(listener, tmp_path):
    fifo = tmp_path / "layer.geojson"
    os.mkfifo(fifo)
    assert_refused(listener, ["area", fifo], "is a FIFO (named pipe), not a regular file", source=fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    assert_refused(listener, ["area", zero], "is a character device, not a regular file", source=zero)
    folder = tmp_path / "shapefile"
    folder.mkdir()
    for f in (DATA / "footprint_nocpg").iterdir():
        if f.suffix != ".prj":
            (folder / f.name).write_bytes(f.read_bytes())
    os.mkfifo(folder / "footprint.prj")
    assert_refused(listener, ["area", folder], "its member footprint.prj is a FIFO (named pipe)", source=folder)
    assert_refused(listener, ["area", folder / "footprint.shp"], "its member footprint.prj is a FIFO")


def test_an_unreadable_file_never_shows_its_content(listener, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:TOP-SECRET-HASH:19000:0:99999:7:::\nsecond line\n")
    for suffix in (".geojson", ".csv", ".kml", ".gpkg", ".parquet", ".json"):
        link = tmp_path / f"layer{suffix}"
        link.symlink_to(secret)
        rc, _, err, _ = chengyu(["area", link], listener)
        assert rc == 2 and "TOP-SECRET" not in err and "root:" not in err, err
        assert_one_line(err)


def test_an_output_only_replaces_a_regular_file_never_an_input(listener, tmp_path):
    if os.geteuid() == 0:
        device = tmp_path / "null"
        os.mknod(device, 0o666 | 0o020000, os.makedev(1, 3))  # a copy of /dev/null
        assert_refused(listener, ["area", "--force", "-o", device], "is a character device, not a regular file")
        assert device.is_char_device()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_refused(listener, ["area", "--force", "-o", fifo], "is a FIFO (named pipe), not a regular file")
    layer = tmp_path / "sites.csv"
    layer.write_bytes((DATA / "sites.csv").read_bytes())
    assert_refused(listener, ["area", layer, "--force", "-o", layer], "is an input of this command")
    assert_refused(listener, ["map", "science-city", "--layer", layer, "--force", "-o", layer],
                   "is an input of this command")
    assert layer.read_bytes() == (DATA / "sites.csv").read_bytes()
    shp = tmp_path / "shp"
    shp.mkdir()
    for f in (DATA / "footprint_nocpg").iterdir():
        (shp / f.name).write_bytes(f.read_bytes())
    dbf = (shp / "footprint.dbf").read_bytes()
    assert_refused(listener, ["area", shp / "footprint.shp", "--force", "-o", shp / "footprint.dbf"],
                   "is an input of this command")
    assert_refused(listener, ["area", shp, "--force", "-o", shp / "footprint.dbf"], "is an input of this command")
    assert (shp / "footprint.dbf").read_bytes() == dbf


def test_a_declared_crs_that_does_not_exist_is_an_error_naming_it(listener, tmp_path):
    """Never 'taken as WGS-84' in silence: GeoPackage, GeoParquet and shapefile alike."""
    gpkg = tmp_path / "rail.gpkg"
    gpkg.write_bytes((DATA / "rail.gpkg").read_bytes())
    with sqlite3.connect(gpkg) as db:
        db.execute("UPDATE gpkg_geometry_columns SET srs_id = 99999")
        db.execute("UPDATE gpkg_contents SET srs_id = 99999")
    assert_refused(listener, ["area", gpkg], "layer 'rail' declares the CRS srs_id 99999, which the file does not")
    import json

    import pyarrow.parquet as pq

    table = pq.read_table(DATA / "points.parquet")
    geo = json.loads(table.schema.metadata[b"geo"])
    geo["columns"]["geometry"]["crs"] = "EPSG:99999"
    parquet = tmp_path / "points.parquet"
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"geo": json.dumps(geo)}), parquet)
    assert_refused(listener, ["area", parquet], "declares a CRS that is not known", "EPSG:99999")
    shp = tmp_path / "shp"
    shp.mkdir()
    for f in (DATA / "footprint_nocpg").iterdir():
        (shp / f.name).write_bytes(f.read_bytes() if f.suffix != ".prj" else b'GEOGCS["nonsense",NOPE[]]')
    assert_refused(listener, ["area", shp], "does not describe a CRS that can be read", "Missing DATUM")


# --------------------------------------------------------------------------- names


def test_names_with_control_characters_are_escaped(listener, tmp_path):
    path = tmp_path / "\x1b[2J\u202eevil\nname.csv"
    path.write_bytes((BAD / "no_coordinates.csv").read_bytes())
    rc, _, err, _ = chengyu(["area", path], listener)
    assert rc == 2
    assert_one_line(err, r"\x1b[2J\u202eevil\nname.csv: has no coordinate columns")
    long_name = tmp_path / "long.csv"
    long_name.write_text("name," + "x" * 1_000_000 + "\na,b\n", encoding="utf-8")
    rc, _, err, _ = chengyu(["area", long_name], listener)
    assert rc == 2
    assert_one_line(err, "has no coordinate columns", "…")


@pytest.mark.parametrize("name", ["a;b.geojson", "two words.geojson", "new\nline.geojson", "沙坪坝 公园.geojson",
                                  "http:x.geojson", "100%;x?y#z.geojson"])
def test_valid_files_with_odd_names_are_read(listener, tmp_path, name):
    path = tmp_path / name
    path.write_bytes((DATA / "parks.geojson").read_bytes())
    rc, out, err, _ = chengyu(["area", path, "--format", "json"], listener, cwd=tmp_path)
    assert rc == 0, err
    assert '"covered_km2"' in out and "read 4 features (GeoJSON)" in err
    shp = tmp_path / ("folder " + name.replace(".geojson", ""))
    shp.mkdir()
    for f in (DATA / "footprint_nocpg").iterdir():
        (shp / f.name.replace("footprint", name.replace(".geojson", ""))).write_bytes(f.read_bytes())
    rc, _, err, _ = chengyu(["area", shp], listener)
    assert rc == 0 and "read 2 features (Shapefile" in err, err


# --------------------------------------------------------------------------- options and limits


def test_hostile_options_are_one_line(listener, tmp_path):
    parks = DATA / "parks.geojson"
    assert_refused(listener, ["area", parks, "--crs", "EPSG:4978"], "--crs EPSG:4978 is geocentric")
    for option in (["--label", "geometry"], ["--fields", "name,geometry"]):
        (tmp_path / "map.html").write_text("precious")
        assert_refused(listener, ["map", "science-city", "--layer", parks, *option, "--force",
                                  "-o", tmp_path / "map.html"], f"{option[0]}: 'geometry' is the layer's geometry")
    assert_refused(listener, ["area", "/"], "folder holds more than 10,000 files and folders",
                   "CHENGYU_MAX_FOLDER_FILES")


def test_a_server_that_is_not_a_dask_scheduler_does_not_hang(listener, tmp_path):
    pytest.importorskip("dask_geopandas")
    mute = Listener(hold=True)  # accepts, never answers
    try:
        assert_refused(listener, ["area", DATA / "parks.geojson", "--engine", "dask", "--scheduler",
                                  f"tcp://127.0.0.1:{mute.port}", "-o", tmp_path / "o.json"],
                       "did not answer as a dask scheduler within 3 s", env={"CHENGYU_SCHEDULER_SECONDS": "3"})
    finally:
        mute.close()


def _gpkg_with_views(path: Path) -> None:
    """A GeoPackage with a view that refers to itself and one that never ends (a recursive CTE)."""
    table = DATA / "rail.gpkg"
    path.write_bytes(table.read_bytes())
    layer = str(sqlite3.connect(path).execute("SELECT table_name FROM gpkg_contents").fetchone()[0])
    with sqlite3.connect(path) as db:
        geom = db.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns").fetchone()
        for name, sql in (("loop", "SELECT * FROM loop"),
                          ("forever", f'WITH RECURSIVE r AS (SELECT * FROM "{layer}" UNION ALL SELECT * FROM r) '
                                      "SELECT * FROM r")):
            db.execute(f"CREATE VIEW {name} AS {sql}")
            db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, ?, ?, ?)",
                       (name, "features", name, geom[1]))
            db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, 'GEOMETRY', ?, 0, 0)", (name, geom[0], geom[1]))


def test_a_read_that_never_ends_is_stopped_by_the_time_budget(listener, tmp_path):
    gpkg = tmp_path / "views.gpkg"
    _gpkg_with_views(gpkg)
    assert_refused(listener, ["area", gpkg, "--layer-name", "loop"], "view loop is circularly defined")
    assert_refused(listener, ["area", gpkg, "--layer-name", "forever", "-o", tmp_path / "o.json"],
                   "reading took longer than 3 s, so it was stopped (limit CHENGYU_READ_SECONDS=3 s",
                   env={"CHENGYU_READ_SECONDS": "3"})


def test_reading_past_the_memory_budget_is_stopped(listener, tmp_path):
    big = tmp_path / "points.csv"
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(106.3, 106.5, 300_000), rng.uniform(29.5, 29.7, 300_000)
    big.write_text("lon,lat\n" + "\n".join(f"{x:.6f},{y:.6f}" for x, y in zip(lon, lat, strict=True)) + "\n")
    assert_refused(listener, ["area", big, "-o", tmp_path / "o.json"],
                   "reading would need more than 1 MB of memory", "CHENGYU_READ_MEMORY_MB",
                   env={"CHENGYU_READ_MEMORY_RATIO": "0.001", "CHENGYU_READ_MEMORY_MB": "1"})


# --------------------------------------------------------------------------- signals and outputs


def test_a_full_disk_behind_stdout_is_one_line(listener):
    with open("/dev/full", "w") as full:
        rc, _, err, _ = chengyu(["area"], listener, stdout=full)
    assert rc == 2
    assert_one_line(err, "<stdout>: cannot write: No space left on device")


def test_ctrl_c_during_start_up_is_one_line(listener):
    proxy_env = {**os.environ}
    for delay in (0.1, 0.4):
        proc = subprocess.Popen(CHENGYU + ["area", str(DATA / "parks.geojson")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=proxy_env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=BUDGET_S)
        if proc.returncode == 0:  # finished before the signal: nothing to check
            continue
        assert proc.returncode == 130
        assert_one_line(err, "interrupted")


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    script = f"""
import os, signal
from chengyu.cli.main import raise_terminated, Terminated
from chengyu.maps import atomic
signal.signal(signal.SIGTERM, raise_terminated)
real = os.fsync
def fsync(fd):
    os.kill(os.getpid(), signal.SIGTERM)
    real(fd)
atomic.os.fsync = fsync
try:
    atomic.write_atomic({str(tmp_path / "out.html")!r}, "x" * 1000)
except Terminated:
    raise SystemExit(143)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=BUDGET_S)
    assert proc.returncode == 143, proc.stderr
    assert list(tmp_path.iterdir()) == []
