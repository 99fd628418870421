// Shared page harness of benchmarks/renderers_probe.py: decodes the binary layer carried in the page
// and exposes timing/picking hooks on window.__probe. No network, no Leaflet private members.
(function () {
  'use strict';
  var P = window.__probe = {
    marks: {}, draws: 0, ready: false, visible: false, errors: [],
    picked: { click: null, hover: null }, info: {},
  };
  P.mark = function (name) { if (!(name in P.marks)) { P.marks[name] = performance.now(); } };
  P.mark('script_start');
  window.addEventListener('error', function (e) { P.errors.push(String(e.message || e)); });
  window.addEventListener('unhandledrejection', function (e) { P.errors.push(String(e.reason)); });

  function raf() { return new Promise(function (r) { requestAnimationFrame(function () { r(); }); }); }
  P.raf = raf;

  // Called by a candidate each time its renderer has drawn. The first draw after P.ready marks
  // 'first_draw'; two animation frames later the layer counts as visible.
  P.drew = function () {
    P.draws += 1;
    if (P.ready && !P.marks.first_draw) {
      P.mark('first_draw');
      raf().then(raf).then(function () { P.mark('visible'); P.visible = true; });
    }
  };

  // The probe runs in Debian's Chromium only, which has Uint8Array.fromBase64 (no atob fallback needed).
  function b64bytes(s) { return Uint8Array.fromBase64(s.replace(/\s+/g, '')); }

  // Undo the byte shuffle (byte planes) + zigzag + delta of one int32 column.
  function unshuffleDelta(u8, n) {
    var out = new Int32Array(n), acc = 0;
    var p0 = 0, p1 = n, p2 = 2 * n, p3 = 3 * n;
    for (var i = 0; i < n; i++) {
      var z = (u8[p0 + i] | (u8[p1 + i] << 8) | (u8[p2 + i] << 16) | (u8[p3 + i] << 24)) >>> 0;
      acc = (acc + ((z >>> 1) ^ -(z & 1))) | 0;
      out[i] = acc;
    }
    return out;
  }

  // Returns {meta, x, y (Int32 on the 1e-6 degree grid, relative to meta.origin), offsets?}
  P.decode = async function () {
    var meta = JSON.parse(document.getElementById('probe-meta').textContent);
    var el = document.getElementById('probe-data');
    var bytes = b64bytes(el.textContent);
    el.textContent = '';  // let the text go
    P.mark('base64_done');
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    var buf = new Uint8Array(await new Response(stream).arrayBuffer());
    P.mark('gunzip_done');
    P.meta = meta;
    var res = { meta: meta };
    meta.arrays.forEach(function (a) {
      var u8 = buf.subarray(a.offset, a.offset + a.nbytes);
      if (a.enc === 'delta-zigzag-shuffle4') { res[a.name] = unshuffleDelta(u8, a.length); }
      else if (a.enc === 'uint8') { res[a.name] = u8; }
      else { throw new Error('unknown encoding ' + a.enc); }
    });
    if (res.counts) {  // ring sizes -> GeoArrow-style Int32 offsets (length n+1)
      var c = res.counts, off = new Int32Array(c.length + 1);
      for (var i = 0; i < c.length; i++) { off[i + 1] = off[i] + c[i]; }
      res.offsets = off;
    }
    P.mark('decoded');
    P.info.features = meta.n_features;
    P.info.vertices = meta.n_vertices;
    return res;
  };

  // Interleaved absolute lon/lat Float32 (what deck.gl binary attributes take).
  P.lonlatF32 = function (d) {
    var n = d.x.length, out = new Float32Array(2 * n), s = d.meta.scale;
    var ox = d.meta.origin[0], oy = d.meta.origin[1];
    for (var i = 0; i < n; i++) { out[2 * i] = ox + d.x[i] * s; out[2 * i + 1] = oy + d.y[i] * s; }
    return out;
  };

  P.makeMap = function () {
    var map = L.map('map', { preferCanvas: true, zoomControl: true });
    var b = document.getElementById('probe-meta') && JSON.parse(document.getElementById('probe-meta').textContent).bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    P.map = map;
    return map;
  };

  function waitDraw(c0, timeoutMs) {
    var t0 = performance.now();
    return new Promise(function (res, rej) {
      (function chk() {
        if (P.draws > c0) { res(); return; }
        if (performance.now() - t0 > timeoutMs) { rej(new Error('no draw within ' + timeoutMs + ' ms')); return; }
        requestAnimationFrame(chk);
      })();
    });
  }

  // One interaction step: action -> renderer reports a draw -> next animation frame.
  // Returns [ms to that frame, ms to the renderer's draw].
  async function step(action) {
    var c0 = P.draws, t0 = performance.now();
    action();
    await waitDraw(c0, 20000);
    var t1 = performance.now();
    await raf();
    return [performance.now() - t0, t1 - t0];
  }

  // nSteps zoom steps then nSteps pan steps; each kind stops early once budgetMs is spent
  P.runSteps = async function (nSteps, budgetMs) {
    nSteps = nSteps || 10; budgetMs = budgetMs || 30000;
    var tStart = performance.now();
    var map = P.map, z0 = map.getZoom(), c = map.getCenter();
    var zoomSeq = [1, 2, 3, 2, 1, 0, 1, 2, 1, 0], zoom = [], zoomDraw = [], pan = [], panDraw = [];
    for (var i = 0; i < nSteps; i++) {
      var r = await step(function () { map.setView(c, z0 + zoomSeq[i % zoomSeq.length], { animate: false }); });
      zoom.push(r[0]); zoomDraw.push(r[1]);
      if (performance.now() - tStart > budgetMs) { break; }
    }
    tStart = performance.now();
    var pans = [[300, 0], [0, 200], [-300, 0], [0, -200]];
    for (var j = 0; j < nSteps; j++) {
      var r2 = await step(function () { map.panBy(pans[j % 4], { animate: false }); });
      pan.push(r2[0]); panDraw.push(r2[1]);
      if (performance.now() - tStart > budgetMs) { break; }
    }
    map.setView(c, z0, { animate: false });
    await raf(); await raf();
    return { zoom: zoom, zoom_draw: zoomDraw, pan: pan, pan_draw: panDraw };
  };

  // Zoom onto the known feature and return its container pixel (for real mouse hover/click).
  P.gotoFeature = async function (zoom) {
    var f = P.meta.probe_feature, ll = [f.lat, f.lon], c0 = P.draws;
    P.map.setView(ll, zoom, { animate: false });
    await waitDraw(c0, 20000).catch(function () {});
    await raf(); await raf();
    var pt = P.map.latLngToContainerPoint(ll);
    return { x: pt.x, y: pt.y, index: f.index };
  };
})();
