"""Packed pages unpack themselves in a real browser, whatever characters their parts hold."""

from __future__ import annotations

from typing import Any

from chengyu.maps.pack import PACK_ID, pack_html

# Characters beyond the BMP are two UTF-16 units in JavaScript: the loader must slice by units.
PAGE = """<html><head><style>#out::after { content: "𝄞 end"; }</style></head><body><p id="out"></p>
<script>var parts = ["沙坪坝", "🗺️", "𝄞"]; window.first = parts.join("|");</script>
<script>document.getElementById("out").textContent = window.first + " ✓";</script>
</body></html>"""


def test_packed_parts_with_astral_characters_run_in_order(load_html: Any, assert_clean: Any) -> None:
    page = load_html(pack_html(PAGE))
    assert page.evaluate("document.getElementById('out').textContent") == "沙坪坝|🗺️|𝄞 ✓"
    after = page.evaluate("getComputedStyle(document.getElementById('out'), '::after').content")
    assert after == '"𝄞 end"'
    assert_clean()


def test_corrupt_block_says_so_in_the_page(page: Any, tmp_path: Any) -> None:
    packed = pack_html(PAGE)
    start = packed.index(f'id="{PACK_ID}">') + len(f'id="{PACK_ID}">')
    broken = packed[:start] + "H4sIAAAAAAAC/wBBBBBBBBBB" + packed[start + 24:]  # a gzip header, then garbage
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("document.body.innerText.includes('could not unpack itself')")
    assert page.evaluate("window.chengyuReady") is None


def test_browsers_without_from_base64_unpack_with_atob(page: Any, tmp_path: Any) -> None:
    # Uint8Array.fromBase64 is recent (Chromium 140, Firefox 133, Safari 18.2); older ones use atob.
    page.add_init_script("delete Uint8Array.fromBase64;")
    path = tmp_path / "old.html"
    path.write_text(pack_html(PAGE), encoding="utf-8")
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("window.chengyuReady === true")
    assert page.evaluate("typeof Uint8Array.fromBase64") == "undefined"
    assert page.evaluate("document.getElementById('out').textContent") == "沙坪坝|🗺️|𝄞 ✓"


def test_a_failing_part_is_reported_and_the_next_parts_still_run(load_html: Any, page: Any) -> None:
    # Each part runs as the <script> it was: an error is the page's, as for an inline script.
    broken = ("<html><body><p id='out'></p><script>window.before = 1;</script>"
              "<script>undefinedFunction();</script>"
              "<script>document.getElementById('out').textContent = 'after ' + window.before;</script>"
              "</body></html>")
    load_html(pack_html(broken))
    assert page.evaluate("document.getElementById('out').textContent") == "after 1"
    assert any("undefinedFunction" in e for e in page.page_errors)
    assert page.evaluate("document.querySelectorAll('script:not([type]):not([id])').length") == 1  # the loader
