// How a map page lays itself out on any screen, with Leaflet's public API only (L.Control,
// map.fitBounds, getContainer, getSize, project, map events) and the DOM's getBoundingClientRect.
//
// L.Control.ChengyuBox: a box of HTML (the panel, the legend) in a corner. Given a label ({zh, en},
// with the close button's as options.close), it folds into a <button> on a narrow screen
// (style.NARROW in the stylesheet): the button opens the box as a sheet over the map, one box of a
// map at a time, closed by its close button, by the button again or by Escape. On a wide screen the
// box shows as it is and the buttons are hidden. Labels follow the page's language (language.js).
//
// L.ChengyuFit: the map fitted to its zones in the part of it no control covers, measured once the
// controls are on screen, and again when the map changes size, until someone moves the map.
(function () {
  'use strict';
  if (L.ChengyuFit) { return; }
  var boxes = [], fits = [], made = 0;

  L.Control.ChengyuBox = L.Control.extend({
    options: { position: 'topright', className: 'chengyu-box', label: null, close: null },

    initialize: function (html, options) {
      L.setOptions(this, options);
      this.html = html;
    },

    onAdd: function (map) {
      var o = this.options, container = L.DomUtil.create('div', 'chengyu-control');
      var sheet = this.sheet = L.DomUtil.create('section', o.className + ' chengyu-sheet', container);
      sheet.id = 'chengyu-sheet-' + (++made);
      sheet.tabIndex = 0;  // a region that may scroll: reachable, and scrolled, by keyboard
      sheet.innerHTML = this.html;
      this.map = map;
      if (o.label) { this.foldable(container, sheet, o.label, o.close); }
      L.DomEvent.disableClickPropagation(container);
      L.DomEvent.disableScrollPropagation(container);
      return container;
    },

    onRemove: function () {
      L.DomEvent.off(document, 'keydown', this.onKey, this);
      var self = this;
      boxes = boxes.filter(function (b) { return b !== self; });
    },

    // The button before the sheet, the close button inside it, and Escape.
    foldable: function (container, sheet, label, closeLabel) {
      L.DomUtil.addClass(container, 'chengyu-foldable');
      ChengyuLanguage.label(sheet, ['aria-label'], label);
      var toggle = this.toggle = L.DomUtil.create('button', 'chengyu-toggle');
      container.insertBefore(toggle, sheet);
      toggle.type = 'button';
      ChengyuLanguage.fill(toggle, label);
      toggle.setAttribute('aria-controls', sheet.id);
      toggle.setAttribute('aria-expanded', 'false');
      var close = L.DomUtil.create('button', 'chengyu-close');
      sheet.insertBefore(close, sheet.firstChild);
      close.type = 'button';
      ChengyuLanguage.label(close, ['aria-label'], closeLabel);
      close.innerHTML = '<span aria-hidden="true">&#215;</span>';
      L.DomEvent.on(toggle, 'click', function () { this.setOpen(!this.isOpen()); }, this);
      L.DomEvent.on(close, 'click', function () { this.setOpen(false); toggle.focus(); }, this);
      L.DomEvent.on(document, 'keydown', this.onKey, this);
      boxes.push(this);
    },

    isOpen: function () { return L.DomUtil.hasClass(this.getContainer(), 'chengyu-open'); },

    setOpen: function (open) {
      var self = this, container = this.getContainer();
      if (open) {
        boxes.forEach(function (b) { if (b !== self && b.map === self.map && b.isOpen()) { b.setOpen(false); } });
      }
      L.DomUtil[open ? 'addClass' : 'removeClass'](container, 'chengyu-open');
      // a sheet is drawn in its corner's stacking order: lift the corner over the three others
      L.DomUtil[open ? 'addClass' : 'removeClass'](container.parentNode, 'chengyu-raised');
      this.toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) { this.sheet.focus({ preventScroll: true }); }
      return this;
    },

    onKey: function (e) {
      if (e.key !== 'Escape' || !this.isOpen()) { return; }
      var inside = this.sheet.contains(document.activeElement);
      this.setOpen(false);
      if (inside) { this.toggle.focus(); }
    },
  });

  L.control.chengyuBox = function (html, options) { return new L.Control.ChengyuBox(html, options); };

  // Each corner's controls as one block anchored in it: how far it reaches in from the side (w)
  // and from the top or bottom (h) of the map's container, in pixels.
  function cornerBlocks(map) {
    var box = map.getContainer().getBoundingClientRect(), blocks = [];
    var corners = map.getContainer().querySelectorAll('.leaflet-control-container > div');
    for (var i = 0; i < corners.length; i++) {
      var corner = corners[i], left = L.DomUtil.hasClass(corner, 'leaflet-left');
      var top = L.DomUtil.hasClass(corner, 'leaflet-top'), w = 0, h = 0;
      for (var c = corner.firstElementChild; c; c = c.nextElementSibling) {
        var r = c.getBoundingClientRect();
        if (!r.width || !r.height) { continue; }  // hidden
        w = Math.max(w, left ? r.right - box.left : box.right - r.left);
        h = Math.max(h, top ? r.bottom - box.top : box.bottom - r.top);
      }
      if (w && h) { blocks.push({ left: left, top: top, w: w, h: h }); }
    }
    return blocks;
  }

  // The paddings that leave the zones the most room: a block is kept clear of either by a strip
  // along its side of the map or by one along its top or bottom; of the 2^blocks choices, the one
  // in which the zones can be drawn largest, with `gap` pixels between them and every control.
  function freePadding(map, bounds, gap) {
    var size = map.getSize(), blocks = cornerBlocks(map), best = null;
    var nw = map.project(bounds.getNorthWest(), 0), se = map.project(bounds.getSouthEast(), 0);
    var bw = Math.max(se.x - nw.x, 1e-9), bh = Math.max(se.y - nw.y, 1e-9);
    for (var k = 0; k < (1 << blocks.length); k++) {
      var pad = { top: 0, right: 0, bottom: 0, left: 0 };
      for (var i = 0; i < blocks.length; i++) {
        var b = blocks[i];
        if (k & (1 << i)) { pad[b.left ? 'left' : 'right'] = Math.max(pad[b.left ? 'left' : 'right'], b.w); }
        else { pad[b.top ? 'top' : 'bottom'] = Math.max(pad[b.top ? 'top' : 'bottom'], b.h); }
      }
      var scale = Math.min((size.x - pad.left - pad.right - 2 * gap) / bw,
                           (size.y - pad.top - pad.bottom - 2 * gap) / bh);
      if (!best || scale > best.scale) { best = { scale: scale, pad: pad }; }
    }
    var p = best && best.scale > 0 ? best.pad : { top: 0, right: 0, bottom: 0, left: 0 };
    return { paddingTopLeft: [p.left + gap, p.top + gap], paddingBottomRight: [p.right + gap, p.bottom + gap] };
  }

  function apply(fit, padding) {
    fit.padding = padding;
    fit.busy = true;  // our own move, not someone's
    fit.map.fitBounds(fit.bounds, { paddingTopLeft: padding.paddingTopLeft,
                                    paddingBottomRight: padding.paddingBottomRight, animate: false });
    fit.busy = false;
  }

  function fitOf(map) {
    for (var i = 0; i < fits.length; i++) { if (fits[i].map === map) { return fits[i]; } }
    return null;
  }

  L.ChengyuFit = {
    // Fit `map` to `bounds` ([[south, west], [north, east]]) at once, before its controls join:
    // with options.guess ({paddingTopLeft, paddingBottomRight}) where the screen is wide, with
    // options.gap alone where it matches the media query options.narrow (the boxes fold there).
    fit: function (map, bounds, options) {
      var fit = { map: map, bounds: L.latLngBounds(bounds), gap: options.gap, moved: false, refitted: false };
      fits.push(fit);
      var narrow = window.matchMedia && window.matchMedia(options.narrow).matches, g = options.gap;
      apply(fit, narrow ? { paddingTopLeft: [g, g], paddingBottomRight: [g, g] } : options.guess);
      map.on('movestart', function () { if (!fit.busy) { fit.moved = true; } });
      map.on('resize', function () { if (!fit.moved) { L.ChengyuFit.refit(map); } });
    },

    // Fit the map again into what its controls, as they are now, leave free.
    refit: function (map) {
      var fit = fitOf(map);
      if (!fit) { return; }
      apply(fit, freePadding(map, fit.bounds, fit.gap));
      fit.refitted = true;
    },

    // For pages and tests: the bounds a map is fitted to, the paddings of its last fit, and
    // whether that fit measured the controls.
    of: function (map) {
      var fit = fitOf(map);
      return fit && { bounds: fit.bounds, padding: fit.padding, refitted: fit.refitted };
    },
  };
})();
