// Naive baseline: one Leaflet vector object per feature on Leaflet's own canvas renderer (L.canvas()).
(async function () {
  'use strict';
  var P = window.__probe;
  var map = P.makeMap();
  var d = await P.decode();
  var n = d.meta.n_features, s = d.meta.scale, ox = d.meta.origin[0], oy = d.meta.origin[1];
  var x = d.x, y = d.y, r = L.canvas({ padding: 0.1 }), group = L.featureGroup(), i;
  if (d.meta.kind === 'points') {
    for (i = 0; i < n; i++) {
      var m = L.circleMarker([oy + y[i] * s, ox + x[i] * s],
        { renderer: r, radius: 2, stroke: false, fillColor: '#c82828', fillOpacity: 0.8 });
      m.pid = i; group.addLayer(m);
    }
  } else {
    var off = d.offsets;
    for (i = 0; i < n; i++) {
      var ring = [];
      for (var v = off[i]; v < off[i + 1]; v++) { ring.push([oy + y[v] * s, ox + x[v] * s]); }
      var p = L.polygon(ring, { renderer: r, weight: 0.5, color: '#1e5ac8', fillOpacity: 0.6 });
      p.pid = i; group.addLayer(p);
    }
  }
  P.mark('arrays_ready');
  group.on('click', function (e) { P.picked.click = e.layer.pid; });
  group.on('mouseover', function (e) { P.picked.hover = e.layer.pid; });
  P.ready = true;
  group.addTo(map);
  P.mark('layer_added');
  // Leaflet's canvas renderer redraws in the animation frame it requested while handling the event;
  // a frame requested after that runs after the redraw.
  requestAnimationFrame(function () { P.drew(); });
  map.on('moveend', function () { requestAnimationFrame(function () { P.drew(); }); });
})().catch(function (e) { window.__probe.errors.push('candidate: ' + (e && e.stack || e)); });
