"""Packed pages: smaller, deterministic, nothing lost."""

import base64
import gzip
import json
import re

from maps.offline import render_html
from maps.pack import PACK_ID, pack_html
from maps.render import science_city_map


def _unpack(packed: str) -> list[list[str]]:
    blob = re.search(rf'<script type="application/gzip\+base64" id="{PACK_ID}">(.*?)</script>', packed, re.S).group(1)
    return json.loads(gzip.decompress(base64.b64decode(blob)))


def test_pack_moves_every_script_and_style_in_order():
    page = ("<html><head><style>a{}</style><script>var x = 1;</script></head><body><div id=m></div>"
            '<script type="application/json">{"keep": 1}</script></body><script>var y = x;</script></html>')
    packed = pack_html(page)
    assert _unpack(packed) == [["style", "a{}"], ["script", "var x = 1;"], ["script", "var y = x;"]]
    assert '<script type="application/json">{"keep": 1}</script>' in packed  # data blocks stay
    assert "<div id=m></div>" in packed
    assert packed.rstrip().endswith("</html>")
    assert pack_html(page) == packed  # deterministic (gzip mtime 0)


def test_packed_map_is_a_quarter_and_loses_nothing():
    plain = render_html(science_city_map())
    packed = render_html(science_city_map(), pack=True)
    assert len(packed) < 0.45 * len(plain)
    parts = _unpack(packed)
    scripts = "".join(body for kind, body in parts if kind == "script")
    assert "L.map(" in scripts
    assert scripts.count("geo_json_") > 0 and "1,198 km²" in scripts
    assert "DecompressionStream" in packed and "chengyu build --no-pack" in packed
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", packed)
