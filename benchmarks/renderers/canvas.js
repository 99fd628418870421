// Candidate: a small custom canvas layer drawing straight from typed arrays (public Leaflet API only:
// L.Layer, getPane, getSize, getPixelOrigin, containerPointToLayerPoint, layerPointToContainerPoint,
// project, getZoomScale, DomUtil.setPosition/setTransform, map events). Picking: a grid index (CSR).
(async function () {
  'use strict';
  var P = window.__probe;
  var map = P.makeMap();
  if (map.options.crs !== L.CRS.EPSG3857) { throw new Error('EPSG:3857 only'); }
  var d = await P.decode();
  var n = d.meta.n_features, nv = d.x.length, s = d.meta.scale, ox = d.meta.origin[0], oy = d.meta.origin[1];
  var isPts = d.meta.kind === 'points', off = d.offsets;
  // world pixel coordinates at zoom 0 (EPSG:3857, 256 px world), Float64 for precision at high zoom
  var wx = new Float64Array(nv), wy = new Float64Array(nv), D = Math.PI / 180;
  for (var i = 0; i < nv; i++) {
    var lon = ox + d.x[i] * s, lat = oy + d.y[i] * s, sn = Math.sin(lat * D);
    wx[i] = 256 * (0.5 + lon / 360);
    wy[i] = 256 * (0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI));
  }
  // per-feature anchor (points: itself; polygons: bbox centre) and half-size (world px)
  var cx, cy, hs;
  if (isPts) { cx = wx; cy = wy; } else {
    cx = new Float64Array(n); cy = new Float64Array(n); hs = new Float32Array(n);
    for (var k = 0; k < n; k++) {
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var v = off[k]; v < off[k + 1]; v++) {
        if (wx[v] < x0) { x0 = wx[v]; } if (wx[v] > x1) { x1 = wx[v]; }
        if (wy[v] < y0) { y0 = wy[v]; } if (wy[v] > y1) { y1 = wy[v]; }
      }
      cx[k] = (x0 + x1) / 2; cy[k] = (y0 + y1) / 2; hs[k] = Math.max(x1 - x0, y1 - y0) / 2;
    }
  }
  // grid index over anchors: CSR (cellStart, items)
  var gx0 = Infinity, gy0 = Infinity, gx1 = -Infinity, gy1 = -Infinity, maxHs = 0;
  for (var a = 0; a < n; a++) {
    if (cx[a] < gx0) { gx0 = cx[a]; } if (cx[a] > gx1) { gx1 = cx[a]; }
    if (cy[a] < gy0) { gy0 = cy[a]; } if (cy[a] > gy1) { gy1 = cy[a]; }
    if (hs && hs[a] > maxHs) { maxHs = hs[a]; }
  }
  var cell = Math.sqrt((gx1 - gx0) * (gy1 - gy0) / Math.max(1, n / 4)) || 1;
  var gnx = Math.floor((gx1 - gx0) / cell) + 1, gny = Math.floor((gy1 - gy0) / cell) + 1;
  var cellOf = new Int32Array(n), start = new Int32Array(gnx * gny + 1), items = new Int32Array(n);
  for (var b = 0; b < n; b++) {
    var c = Math.floor((cy[b] - gy0) / cell) * gnx + Math.floor((cx[b] - gx0) / cell);
    cellOf[b] = c; start[c + 1]++;
  }
  for (var q = 0; q < gnx * gny; q++) { start[q + 1] += start[q]; }
  var fill = start.slice(0, gnx * gny);
  for (var e = 0; e < n; e++) { items[fill[cellOf[e]]++] = e; }
  cellOf = fill = null;
  P.mark('arrays_ready');

  function inPoly(k, px, py) {
    var inside = false, a0 = off[k], a1 = off[k + 1];
    for (var i = a0, j = a1 - 1; i < a1; j = i++) {
      if ((wy[i] > py) !== (wy[j] > py) &&
          px < (wx[j] - wx[i]) * (py - wy[i]) / (wy[j] - wy[i]) + wx[i]) { inside = !inside; }
    }
    return inside;
  }
  // feature index at a LatLng, within rPx screen pixels for points
  function pick(latlng, rPx) {
    var w = map.project(latlng, 0), z = Math.pow(2, map.getZoom());
    var r = isPts ? rPx / z : maxHs, best = null, bestD = Infinity;
    var i0 = Math.max(0, Math.floor((w.x - r - gx0) / cell)), i1 = Math.min(gnx - 1, Math.floor((w.x + r - gx0) / cell));
    var j0 = Math.max(0, Math.floor((w.y - r - gy0) / cell)), j1 = Math.min(gny - 1, Math.floor((w.y + r - gy0) / cell));
    for (var j = j0; j <= j1; j++) {
      for (var i = i0; i <= i1; i++) {
        var c = j * gnx + i;
        for (var t = start[c]; t < start[c + 1]; t++) {
          var k = items[t];
          if (isPts) {
            var dd = (cx[k] - w.x) * (cx[k] - w.x) + (cy[k] - w.y) * (cy[k] - w.y);
            if (dd <= r * r && dd < bestD) { bestD = dd; best = k; }
          } else if (inPoly(k, w.x, w.y)) { best = k; }
        }
      }
    }
    return best;
  }

  var TypedCanvasLayer = L.Layer.extend({
    onAdd: function (m) {
      this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-animated');
      this._canvas.style.pointerEvents = 'none';
      this.getPane().appendChild(this._canvas);
      m.on('moveend resize', this._reset, this);
      if (m.options.zoomAnimation && L.Browser.any3d) { m.on('zoomanim', this._animZoom, this); }
      this._reset();
    },
    onRemove: function (m) {
      m.off('moveend resize', this._reset, this);
      m.off('zoomanim', this._animZoom, this);
      L.DomUtil.remove(this._canvas);
    },
    _animZoom: function (ev) {  // same transform Leaflet's renderers apply, from public methods
      var m = this._map, scale = m.getZoomScale(ev.zoom), half = m.getSize().divideBy(2);
      var tl = m.containerPointToLatLng([0, 0]);
      var pos = m.project(tl, ev.zoom).subtract(m.project(ev.center, ev.zoom)).add(half)
        .subtract(m.layerPointToContainerPoint([0, 0]));
      L.DomUtil.setTransform(this._canvas, pos, scale);
    },
    _reset: function () {
      var m = this._map, size = m.getSize(), dpr = window.devicePixelRatio || 1;
      var tl = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, tl);
      this._canvas.width = Math.round(size.x * dpr); this._canvas.height = Math.round(size.y * dpr);
      this._canvas.style.width = size.x + 'px'; this._canvas.style.height = size.y + 'px';
      var po = m.getPixelOrigin();
      this._draw(Math.pow(2, m.getZoom()) * dpr, (po.x + tl.x) * dpr, (po.y + tl.y) * dpr);
    },
    _draw: function (z, ox, oy) {
      var cv = this._canvas, W = cv.width, H = cv.height, ctx = cv.getContext('2d');
      ctx.clearRect(0, 0, W, H);
      var img = null, px32 = null, big = 0;
      // ABGR little-endian: points red-ish, polygons blue-ish
      var col = isPts ? ((200 << 24) | (40 << 16) | (40 << 8) | 200) >>> 0 : ((200 << 24) | (200 << 16) | (90 << 8) | 30) >>> 0;
      function plot(X, Y, sz) {
        if (!img) { img = ctx.createImageData(W, H); px32 = new Uint32Array(img.data.buffer); }
        for (var dy = 0; dy < sz; dy++) {
          var yy = Y + dy; if (yy < 0 || yy >= H) { continue; }
          for (var dx = 0; dx < sz; dx++) { var xx = X + dx; if (xx >= 0 && xx < W) { px32[yy * W + xx] = col; } }
        }
      }
      if (isPts) {
        for (var i = 0; i < n; i++) {
          var X = (cx[i] * z - ox) | 0, Y = (cy[i] * z - oy) | 0;
          if (X >= -1 && Y >= -1 && X < W && Y < H) { plot(X - 1, Y - 1, 3); }
        }
        if (img) { ctx.putImageData(img, 0, 0); }
      } else {
        var path = new Path2D();
        for (var k = 0; k < n; k++) {
          var r = hs[k] * z, X2 = cx[k] * z - ox, Y2 = cy[k] * z - oy;
          if (X2 + r < 0 || Y2 + r < 0 || X2 - r > W || Y2 - r > H) { continue; }
          if (r < 1) { plot(X2 | 0, Y2 | 0, 1); continue; }
          big++;
          var v0 = off[k];
          path.moveTo(wx[v0] * z - ox, wy[v0] * z - oy);
          for (var v = v0 + 1; v < off[k + 1]; v++) { path.lineTo(wx[v] * z - ox, wy[v] * z - oy); }
          path.closePath();
        }
        if (img) { ctx.putImageData(img, 0, 0); }
        if (big) { ctx.fillStyle = 'rgba(30,90,200,0.7)'; ctx.fill(path); }
      }
      P.drew();
    },
  });
  P.ready = true;
  var layer = new TypedCanvasLayer({ pane: 'overlayPane' });
  map.addLayer(layer);
  P.mark('layer_added');
  map.on('click', function (ev) { P.picked.click = pick(ev.latlng, 4); });
  map.on('mousemove', function (ev) { P.picked.hover = pick(ev.latlng, 4); });
  P.pickAt = function (x, y) { return pick(map.containerPointToLatLng([x, y]), 4); };
})().catch(function (e) { window.__probe.errors.push('candidate: ' + (e && e.stack || e)); });
