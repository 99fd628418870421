// Candidate: deck.gl standalone bundle + deck.gl-leaflet (LeafletLayer), binary attributes.
(async function () {
  'use strict';
  var P = window.__probe;
  var map = P.makeMap();
  var d = await P.decode();
  var positions = P.lonlatF32(d);
  P.mark('arrays_ready');
  var n = d.meta.n_features, layer;
  // deck's own onClick needs its gesture recognizers, which did not fire under deck.gl-leaflet here
  // (hover did); clicks go through Leaflet's map 'click' + the binding's pickObject (below).
  function onClick(info) { P.picked.deckClick = info && info.index >= 0 ? info.index : null; }
  function onHover(info) { P.picked.hover = info && info.index >= 0 ? info.index : null; }
  if (d.meta.kind === 'points') {
    layer = new deck.ScatterplotLayer({
      id: 'pts', data: { length: n, attributes: { getPosition: { value: positions, size: 2 } } },
      radiusUnits: 'pixels', getRadius: 2, radiusMinPixels: 1, getFillColor: [200, 40, 40, 200],
      pickable: true, onClick: onClick, onHover: onHover,
    });
  } else {
    layer = new deck.SolidPolygonLayer({
      id: 'polys',
      data: { length: n, startIndices: d.offsets, attributes: { getPolygon: { value: positions, size: 2 } } },
      positionFormat: 'XY', _normalize: false, filled: true, extruded: false,
      getFillColor: [30, 90, 200, 180], pickable: true, onClick: onClick, onHover: onHover,
    });
  }
  var overlay = new DeckGlLeaflet.LeafletLayer({
    views: [new deck.MapView({ repeat: true })],
    layers: [layer],
    onAfterRender: function () { P.drew(); },
    onError: function (e) { P.errors.push('deck: ' + (e && e.message || e)); },
  });
  P.ready = true;
  map.addLayer(overlay);
  P.mark('layer_added');
  P.pickAt = function (x, y) {
    var info = overlay.pickObject({ x: x, y: y, radius: 2 });
    return info ? info.index : null;
  };
  map.on('click', function (e) { P.picked.click = P.pickAt(e.containerPoint.x, e.containerPoint.y); });
  P.overlay = overlay;
})().catch(function (e) { window.__probe.errors.push('candidate: ' + (e && e.stack || e)); });
