// Layers drawn on a canvas from the binary geometry of geo.packed (no per-feature objects).
// Every packed layer of a map draws, in the order the page made them, into one canvas the map
// shares between them, redrawn at each move; one tooltip and one pointer handler serve them all
// (the topmost layer with a feature under the pointer answers), as SVG elements stacked in a
// pane would. Public Leaflet API only: L.Layer, map.getPanes, getSize, getZoom,
// getPixelOrigin, project, containerPointToLayerPoint, layerPointToContainerPoint,
// containerPointToLatLng, mouseEventToContainerPoint, getZoomScale, DomUtil.setPosition/
// setTransform, map events, L.tooltip/L.popup. Web Mercator (EPSG:3857) only.
(function () {
  'use strict';
  if (L.ChengyuPacked) { return; }
  var D = Math.PI / 180, PAD = 0.1, made = 0, hubs = [];

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

  // A source is {inline: value} (read at once: small layers draw in the frame the map is made in)
  // or {id: element id} of a <script> holding base64 gzip (read asynchronously: big layers).
  function readSource(source, binary) {
    if (!source) { return Promise.resolve(null); }
    if (!source.id) { return Promise.resolve(binary ? bytesOf(source.inline) : source.inline); }
    var el = document.getElementById(source.id);
    return gunzip(bytesOf(el.textContent)).then(function (raw) {
      el.textContent = '';  // the text is no longer needed
      return binary ? raw : JSON.parse(new TextDecoder().decode(raw));
    });
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

  // The layer's geometry: world pixels at zoom 0 (256 px world) relative to (X0, Y0), offsets per
  // level, each feature's first vertex, and its bounding box centre and half size (for culling and
  // picking). geo.packed's "world" form is all of these already: typed arrays over its bytes.
  function decode(meta, raw) {
    if (meta.encoding === 'world') {
      var v = {}, levels = {};
      meta.arrays.forEach(function (a) {
        v[a.name] = new (a.type === 'f32' ? Float32Array : Int32Array)(raw.buffer, raw.byteOffset + a.offset, a.length);
      });
      meta.levels.forEach(function (name) { levels[name] = v[name]; });
      return { kind: meta.kind, n: meta.count, wx: v.x, wy: v.y, X0: meta.origin_px[0], Y0: meta.origin_px[1],
               levels: levels, first: firstVertices(meta, levels), cx: v.cx, cy: v.cy, hs: v.hs };
    }
    return decodeCompact(meta, raw);
  }

  // each feature's first vertex (and the end of the last one), through every level
  function firstVertices(meta, levels) {
    var n = meta.count, first = new Int32Array(n + 1);
    for (var f = 0; f <= n; f++) {
      var k = f;
      for (var l = 0; l < meta.levels.length; l++) { k = levels[meta.levels[l]][k]; }
      first[f] = k;
    }
    return first;
  }

  function decodeCompact(meta, raw) {
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
    var n = meta.count, first = firstVertices(meta, levels);
    var cx = new Float64Array(n), cy = new Float64Array(n), hs = new Float32Array(n);
    for (var e = 0; e < n; e++) {
      var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (var v = first[e]; v < first[e + 1]; v++) {
        if (wx[v] < x0) { x0 = wx[v]; } if (wx[v] > x1) { x1 = wx[v]; }
        if (wy[v] < y0) { y0 = wy[v]; } if (wy[v] > y1) { y1 = wy[v]; }
      }
      cx[e] = (x0 + x1) / 2; cy[e] = (y0 + y1) / 2; hs[e] = Math.max(x1 - x0, y1 - y0) / 2;
    }
    return { kind: meta.kind, n: n, wx: wx, wy: wy, X0: 0, Y0: 0, levels: levels, first: first, cx: cx, cy: cy, hs: hs };
  }

  // A grid over the features' centres (CSR: start per cell, items), to find what is under a point.
  function gridOf(d) {
    var n = d.n, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, maxHs = 0;
    for (var a = 0; a < n; a++) {
      if (d.cx[a] < x0) { x0 = d.cx[a]; } if (d.cx[a] > x1) { x1 = d.cx[a]; }
      if (d.cy[a] < y0) { y0 = d.cy[a]; } if (d.cy[a] > y1) { y1 = d.cy[a]; }
      if (d.hs[a] > maxHs) { maxHs = d.hs[a]; }
    }
    // about four features a cell; features along one line (no area) get cells along it
    var w = x1 - x0, h = y1 - y0, per = Math.max(1, n / 4);
    var cell = Math.max(Math.sqrt(w * h / per), Math.max(w, h) / per) || 1;
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

  // The ranges of vertices [v0, v1) of feature f's rings (polygons) or lines, and whether they close.
  function eachRing(d, f, fn) {
    var lv = d.levels, polygon = d.kind === 'polygon', a = polygon ? lv.parts[f] : f, b = polygon ? lv.parts[f + 1] : f + 1;
    var rings = polygon ? lv.rings : lv.parts;
    for (var r = rings[a]; r < rings[b]; r++) {
      if (fn(lv.vertices[r], lv.vertices[r + 1], polygon)) { return true; }
    }
    return false;
  }

  // Even-odd crossings of the horizontal ray from (px, py) with the rings of polygon feature f.
  function inside(d, f, px, py) {
    var within = false;
    eachRing(d, f, function (v0, v1) {
      for (var i = v0, j = v1 - 1; i < v1; j = i++) {
        if ((d.wy[i] > py) !== (d.wy[j] > py) &&
            px < (d.wx[j] - d.wx[i]) * (py - d.wy[i]) / (d.wy[j] - d.wy[i]) + d.wx[i]) { within = !within; }
      }
    });
    return within;
  }

  // Whether (px, py) is within r of feature f's lines or ring edges.
  function nearEdge(d, f, px, py, r) {
    return eachRing(d, f, function (v0, v1, closed) {
      for (var v = v0; v < v1 - (closed ? 0 : 1); v++) {
        var w = v + 1 < v1 ? v + 1 : v0, ax = d.wx[v], ay = d.wy[v], bx = d.wx[w] - ax, by = d.wy[w] - ay;
        var t = Math.max(0, Math.min(1, ((px - ax) * bx + (py - ay) * by) / (bx * bx + by * by || 1)));
        var ex = ax + t * bx - px, ey = ay + t * by - py;
        if (ex * ex + ey * ey <= r * r) { return true; }
      }
      return false;
    });
  }

  // "#rrggbb" as one ImageData pixel (RGBA bytes, little-endian) of the given opacity.
  function pixelOf(hex, opacity) {
    var m = /^#([0-9a-f]{6})$/i.exec(hex), n = m ? parseInt(m[1], 16) : 0xe41a1c;
    return ((Math.round(255 * opacity) << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
  }

  // --- the map's side: one canvas, one tooltip, one pointer handler for every packed layer -------

  function Hub(map) {
    this.map = map; this.layers = []; this.drawn = 0;
    this.canvas = L.DomUtil.create('canvas', 'leaflet-zoom-animated chengyu-packed');
    this.canvas.style.pointerEvents = 'none';
    map.getPanes().overlayPane.appendChild(this.canvas);
    this.tooltip = L.tooltip({ sticky: true, direction: 'top', offset: [0, -6] });
    map.on('moveend resize', this.reset, this);
    map.on('zoomanim', this.animZoom, this);
    // DOM events of the map's container, not the map's own: Leaflet gives the map a click or a
    // mouse move only when no layer of its own (an SVG path, a marker) takes it.
    L.DomEvent.on(map.getContainer(), {
      mousemove: this.hover, mousedown: this.down, click: this.click, mouseleave: this.unhover,
    }, this);
  }

  function hubOf(map) {
    for (var i = 0; i < hubs.length; i++) { if (hubs[i].map === map) { return hubs[i]; } }
    hubs.push(new Hub(map));
    return hubs[hubs.length - 1];
  }

  Hub.prototype = {
    add: function (layer) {
      this.layers.push(layer);
      this.layers.sort(function (a, b) { return a.made - b.made; });  // the page's order, however toggled
      this.later();
    },

    remove: function (layer) {
      this.layers = this.layers.filter(function (l) { return l !== layer; });
      this.unhover();
      this.later();
    },

    // One redraw for everything a script does at once: the layers a page adds, then their inline
    // geometry (read in microtasks queued before this one), are drawn together before the frame.
    later: function () {
      if (this.pending) { return; }
      this.pending = true;
      var self = this;
      queueMicrotask(function () { self.pending = false; self.reset(); });
    },

    animZoom: function (ev) {  // the transform Leaflet's own renderers apply, from public methods
      var m = this.map, scale = m.getZoomScale(ev.zoom), b = this.bounds;
      var pos = m.project(m.containerPointToLatLng(b.min), ev.zoom).subtract(m.project(ev.center, ev.zoom))
        .add(m.getSize().divideBy(2)).subtract(m.layerPointToContainerPoint([0, 0]));
      L.DomUtil.setTransform(this.canvas, pos, scale);
      if (this.lit) { L.DomUtil.setTransform(this.lit, pos, scale); }
    },

    // The canvas covers the map and PAD of its size around it (as Leaflet's renderers do), so a
    // drag shows drawn features up to its end.
    reset: function () {
      var m = this.map, size = m.getSize(), pad = size.multiplyBy(PAD).round();
      var min = pad.multiplyBy(-1), full = size.add(pad.multiplyBy(2)), dpr = window.devicePixelRatio || 1;
      this.bounds = { min: min, size: full };
      var tl = m.containerPointToLayerPoint(min), po = m.getPixelOrigin();
      this.view = { z: Math.pow(2, m.getZoom()), dpr: dpr, ox: po.x + tl.x, oy: po.y + tl.y, W: full.x, H: full.y };
      var fresh = this.size(this.canvas, tl);
      if (this.lit) {  // the outline is redrawn at the next hover
        this.size(this.lit, tl); this.lit.getContext('2d').clearRect(0, 0, this.lit.width, this.lit.height);
        this.litKey = null;
      }
      this.draw(fresh);
    },

    size: function (canvas, tl) {
      var v = this.view, w = Math.round(v.W * v.dpr), h = Math.round(v.H * v.dpr);
      L.DomUtil.setPosition(canvas, tl);
      if (canvas.width === w && canvas.height === h) { return false; }
      canvas.width = w; canvas.height = h;  // a new size costs a new canvas, blank
      canvas.style.width = v.W + 'px'; canvas.style.height = v.H + 'px';
      return true;
    },

    draw: function (blank) {
      var cv = this.canvas, ctx = cv.getContext('2d'), v = this.view;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (!blank) { ctx.clearRect(0, 0, cv.width, cv.height); }
      this.drawn = 0;
      for (var i = 0; i < this.layers.length; i++) {
        var layer = this.layers[i];
        layer.drawn = 0; layer.cells = null;
        if (!layer.data) { continue; }
        ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
        layer.drawOn(ctx, layer.viewOf(v), this);
        this.drawn += layer.drawn;
      }
    },

    // An image of the canvas's size for pixels set one by one, composited over what is drawn
    // (putImageData would replace the layers drawn before).
    pixels: function () {
      var cv = this.canvas;
      if (!this.scratch) { this.scratch = document.createElement('canvas'); }
      this.scratch.width = cv.width; this.scratch.height = cv.height;
      var sctx = this.scratch.getContext('2d'), img = sctx.createImageData(cv.width, cv.height);
      var self = this;
      return {
        data: new Uint32Array(img.data.buffer), width: cv.width, height: cv.height,
        done: function (ctx) {
          sctx.putImageData(img, 0, 0);
          ctx.setTransform(1, 0, 0, 1, 0, 0);
          ctx.drawImage(self.scratch, 0, 0);
          ctx.setTransform(self.view.dpr, 0, 0, self.view.dpr, 0, 0);
        },
      };
    },

    // The topmost layer with a feature (or cell) under a mouse event, or null.
    at: function (e) {
      var t = e.target;
      if (t && t.closest && t.closest('.leaflet-control, .leaflet-popup, .leaflet-tooltip')) { return null; }
      var point = this.map.mouseEventToContainerPoint(e);
      for (var i = this.layers.length - 1; i >= 0; i--) {
        var layer = this.layers[i];
        if (!layer.options.interactive) { continue; }
        var hit = layer.pickAt(point);
        if (hit) { return { layer: layer, hit: hit, latlng: this.map.containerPointToLatLng(point) }; }
      }
      return null;
    },

    hover: function (e) {
      var at = this.at(e), html = at && at.layer.htmlOf(at.hit, 3, false);
      L.DomUtil[at ? 'addClass' : 'removeClass'](this.map.getContainer(), 'chengyu-pointer');
      if (!html) { this.unhover(); return; }
      this.tooltip.setLatLng(at.latlng).setContent(html);
      if (!this.map.hasLayer(this.tooltip)) { this.tooltip.addTo(this.map); }
      this.highlight(at);
      at.layer.fire('chengyu:hover', at.hit);
    },

    unhover: function () {
      if (this.map.hasLayer(this.tooltip)) { this.map.removeLayer(this.tooltip); }
      L.DomUtil.removeClass(this.map.getContainer(), 'chengyu-pointer');
      this.highlight(null);
    },

    // The hovered feature outlined on a canvas of its own above the others (created at the first
    // hover): nothing else is redrawn while the pointer moves.
    highlight: function (at) {
      var f = at && at.hit.features && at.layer.options.highlight ? at.hit.features[0] : null;
      var key = f === null ? null : at.layer.made + ':' + f;
      if (key === this.litKey) { return; }
      this.litKey = key;
      if (!this.lit) {
        if (f === null) { return; }
        this.lit = L.DomUtil.create('canvas', 'leaflet-zoom-animated chengyu-highlight');
        this.lit.style.pointerEvents = 'none';
        this.map.getPanes().overlayPane.appendChild(this.lit);
        this.size(this.lit, this.map.containerPointToLayerPoint(this.bounds.min));
      }
      var ctx = this.lit.getContext('2d'), v = this.view;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.lit.width, this.lit.height);
      if (f === null) { return; }
      ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
      at.layer.outline(ctx, at.layer.viewOf(v), f);
    },

    down: function (e) { this.downAt = [e.clientX, e.clientY]; },

    click: function (e) {
      var d = this.downAt;
      // a drag of the map ends in a click too: not ours
      if (d && Math.abs(d[0] - e.clientX) + Math.abs(d[1] - e.clientY) > 4) { return; }
      var at = this.at(e);
      if (!at) { return; }
      at.layer.fire('chengyu:click', at.hit);
      var cell = at.hit.cell;
      if (cell) {
        this.map.setView(this.map.containerPointToLatLng([cell[0], cell[1]]), this.map.getZoom() + 2);
        return;
      }
      var html = at.layer.options.popups && at.layer.htmlOf(at.hit, 20, true);
      if (html) { L.popup({ maxWidth: 360 }).setLatLng(at.latlng).setContent(html).openOn(this.map); }
    },
  };

  // --- a layer: its geometry, style and texts --------------------------------------------------

  L.ChengyuPacked = L.Layer.extend({
    options: {
      pane: 'overlayPane', color: '#e41a1c', fillColor: '#e41a1c', weight: 1.5, fillOpacity: 0.35,
      opacity: 1, fill: true, dashArray: null, radius: 4, cellPx: 48, maxPoints: 20000, maxCircles: 2000,
      popups: true, interactive: true, highlight: false, fills: null,
    },

    // meta: geo.packed's Packed.meta(); sources: {data, tips, pops}, each a source of readSource
    // (data: the payload's bytes; tips, pops: lists of pre-escaped HTML in packed order).
    initialize: function (meta, sources, options) {
      L.setOptions(this, options);
      this.meta = meta; this.count = meta.count; this.made = made++;
      this.data = null; this.tips = null; this.pops = null; this.drawn = 0;
      var self = this;
      // Inline sources resolve in a microtask, before the browser's next frame.
      this.ready = readSource(sources.data, true).then(function (raw) {
        self.data = decode(meta, raw);
        self.grid = gridOf(self.data);
        if (self.hub) { self.hub.later(); }
        self.fire('ready');
        return self;
      });
      // the texts are read once the layer is drawn, before anyone can point at it
      this.tipsReady = this.ready.then(function () {
        return Promise.all([readSource(sources.tips, false), readSource(sources.pops, false)]);
      }).then(function (texts) {
        self.tips = texts[0]; self.pops = texts[1];
        return self.tips;
      });
    },

    onAdd: function (map) {
      if (map.options.crs !== L.CRS.EPSG3857) { throw new Error('packed layers need Web Mercator'); }
      this.hub = hubOf(map);
      this.hub.add(this);
    },

    onRemove: function () {
      this.hub.remove(this);
      this.hub = null;
    },

    // The map's view for this layer's coordinates (relative to its X0, Y0).
    viewOf: function (v) {
      var d = this.data;
      return { z: v.z, dpr: v.dpr, W: v.W, H: v.H, ox: v.ox - d.X0 * v.z, oy: v.oy - d.Y0 * v.z };
    },

    // [west, south, east, north] of what the layer draws: the map's view and the canvas's margin.
    extent: function () {
      var h = this.hub, m = h.map, nw = m.containerPointToLatLng(h.bounds.min);
      var se = m.containerPointToLatLng(h.bounds.min.add(h.bounds.size));
      return [nw.lng, se.lat, se.lng, nw.lat];
    },

    // Points in view beyond maxPoints are drawn as cells of cellPx with their counts: every point
    // drawn (in the view and its margin, see extent) is in exactly one cell, so the cells' counts
    // add up to the points drawn.
    countCells: function (v) {
      var d = this.data, c = this.options.cellPx, nx = Math.ceil(v.W / c), ny = Math.ceil(v.H / c), inView = 0;
      var counts = new Int32Array(nx * ny), sx = new Float64Array(nx * ny), sy = new Float64Array(nx * ny);
      for (var i = 0; i < d.n; i++) {
        var X = d.cx[i] * v.z - v.ox, Y = d.cy[i] * v.z - v.oy;
        if (X < 0 || Y < 0 || X >= v.W || Y >= v.H) { continue; }
        var k = Math.floor(Y / c) * nx + Math.floor(X / c);
        counts[k]++; sx[k] += X; sy[k] += Y; inView++;
      }
      return { nx: nx, counts: counts, sx: sx, sy: sy, inView: inView };
    },

    drawOn: function (ctx, v, hub) {
      var d = this.data, o = this.options;
      if (d.kind === 'point') {
        var cells = this.countCells(v);
        if (cells.inView > o.maxPoints) { this.drawCells(ctx, cells); } else if (cells.inView > o.maxCircles) {
          this.drawDots(hub.pixels(), v, ctx);
        } else { this.drawCircles(ctx, v); }
        return;
      }
      // Features under a pixel are set as pixels (a path of 70,000 specks took Chromium 0.5 s to
      // stroke and 0.13 s to fill in the next frame); the others are grouped by fill colour.
      var groups = {}, keys = [], specks = null, fills = o.fills, polygon = d.kind === 'polygon';
      var pixel = {};  // a speck's pixel by colour, worked out once a draw (not once a speck)
      for (var f = 0; f < d.n; f++) {
        var r = d.hs[f] * v.z, cx = d.cx[f] * v.z - v.ox, cy = d.cy[f] * v.z - v.oy;
        if (cx + r < 0 || cy + r < 0 || cx - r > v.W || cy - r > v.H) { continue; }
        this.drawn++;
        var colour = fills ? fills[f] : o.fillColor;
        if (r < 0.75) {
          specks = specks || hub.pixels();
          var X = Math.floor(cx * v.dpr), Y = Math.floor(cy * v.dpr);
          if (X >= 0 && Y >= 0 && X < specks.width && Y < specks.height) {
            var paint = o.fill ? colour : o.color;
            if (!(paint in pixel)) { pixel[paint] = pixelOf(paint, Math.max(o.fillOpacity, 0.6)); }
            specks.data[Y * specks.width + X] = pixel[paint];
          }
          continue;
        }
        if (!groups[colour]) { groups[colour] = []; keys.push(colour); }
        groups[colour].push(f);
      }
      if (specks) { specks.done(ctx); }
      if (!keys.length) { return; }
      // One colour: the context's own path, filled then stroked. Several: a path for each colour,
      // filled, and all of them stroked at once (each vertex is traced once either way).
      var fill = polygon && o.fill, all = keys.length === 1 ? ctx : new Path2D();
      if (all === ctx) { ctx.beginPath(); }
      for (var k = 0; k < keys.length; k++) {
        var path = all === ctx ? ctx : new Path2D();
        this.trace(path, v, groups[keys[k]]);
        if (fill) {
          ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = keys[k];
          if (path === ctx) { ctx.fill('evenodd'); } else { ctx.fill(path, 'evenodd'); }
        }
        if (path !== ctx) { all.addPath(path); }
      }
      if (o.weight) { this.stroke(ctx, o.color, o.weight, all === ctx ? null : all); }
    },

    // The rings or lines of the features as subpaths of ctx (a context's current path or a Path2D),
    // leaving out a vertex within half a pixel of the last one kept (Leaflet's renderers simplify
    // likewise).
    trace: function (ctx, v, features) {
      var d = this.data, wx = d.wx, wy = d.wy, z = v.z, ox = v.ox, oy = v.oy;
      for (var i = 0; i < features.length; i++) {
        eachRing(d, features[i], function (v0, v1, closed) {
          var lx = wx[v0] * z - ox, ly = wy[v0] * z - oy;
          ctx.moveTo(lx, ly);
          for (var w = v0 + 1; w < v1; w++) {
            var X = wx[w] * z - ox, Y = wy[w] * z - oy;
            if (w < v1 - 1 && Math.abs(X - lx) < 0.5 && Math.abs(Y - ly) < 0.5) { continue; }
            ctx.lineTo(X, Y); lx = X; ly = Y;
          }
          if (closed) { ctx.closePath(); }
        });
      }
    },

    // Stroke `path` (a Path2D), or else the context's current path.
    stroke: function (ctx, colour, weight, path) {
      var dash = this.options.dashArray;
      ctx.setLineDash(dash ? String(dash).split(/[\s,]+/).map(Number) : []);
      ctx.lineJoin = 'round'; ctx.lineCap = 'round';
      ctx.globalAlpha = this.options.opacity; ctx.strokeStyle = colour; ctx.lineWidth = weight;
      if (path) { ctx.stroke(path); } else { ctx.stroke(); }
      ctx.globalAlpha = 1; ctx.setLineDash([]);
    },

    // Feature f drawn over the layer as hovered: its fill once more and a wider outline.
    outline: function (ctx, v, f) {
      var o = this.options;
      ctx.beginPath(); this.trace(ctx, v, [f]);
      if (this.data.kind === 'polygon' && o.fill) {
        ctx.globalAlpha = 0.2; ctx.fillStyle = o.fills ? o.fills[f] : o.fillColor; ctx.fill('evenodd');
      }
      this.stroke(ctx, o.color, Math.max(3, o.weight + 1.5));
    },

    drawCircles: function (ctx, v) {
      var d = this.data, o = this.options, R = o.radius;
      ctx.beginPath();
      for (var i = 0; i < d.n; i++) {
        var X = d.cx[i] * v.z - v.ox, Y = d.cy[i] * v.z - v.oy;
        if (X < -R || Y < -R || X > v.W + R || Y > v.H + R) { continue; }
        for (var p = d.first[i]; p < d.first[i + 1]; p++) {
          var px = d.wx[p] * v.z - v.ox, py = d.wy[p] * v.z - v.oy;
          ctx.moveTo(px + R, py); ctx.arc(px, py, R, 0, 2 * Math.PI);
        }
        this.drawn++;
      }
      ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = o.fillColor; ctx.fill();
      ctx.globalAlpha = 1; ctx.strokeStyle = '#222'; ctx.lineWidth = 1; ctx.stroke();
    },

    // Many points: a square of 3 device pixels each, set as pixels (thousands of stroked circles
    // cost Chromium ~0.1 s to raster in the next frame).
    drawDots: function (px, v, ctx) {
      var d = this.data, Wd = px.width, Hd = px.height, pixels = px.data;
      var colour = pixelOf(this.options.fillColor, Math.max(this.options.fillOpacity, 0.6)), edge = 0xff222222;
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
      px.done(ctx);
    },

    drawCells: function (ctx, cells) {
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
    // or null. A polygon layer without fill answers near its outline only, as an SVG path would.
    pickAt: function (point) {
      var d = this.data, v = this.hub && this.hub.view && d && this.viewOf(this.hub.view);
      if (!d || !v) { return null; }
      var px = point.x - this.hub.bounds.min.x, py = point.y - this.hub.bounds.min.y;  // canvas pixels
      if (this.cells) {
        for (var c = 0; c < this.cells.length; c++) {
          var e = this.cells[c], dx = e[0] - px, dy = e[1] - py;
          if (dx * dx + dy * dy <= e[2] * e[2]) { return { cell: e }; }
        }
        return null;
      }
      var g = this.grid, o = this.options, wx = (px + v.ox) / v.z, wy = (py + v.oy) / v.z;
      var reach = ((d.kind === 'point' ? o.radius : o.weight / 2) + 2) / v.z, r = g.maxHs + reach;
      var area = d.kind === 'polygon' && o.fill;
      var i0 = Math.max(0, Math.floor((wx - r - g.x0) / g.cell)), i1 = Math.min(g.nx - 1, Math.floor((wx + r - g.x0) / g.cell));
      var j0 = Math.max(0, Math.floor((wy - r - g.y0) / g.cell)), j1 = Math.min(g.ny - 1, Math.floor((wy + r - g.y0) / g.cell));
      var hits = [];
      for (var j = j0; j <= j1; j++) {
        for (var i = i0; i <= i1; i++) {
          var cell = j * g.nx + i;
          for (var t = g.start[cell]; t < g.start[cell + 1]; t++) {
            var f = g.items[t], ddx = d.cx[f] - wx, ddy = d.cy[f] - wy, dd = ddx * ddx + ddy * ddy;
            if (Math.abs(ddx) > d.hs[f] + reach || Math.abs(ddy) > d.hs[f] + reach) { continue; }
            if (area ? inside(d, f, wx, wy) : d.kind === 'point' ? dd <= (d.hs[f] + reach) * (d.hs[f] + reach)
              : nearEdge(d, f, wx, wy, reach)) {
              hits.push([dd, f]);
            }
          }
        }
      }
      if (!hits.length) { return null; }
      hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      return { features: hits.map(function (h) { return h[1]; }) };
    },

    // The HTML for a hit: the features' own (pre-escaped) tooltips, or popups, at most `most` of them.
    htmlOf: function (hit, most, popup) {
      if (hit.cell) { return '<b>' + hit.cell[3].toLocaleString('en') + '</b> points here; zoom in to see them'; }
      var texts = popup && this.pops ? this.pops : this.tips;
      if (!texts) { return null; }
      var shown = hit.features.slice(0, most), more = hit.features.length - shown.length;
      return shown.map(function (f) { return texts[f]; }).join('<hr class="chengyu-between">') +
        (more > 0 ? '<div class="chengyu-more">and ' + more.toLocaleString('en') + ' more here</div>' : '');
    },
  });

  L.chengyuPacked = function (meta, sources, options) { return new L.ChengyuPacked(meta, sources, options); };

  // For pages and tests: the packed layers on a map, and how many features all maps' layers drew.
  L.ChengyuPacked.layersOf = function (map) {
    for (var i = 0; i < hubs.length; i++) { if (hubs[i].map === map) { return hubs[i].layers.slice(); } }
    return [];
  };
  L.ChengyuPacked.drawnFeatures = function () {
    return hubs.reduce(function (sum, h) { return sum + h.drawn; }, 0);
  };
})();
