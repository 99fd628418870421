// Candidate: leaflet.glify (WebGL). glify takes GeoJSON / arrays only, so the binary buffers are
// turned into its input in the page (after decoding; nothing per-feature is in the page text).
(async function () {
  'use strict';
  var P = window.__probe;
  var map = P.makeMap();
  var d = await P.decode();
  var n = d.meta.n_features, s = d.meta.scale, ox = d.meta.origin[0], oy = d.meta.origin[1], inst;
  var x = d.x, y = d.y;
  if (d.meta.kind === 'points') {
    var data = new Array(n);
    for (var i = 0; i < n; i++) { var a = [oy + y[i] * s, ox + x[i] * s]; a.idx = i; data[i] = a; }
    P.mark('arrays_ready');
    P.ready = true;
    inst = L.glify.points({
      map: map, data: data, size: 4, color: { r: 0.8, g: 0.15, b: 0.15 }, opacity: 0.8,
      click: function (e, f) { P.picked.click = f && f.idx !== undefined ? f.idx : null; },
      hover: function (e, f) { P.picked.hover = f && f.idx !== undefined ? f.idx : null; },
    });
  } else {
    var off = d.offsets, feats = new Array(n);
    for (var k = 0; k < n; k++) {
      var ring = [];
      for (var v = off[k]; v < off[k + 1]; v++) { ring.push([ox + x[v] * s, oy + y[v] * s]); }
      ring.push(ring[0]);
      feats[k] = { type: 'Feature', properties: { i: k }, geometry: { type: 'Polygon', coordinates: [ring] } };
    }
    P.mark('arrays_ready');
    P.ready = true;
    inst = L.glify.shapes({
      map: map, data: { type: 'FeatureCollection', features: feats },
      color: { r: 0.12, g: 0.35, b: 0.8 }, opacity: 0.7,
      click: function (e, f) { P.picked.click = f && f.properties ? f.properties.i : null; },
      hover: function (e, f) { P.picked.hover = f && f.properties ? f.properties.i : null; },
    });
  }
  P.mark('layer_added');
  // count draws: wrap the instance's draw (the overlay calls this.drawOnCanvas through a closure)
  var orig = inst.drawOnCanvas;
  inst.drawOnCanvas = function (e) { var r = orig.call(inst, e); P.drew(); return r; };
  P.inst = inst;
})().catch(function (e) { window.__probe.errors.push('candidate: ' + (e && e.stack || e)); });
