// Big layers drawn on a canvas from the binary geometry of geo.packed (no per-feature objects).
// Public Leaflet API only: L.Layer, getPane, getSize, getZoom, getPixelOrigin, project,
// containerPointToLayerPoint, layerPointToContainerPoint, containerPointToLatLng, getZoomScale,
// DomUtil.setPosition/setTransform, map events, L.tooltip/L.popup. Web Mercator (EPSG:3857) only.
(function () {
  'use strict';
  if (L.ChengyuPacked) { return; }
  var D = Math.PI / 180;

  function bytesOf(text) {
    text = text.replace(/\s+/g, '');
    if (Uint8Array.fromBase64) { return Uint8Array.fromBase64(text); }
    var bin = atob(text), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function gunzip(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  // Four byte planes back to uint32 values; with delta, zig-zag differences back to int32 values.
  function unplanes(u8, n, delta) {
    var out = delta ? new Int32Array(n) : new Uint32Array(n), acc = 0;
    for (var i = 0; i < n; i++) {
      var z = (u8[i] | (u8[n + i] << 8) | (u8[2 * n + i] << 16) | (u8[3 * n + i] << 24)) >>> 0;
      if (delta) { acc = (acc + ((z >>> 1) ^ -(z & 1))) | 0; out[i] = acc; } else { out[i] = z; }
    }
    return out;
  }

  // counts per item -> offsets (length items + 1); a level left out counts 1 for each item
  function offsetsOf(counts, items) {
    var off = new Int32Array(items + 1);
    for (var i = 0; i < items; i++) { off[i + 1] = off[i] + (counts ? counts[i] : 1); }
    return off;
  }

  // The layer's geometry: world pixels at zoom 0 (256 px world), offsets per level, and per feature
  // its bounding box centre and half size (for culling and picking).
  function decode(meta, raw) {
    var arrays = {};
    meta.arrays.forEach(function (a) {
      arrays[a.name] = unplanes(raw.subarray(a.offset, a.offset + 4 * a.length), a.length,
                                a.encoding === 'delta-zigzag-planes4');
    });
    var nv = meta.vertices, g = meta.grid, ox = meta.origin[0], oy = meta.origin[1];
    var wx = new Float64Array(nv), wy = new Float64Array(nv);
    for (var i = 0; i < nv; i++) {
      var s = Math.sin((oy + arrays.y[i] * g) * D);
      wx[i] = 256 * (0.5 + (ox + arrays.x[i] * g) / 360);
      wy[i] = 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
    }
    var levels = {}, items = meta.count;
    meta.levels.forEach(function (name) {
      levels[name] = offsetsOf(arrays[name], items);
      items = levels[name][items];
    });
    // each feature's first and last vertex (through every level)
    var n = meta.count, first = new Int32Array(n + 1);
    for (var f = 0; f <= n; f++) {
      var k = f;
      meta.levels.forEach(function (name) { k = levels[name][k]; });
      first[f] = k;
    }
    var cx = new Float64Array(n), cy = new Float64Array(n), hs = new Float32Array(n);
    for (var e = 0; e < n; e++) {
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var v = first[e]; v < first[e + 1]; v++) {
        if (wx[v] < x0) { x0 = wx[v]; } if (wx[v] > x1) { x1 = wx[v]; }
        if (wy[v] < y0) { y0 = wy[v]; } if (wy[v] > y1) { y1 = wy[v]; }
      }
      cx[e] = (x0 + x1) / 2; cy[e] = (y0 + y1) / 2; hs[e] = Math.max(x1 - x0, y1 - y0) / 2;
    }
    return { kind: meta.kind, n: n, wx: wx, wy: wy, levels: levels, first: first, cx: cx, cy: cy, hs: hs };
  }

  // A grid over the features' centres (CSR: start per cell, items), to find what is under a point.
  function gridOf(d) {
    var n = d.n, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, maxHs = 0;
    for (var a = 0; a < n; a++) {
      if (d.cx[a] < x0) { x0 = d.cx[a]; } if (d.cx[a] > x1) { x1 = d.cx[a]; }
      if (d.cy[a] < y0) { y0 = d.cy[a]; } if (d.cy[a] > y1) { y1 = d.cy[a]; }
      if (d.hs[a] > maxHs) { maxHs = d.hs[a]; }
    }
    var cell = Math.sqrt(Math.max((x1 - x0) * (y1 - y0), 1e-18) / Math.max(1, n / 4)) || 1;
    var nx = Math.floor((x1 - x0) / cell) + 1, ny = Math.floor((y1 - y0) / cell) + 1;
    var of = new Int32Array(n), start = new Int32Array(nx * ny + 1), items = new Int32Array(n);
    for (var b = 0; b < n; b++) {
      var c = Math.floor((d.cy[b] - y0) / cell) * nx + Math.floor((d.cx[b] - x0) / cell);
      of[b] = c; start[c + 1]++;
    }
    for (var q = 0; q < nx * ny; q++) { start[q + 1] += start[q]; }
    var fill = start.slice(0, nx * ny);
    for (var e = 0; e < n; e++) { items[fill[of[e]]++] = e; }
    return { x0: x0, y0: y0, cell: cell, nx: nx, ny: ny, start: start, items: items, maxHs: maxHs };
  }

  // Even-odd crossings of the horizontal ray from (px, py) with the rings of polygon feature f.
  function inside(d, f, px, py) {
    var parts = d.levels.parts, rings = d.levels.rings, verts = d.levels.vertices, within = false;
    for (var r = rings[parts[f]]; r < rings[parts[f + 1]]; r++) {
      for (var i = verts[r], j = verts[r + 1] - 1; i < verts[r + 1]; j = i++) {
        if ((d.wy[i] > py) !== (d.wy[j] > py) &&
            px < (d.wx[j] - d.wx[i]) * (py - d.wy[i]) / (d.wy[j] - d.wy[i]) + d.wx[i]) { within = !within; }
      }
    }
    return within;
  }

  function nearLine(d, f, px, py, r) {
    var parts = d.levels.parts, verts = d.levels.vertices;
    for (var l = parts[f]; l < parts[f + 1]; l++) {
      for (var v = verts[l]; v < verts[l + 1] - 1; v++) {
        var ax = d.wx[v], ay = d.wy[v], bx = d.wx[v + 1] - ax, by = d.wy[v + 1] - ay;
        var t = Math.max(0, Math.min(1, ((px - ax) * bx + (py - ay) * by) / (bx * bx + by * by || 1)));
        var ex = ax + t * bx - px, ey = ay + t * by - py;
        if (ex * ex + ey * ey <= r * r) { return true; }
      }
    }
    return false;
  }

  L.ChengyuPacked = L.Layer.extend({
    options: {
      pane: 'overlayPane', color: '#e41a1c', fillColor: '#e41a1c', weight: 1.5, fillOpacity: 0.35,
      radius: 4, cellPx: 48, maxPoints: 20000, maxCircles: 2000, popups: true,
    },

    // meta: geo.packed's Packed.meta(); dataId/tipsId: ids of the <script> elements holding the
    // base64 payload and the JSON list of pre-escaped tooltip HTML (in packed order).
    initialize: function (meta, dataId, tipsId, options) {
      L.setOptions(this, options);
      this.meta = meta;
      this.count = meta.count;
      this._data = null; this._tips = null;
      var self = this;
      this.ready = gunzip(bytesOf(document.getElementById(dataId).textContent)).then(function (raw) {
        self._data = decode(meta, raw);
        self._grid = gridOf(self._data);
        document.getElementById(dataId).textContent = '';  // the text is no longer needed
        if (self._map) { self._reset(); }
        self.fire('ready');
        return self;
      });
      // the tooltips (compressed JSON) are read once the layer is drawn, before anyone can point at it
      this.tipsReady = !tipsId ? Promise.resolve(null) : this.ready.then(function () {
        var el = document.getElementById(tipsId);
        return gunzip(bytesOf(el.textContent)).then(function (raw) {
          self._tips = JSON.parse(new TextDecoder().decode(raw));
          el.textContent = '';
          return self._tips;
        });
      });
    },

    onAdd: function (map) {
      if (map.options.crs !== L.CRS.EPSG3857) { throw new Error('packed layers need Web Mercator'); }
      this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-animated chengyu-packed');
      this._canvas.style.pointerEvents = 'none';
      this.getPane().appendChild(this._canvas);
      map.on('moveend resize', this._reset, this);
      map.on('zoomanim', this._animZoom, this);
      // DOM events of the map's container, not the map's own: Leaflet gives the map a click or a
      // mouse move only when no layer (a district with its popup) takes it.
      L.DomEvent.on(map.getContainer(), this._domEvents(), this);
      this._tooltip = L.tooltip({ sticky: true, direction: 'top', offset: [0, -6] });
      this._reset();
    },

    onRemove: function (map) {
      map.off('moveend resize', this._reset, this);
      map.off('zoomanim', this._animZoom, this);
      L.DomEvent.off(map.getContainer(), this._domEvents(), this);
      this._unhover();
      L.DomUtil.remove(this._canvas);
    },

    _animZoom: function (ev) {  // the transform Leaflet's own renderers apply, from public methods
      var m = this._map, scale = m.getZoomScale(ev.zoom), half = m.getSize().divideBy(2);
      var pos = m.project(m.containerPointToLatLng([0, 0]), ev.zoom).subtract(m.project(ev.center, ev.zoom))
        .add(half).subtract(m.layerPointToContainerPoint([0, 0]));
      L.DomUtil.setTransform(this._canvas, pos, scale);
    },

    _reset: function () {
      var m = this._map;
      if (!m) { return; }
      var size = m.getSize(), dpr = window.devicePixelRatio || 1, tl = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, tl);
      var w = Math.round(size.x * dpr), h = Math.round(size.y * dpr);
      if (this._canvas.width !== w || this._canvas.height !== h) {  // a new size costs a new canvas
        this._canvas.width = w; this._canvas.height = h;
        this._canvas.style.width = size.x + 'px'; this._canvas.style.height = size.y + 'px';
      }
      var po = m.getPixelOrigin();
      this._view = { z: Math.pow(2, m.getZoom()), dpr: dpr, ox: po.x + tl.x, oy: po.y + tl.y };
      this._draw();
    },

    // Points in view beyond maxPoints are drawn as cells of cellPx with their counts: every point
    // in view is in exactly one cell, so the cells' counts add up to what is in view.
    _cells: function () {
      var d = this._data, v = this._view, W = this._canvas.width / v.dpr, H = this._canvas.height / v.dpr;
      var c = this.options.cellPx, nx = Math.ceil(W / c), ny = Math.ceil(H / c), inView = 0;
      var counts = new Int32Array(nx * ny), sx = new Float64Array(nx * ny), sy = new Float64Array(nx * ny);
      for (var i = 0; i < d.n; i++) {
        var X = d.cx[i] * v.z - v.ox, Y = d.cy[i] * v.z - v.oy;
        if (X < 0 || Y < 0 || X >= W || Y >= H) { continue; }
        var k = Math.floor(Y / c) * nx + Math.floor(X / c);
        counts[k]++; sx[k] += X; sy[k] += Y; inView++;
      }
      return { nx: nx, counts: counts, sx: sx, sy: sy, inView: inView };
    },

    _draw: function () {
      var d = this._data, cv = this._canvas, ctx = cv.getContext('2d'), o = this.options, v = this._view;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, cv.width, cv.height);
      if (!d) { return; }
      ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
      var W = cv.width / v.dpr, H = cv.height / v.dpr, z = v.z, ox = v.ox, oy = v.oy;
      this.drawn = 0; this.cells = null;
      if (d.kind === 'point') {
        var cells = this._cells();
        if (cells.inView > o.maxPoints) { this._drawCells(ctx, cells); return; }
        if (cells.inView > o.maxCircles) { this._drawDots(); return; }
        ctx.beginPath();
        for (var i = 0; i < d.n; i++) {
          var X = d.cx[i] * z - ox, Y = d.cy[i] * z - oy;
          if (X < -o.radius || Y < -o.radius || X > W + o.radius || Y > H + o.radius) { continue; }
          for (var p = d.first[i]; p < d.first[i + 1]; p++) {
            var px = d.wx[p] * z - ox, py = d.wy[p] * z - oy;
            ctx.moveTo(px + o.radius, py); ctx.arc(px, py, o.radius, 0, 2 * Math.PI);
          }
          this.drawn++;
        }
        this._paint(ctx, true);
        return;
      }
      // Features under a pixel are set as pixels, straight into the canvas's image (a path of
      // 70,000 specks took Chromium 0.5 s to stroke and 0.13 s to fill in the next frame); the
      // others are paths in the context itself (no Path2D to collect), filled, then stroked.
      var lv = d.levels, polygon = d.kind === 'polygon', dpr = v.dpr, big = [];
      var ringsOf = polygon ? lv.rings : lv.parts, verts = lv.vertices, img = null, pixels = null;
      var Wd = cv.width, Hd = cv.height, colour = this._pixelColour();
      for (var f = 0; f < d.n; f++) {
        var r = d.hs[f] * z, cx = d.cx[f] * z - ox, cy = d.cy[f] * z - oy;
        if (cx + r < 0 || cy + r < 0 || cx - r > W || cy - r > H) { continue; }
        this.drawn++;
        if (r >= 0.75) { big.push(f); continue; }
        if (!img) { img = ctx.createImageData(Wd, Hd); pixels = new Uint32Array(img.data.buffer); }
        var X = Math.floor(cx * dpr), Y = Math.floor(cy * dpr);
        if (X >= 0 && Y >= 0 && X < Wd && Y < Hd) { pixels[Y * Wd + X] = colour; }
      }
      if (img) { ctx.putImageData(img, 0, 0); }
      ctx.beginPath();
      for (var k = 0; k < big.length; k++) {
        var g = big[k], a = polygon ? lv.parts[g] : g, b = polygon ? lv.parts[g + 1] : g + 1;
        for (var ring = ringsOf[a]; ring < ringsOf[b]; ring++) {
          var v0 = verts[ring], v1 = verts[ring + 1];
          ctx.moveTo(d.wx[v0] * z - ox, d.wy[v0] * z - oy);
          for (var w = v0 + 1; w < v1; w++) { ctx.lineTo(d.wx[w] * z - ox, d.wy[w] * z - oy); }
          if (polygon) { ctx.closePath(); }
        }
      }
      if (big.length) { this._paint(ctx, polygon); }
    },

    // Many points: a square of 3 device pixels each, set straight into the canvas's image
    // (thousands of stroked circles cost Chromium ~0.1 s to raster in the next frame).
    _drawDots: function () {
      var d = this._data, v = this._view, cv = this._canvas, ctx = cv.getContext('2d');
      var Wd = cv.width, Hd = cv.height, img = ctx.createImageData(Wd, Hd), pixels = new Uint32Array(img.data.buffer);
      var colour = this._pixelColour(), edge = 0xff222222;
      for (var i = 0; i < d.n; i++) {
        var shown = false;
        for (var p = d.first[i]; p < d.first[i + 1]; p++) {
          var X = Math.floor((d.wx[p] * v.z - v.ox) * v.dpr), Y = Math.floor((d.wy[p] * v.z - v.oy) * v.dpr);
          if (X < 0 || Y < 0 || X >= Wd || Y >= Hd) { continue; }
          for (var dy = Math.max(-1, -Y); dy <= Math.min(1, Hd - 1 - Y); dy++) {
            for (var dx = Math.max(-1, -X); dx <= Math.min(1, Wd - 1 - X); dx++) {
              pixels[(Y + dy) * Wd + X + dx] = dx || dy ? edge : colour;
            }
          }
          shown = true;
        }
        if (shown) { this.drawn++; }
      }
      ctx.putImageData(img, 0, 0);
    },

    // The fill colour as one pixel of an ImageData (RGBA bytes, little-endian), a little more
    // opaque than the fill so that a speck still shows.
    _pixelColour: function () {
      var hex = /^#([0-9a-f]{6})$/i.exec(this.options.fillColor), n = hex ? parseInt(hex[1], 16) : 0xe41a1c;
      var alpha = Math.round(255 * Math.max(this.options.fillOpacity, 0.6));
      return ((alpha << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
    },

    // Fill (holes by the even-odd rule) and stroke the context's current path.
    _paint: function (ctx, fill) {
      var o = this.options;
      if (fill) { ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = o.fillColor; ctx.fill('evenodd'); }
      ctx.globalAlpha = 1; ctx.strokeStyle = this.meta.kind === 'point' ? '#222' : o.color;
      ctx.lineWidth = this.meta.kind === 'point' ? 1 : o.weight;
      ctx.stroke();
    },

    _drawCells: function (ctx, cells) {
      var o = this.options, max = 1;
      for (var k = 0; k < cells.counts.length; k++) { if (cells.counts[k] > max) { max = cells.counts[k]; } }
      ctx.font = '11px sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      var list = [];
      for (var c = 0; c < cells.counts.length; c++) {
        var n = cells.counts[c];
        if (!n) { continue; }
        var X = cells.sx[c] / n, Y = cells.sy[c] / n, r = 6 + 16 * Math.sqrt(n / max);
        list.push([X, Y, r, n]);
        ctx.globalAlpha = 0.75; ctx.fillStyle = o.fillColor;
        ctx.beginPath(); ctx.arc(X, Y, r, 0, 2 * Math.PI); ctx.fill();
        ctx.globalAlpha = 1; ctx.strokeStyle = '#fff'; ctx.lineWidth = 1; ctx.stroke();
        ctx.fillStyle = '#fff'; ctx.fillText(n >= 10000 ? Math.round(n / 1000) + 'k' : String(n), X, Y);
      }
      this.cells = list;
      this.drawn = cells.inView;
    },

    // What is under a container point: {cell: [x, y, r, count]} where points are drawn as cells,
    // else {features: [indices in packed order, nearest first]} (several points can share a spot),
    // or null.
    pickAt: function (point) {
      var d = this._data, v = this._view;
      if (!d || !v) { return null; }
      if (this.cells) {
        for (var c = 0; c < this.cells.length; c++) {
          var e = this.cells[c], dx = e[0] - point.x, dy = e[1] - point.y;
          if (dx * dx + dy * dy <= e[2] * e[2]) { return { cell: e }; }
        }
        return null;
      }
      var g = this._grid, wx = (point.x + v.ox) / v.z, wy = (point.y + v.oy) / v.z;
      var reach = (this.options.radius + 2) / v.z, r = g.maxHs + reach;
      var i0 = Math.max(0, Math.floor((wx - r - g.x0) / g.cell)), i1 = Math.min(g.nx - 1, Math.floor((wx + r - g.x0) / g.cell));
      var j0 = Math.max(0, Math.floor((wy - r - g.y0) / g.cell)), j1 = Math.min(g.ny - 1, Math.floor((wy + r - g.y0) / g.cell));
      var hits = [];
      for (var j = j0; j <= j1; j++) {
        for (var i = i0; i <= i1; i++) {
          var cell = j * g.nx + i;
          for (var t = g.start[cell]; t < g.start[cell + 1]; t++) {
            var f = g.items[t], ddx = d.cx[f] - wx, ddy = d.cy[f] - wy, dd = ddx * ddx + ddy * ddy;
            if (Math.abs(ddx) > d.hs[f] + reach || Math.abs(ddy) > d.hs[f] + reach) { continue; }
            if (d.kind === 'polygon' ? inside(d, f, wx, wy) :
              d.kind === 'line' ? nearLine(d, f, wx, wy, reach) : dd <= (d.hs[f] + reach) * (d.hs[f] + reach)) {
              hits.push([dd, f]);
            }
          }
        }
      }
      if (!hits.length) { return null; }
      hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      return { features: hits.map(function (h) { return h[1]; }) };
    },

    // The HTML for a hit: the features' own (pre-escaped) tooltips, at most `most` of them.
    htmlOf: function (hit, most) {
      if (hit.cell) { return '<b>' + hit.cell[3].toLocaleString('en') + '</b> points here; zoom in to see them'; }
      if (!this._tips) { return null; }
      var tips = this._tips, shown = hit.features.slice(0, most), more = hit.features.length - shown.length;
      return shown.map(function (f) { return tips[f]; }).join('<hr class="chengyu-between">') +
        (more > 0 ? '<div class="chengyu-more">and ' + more.toLocaleString('en') + ' more here</div>' : '');
    },

    _domEvents: function () {
      return { mousemove: this._hover, mousedown: this._down, click: this._click, mouseleave: this._unhover };
    },

    // Where a mouse event is on the map, or null when it is over a control, a popup or a tooltip.
    _where: function (e) {
      var t = e.target;
      if (t && t.closest && t.closest('.leaflet-control, .leaflet-popup, .leaflet-tooltip')) { return null; }
      var point = this._map.mouseEventToContainerPoint(e);
      return { point: point, latlng: this._map.containerPointToLatLng(point) };
    },

    _hover: function (e) {
      var at = this._where(e), hit = at && this.pickAt(at.point), html = hit && this.htmlOf(hit, 3);
      if (!html) { this._unhover(); return; }
      this._tooltip.setLatLng(at.latlng).setContent(html);
      if (!this._map.hasLayer(this._tooltip)) { this._tooltip.addTo(this._map); }
      this.fire('chengyu:hover', hit);
    },

    _unhover: function () {
      if (this._map && this._map.hasLayer(this._tooltip)) { this._map.removeLayer(this._tooltip); }
    },

    _down: function (e) { this._downAt = [e.clientX, e.clientY]; },

    _click: function (e) {
      var d = this._downAt, at = this._where(e);
      // a drag of the map ends in a click too: not ours
      if (!at || (d && Math.abs(d[0] - e.clientX) + Math.abs(d[1] - e.clientY) > 4)) { return; }
      var hit = this.pickAt(at.point), ev = { latlng: at.latlng };
      if (!hit) { return; }
      this.fire('chengyu:click', hit);
      if (hit.cell) {
        this._map.setView(this._map.containerPointToLatLng([hit.cell[0], hit.cell[1]]), this._map.getZoom() + 2);
        return;
      }
      var html = this.options.popups && this.htmlOf(hit, 20);
      if (html) { L.popup({ maxWidth: 360 }).setLatLng(ev.latlng).setContent(html).openOn(this._map); }
    },
  });

  L.chengyuPacked = function (meta, dataId, tipsId, options) {
    return new L.ChengyuPacked(meta, dataId, tipsId, options);
  };
})();
