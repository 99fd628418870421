"""geo.nonetwork: GDAL's HTTP requests are refused in-process, without a connection."""

import json
import socket

import pyogrio

from chengyu.geo import layers  # noqa: F401  (importing the readers switches the network off)
from chengyu.geo.nonetwork import REFUSAL, forbid_network, refused_requests


def test_gdal_never_connects_even_when_a_file_asks_it_to(tmp_path):
    assert forbid_network()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/crs"
        path = tmp_path / "link.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection",
                                    "crs": {"type": "link", "properties": {"href": url, "type": "proj4"}},
                                    "features": [{"type": "Feature", "properties": {},
                                                  "geometry": {"type": "Point", "coordinates": [106.3, 29.6]}}]}))
        before = len(refused_requests())
        pyogrio.read_info(path)  # GDAL itself, without the readers' own check of the crs member
        assert url in refused_requests()[before:]
        try:
            server.accept()
        except TimeoutError:
            pass
        else:
            raise AssertionError("GDAL connected to the listener")
    assert b"network access is disabled" in REFUSAL


def test_vsicurl_is_refused():
    info = pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS")
    assert info == ".chengyu-no-network"
