"""Pack a self-contained page: its scripts and stylesheets gzipped into one base64 block.

A map mailed around or opened on a phone is mostly Leaflet and GeoJSON text, which gzip shrinks
about four-fold. :func:`pack_html` moves every inline ``<script>`` and ``<style>`` of a page, in
document order, into one gzip+base64 block and adds a small loader that inflates it with the
browser's own ``DecompressionStream`` once the document is parsed, and runs the parts in the same
order (each script as a ``<script>`` element, so ``map_1`` and friends are globals as before).
Nothing is fetched: it still draws with no
network. Browsers without ``DecompressionStream`` (before Chrome 80, Firefox 113, Safari 16.4) get a
one-line explanation in the page instead of an empty map; ``chengyu build --no-pack`` writes pages
for them.

The loader sets ``window.chengyuReady = true`` and fires ``chengyu:ready`` on ``document`` when
the map exists (a task after the document is parsed; panels and the base map join a frame later, see
:func:`maps.controls.after_first_frame`).
"""

from __future__ import annotations

import base64
import gzip
import json
import re

PACK_ID = "chengyu-pack"
# Inline scripts and stylesheets (an external <script src> never reaches here: offline pages have none).
_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1>", re.S | re.I)
_OLD_BROWSER = ("This map needs a browser released since 2023 (Chrome 80, Firefox 113, Safari 16.4 or newer) "
                "to unpack itself. Open it in a newer browser, or rebuild it with: chengyu build --no-pack")

_LOADER = """<script>
// Unpack in a task of its own: the document is parsed by then, so the browser sets up its first
// frame while the map is being built instead of after it (measured: the districts reach the screen
// sooner; see benchmarks/RESULTS.md).
setTimeout(function () {
  "use strict";
  var block = document.getElementById("%(id)s");
  function fail(message) {
    var note = document.createElement("p");
    note.style.cssText = "font: 15px sans-serif; margin: 2em; color: #a00;";
    note.textContent = message;
    document.body.insertBefore(note, document.body.firstChild);
  }
  if (!("DecompressionStream" in window)) { fail(%(old)s); return; }
  var text64 = block.textContent.trim(), bytes;
  if (Uint8Array.fromBase64) {
    bytes = Uint8Array.fromBase64(text64);
  } else {
    var binary = atob(text64);
    bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  // Write to and read from the stream directly: Blob.stream() and Response.text() add 10-20 ms of
  // waiting (measured in Chromium) before the map can start.
  var inflate = new DecompressionStream("gzip"), writer = inflate.writable.getWriter();
  function ignore() {}  // a corrupt block rejects these too; the reader below reports it
  writer.write(bytes).catch(ignore);
  writer.close().catch(ignore);
  var reader = inflate.readable.getReader(), decoder = new TextDecoder(), chunks = [];
  function read() {
    return reader.read().then(function (chunk) {
      if (chunk.done) { chunks.push(decoder.decode()); return chunks.join(""); }
      chunks.push(decoder.decode(chunk.value, {stream: true}));
      return read();
    });
  }
  read().then(function (text) {
    // First line: [[kind, length], ...]; then the parts back to back (lengths in UTF-16 units).
    var start = text.indexOf("\\n") + 1;
    JSON.parse(text.slice(0, start)).forEach(function (part) {
      var body = text.slice(start, start += part[1]);
      if (part[0] === "style") {
        var style = document.createElement("style");
        style.textContent = body;
        document.head.appendChild(style);
      } else {
        // A script element runs now, at global scope, compiled and reporting errors like the
        // inline <script> it was (an error in one part does not stop the next ones); having run,
        // it leaves the page, and its text with it.
        var script = document.createElement("script");
        script.textContent = body;
        document.head.appendChild(script).remove();
      }
    });
    window.chengyuReady = true;
    document.dispatchEvent(new Event("chengyu:ready"));
  }).catch(function (error) { fail("This map could not unpack itself: " + error); });
}, 0);
</script>"""


def encode_parts(parts: list[list[str]]) -> str:
    """The parts as the loader reads them: a JSON line of ``[kind, length]``, then the bodies.

    Slicing one string costs nothing; a JSON array of scripts had to be unescaped by
    ``JSON.parse`` (a megabyte for the Circle map) before anything could run.

    >>> encode_parts([["style", "p{}"], ["script", "var é = 1;"]])
    '[["style",3],["script",10]]\\np{}var é = 1;'
    """
    # JavaScript counts string length in UTF-16 code units: characters beyond the BMP count twice.
    head = [[kind, len(body.encode("utf-16-le")) // 2] for kind, body in parts]
    return json.dumps(head, separators=(",", ":")) + "\n" + "".join(body for _, body in parts)


def decode_parts(text: str) -> list[list[str]]:
    """The inverse of :func:`encode_parts` (for tests and tools)."""
    head, _, rest = text.partition("\n")
    units = rest.encode("utf-16-le")
    parts, pos = [], 0
    for kind, length in json.loads(head):
        parts.append([kind, units[2 * pos:2 * (pos + length)].decode("utf-16-le")])
        pos += length
    return parts


def pack_html(html: str) -> str:
    """Return ``html`` with its inline scripts and styles packed behind a loader (deterministic).

    >>> page = "<html><head><style>p{}</style></head><body><script>var a = 1;</script></body></html>"
    >>> packed = pack_html(page)
    >>> "var a" in packed, 'id="chengyu-pack"' in packed
    (False, True)
    """
    parts: list[list[str]] = []

    def take(match: re.Match[str]) -> str:
        kind, attrs, body = match.group(1).lower(), match.group(2), match.group(3)
        if kind == "script" and re.search(r"\btype\s*=\s*['\"]?(?!text/javascript|module)", attrs, re.I):
            return match.group(0)  # data blocks (JSON, templates) stay where they are
        parts.append([kind, body])
        return ""

    stripped = _BLOCK.sub(take, html)
    payload = encode_parts(parts).encode("utf-8")
    # mtime=0 keeps the bytes identical from build to build
    blob = base64.b64encode(gzip.compress(payload, compresslevel=9, mtime=0)).decode("ascii")
    loader = _LOADER % {"id": PACK_ID, "old": json.dumps(_OLD_BROWSER)}
    block = f'<script type="application/gzip+base64" id="{PACK_ID}">{blob}</script>\n{loader}\n'
    end = stripped.rfind("</html>")
    return stripped[:end] + block + stripped[end:] if end >= 0 else stripped + block
