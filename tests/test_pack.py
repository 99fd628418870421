"""Packed pages: smaller, deterministic, nothing lost."""

import base64
import gzip
import re

import pytest

from chengyu.maps.offline import render_html
from chengyu.maps.pack import PACK_ID, decode_parts, encode_parts, pack_html
from chengyu.maps.render import science_city_map


def _unpack(packed: str) -> list[list[str]]:
    blob = re.search(rf'<script type="application/gzip\+base64" id="{PACK_ID}">(.*?)</script>', packed, re.S).group(1)
    return decode_parts(gzip.decompress(base64.b64decode(blob)).decode("utf-8"))


def test_pack_moves_every_script_and_style_in_order():
    page = ("<html><head><style>a{}</style><script>var x = 1;</script></head><body><div id=m></div>"
            '<script type="application/json">{"keep": 1}</script></body><script>var y = x;</script></html>')
    packed = pack_html(page)
    assert _unpack(packed) == [["style", "a{}"], ["script", "var x = 1;"], ["script", "var y = x;"]]
    assert '<script type="application/json">{"keep": 1}</script>' in packed  # data blocks stay
    assert "<div id=m></div>" in packed
    assert packed.rstrip().endswith("</html>")
    assert pack_html(page) == packed  # deterministic (gzip mtime 0)


def test_packed_map_is_about_half_and_loses_nothing():
    plain = render_html(science_city_map())
    packed = render_html(science_city_map(), pack=True)
    # Leaflet and the tooltips shrink four-fold; the districts' float32 coordinates hardly at all
    assert len(packed) < 0.55 * len(plain)
    parts = _unpack(packed)
    scripts = "".join(body for kind, body in parts if kind == "script")
    assert "L.map(" in scripts
    assert scripts.count("L.chengyuPacked(") == 2 and "1,198 km²" in scripts
    assert "DecompressionStream" in packed and "chengyu build --no-pack" in packed
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", packed)


def test_parts_round_trip_with_characters_beyond_the_bmp():
    # JavaScript slices by UTF-16 code units: 𝄞 and emoji count twice, CJK once.
    parts = [["style", "p::after{content:'𝄞'}"], ["script", "var 名 = '沙坪坝 🗺';"], ["script", ""]]
    assert decode_parts(encode_parts(parts)) == parts
    assert encode_parts(parts).startswith('[["style",22],["script",17],["script",0]]\n')


def test_a_string_literal_json_cannot_read_stays_code():
    code = '    var big = "' + "\\x41" * 5000 + '";'  # a JavaScript-only escape
    parts = _unpack(pack_html(f"<html><body><script>\n{code}\n</script></body></html>"))
    assert [kind for kind, _ in parts] == ["script"] and code in parts[0][1]


@pytest.mark.parametrize("literal", [
    "{a: 1, " + "b: 2, " * 3000 + "}",  # JavaScript, not JSON
    '{"v": [' + "1.5, " * 3000 + "NaN]}",  # Python's json reads NaN; JSON.parse would throw
    '{"v": [' + "1.5, " * 3000 + "-Infinity]}",
])
def test_a_literal_that_is_not_strict_json_stays_code(literal):
    code = f"    thing_add({literal});"
    parts = _unpack(pack_html(f"<html><body><script>\n{code}\n</script></body></html>"))
    assert [kind for kind, _ in parts] == ["script"] and code in parts[0][1]
