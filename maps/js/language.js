// The page's language: Chinese, English or both. Every text of a map page is there in both
// languages, each in a <span lang="zh"> or <span lang="en"> (maps/i18n.py); a class on <html>,
// chengyu-lang-zh, -en or -both, shows one language or both (the stylesheet of maps/language.py).
// The choice is kept in the address (#lang=zh|en|both, replaced in place: no new history entry)
// and read back on load; without one there, the page's own default, else the browser's language
// (navigator.language "zh…" gives Chinese, any other English).
//
// ChengyuLanguage.start(options): choose at once, before the page's body is drawn (options.lang:
//   the page's default or null; options.titles: the page's title in each language).
// .set(lang), .current(): the language shown.
// .say(texts): a text given as {zh, en} (or a plain string) in the language shown, for what holds
//   no markup: attributes, the page's title.
// .label(el, attributes, texts): el's attributes kept saying texts in the language shown.
// .fill(el, texts): el's content as the two spans.
// .control(options): the toggle, a Leaflet control (L.Control, public API only).
(function () {
  'use strict';
  if (window.ChengyuLanguage) { return; }
  var LANGS = ['zh', 'en', 'both'], titles = null, labels = [];

  function fromHash() {
    var match = /(?:^#|&)lang=(zh|en|both)(?=&|$)/.exec(location.hash);
    return match ? match[1] : null;
  }

  function fromBrowser() {
    return /^zh(-|$)/i.test(navigator.language || '') ? 'zh' : 'en';
  }

  // On a page that never starts (a map of someone else's with one of our controls), the browser's.
  var current = fromBrowser();

  function say(texts) {
    if (typeof texts === 'string') { return texts; }
    if (current !== 'both') { return texts[current]; }
    return texts.zh === texts.en ? texts.en : (texts.zh + ' ' + texts.en).trim();
  }

  function apply() {
    var root = document.documentElement;
    LANGS.forEach(function (lang) { root.classList.toggle('chengyu-lang-' + lang, lang === current); });
    root.lang = current === 'en' ? 'en' : 'zh';
    if (titles) { document.title = say(titles); }
    labels.forEach(function (label) {
      label.attributes.forEach(function (name) { label.el.setAttribute(name, say(label.texts)); });
    });
    document.dispatchEvent(new CustomEvent('chengyu:language', { detail: current }));
  }

  // The address's fragment with lang=… first and whatever else it held after it.
  function remember(lang) {
    var rest = location.hash.replace(/^#/, '').split('&').filter(function (part) {
      return part && part.indexOf('lang=') !== 0;
    });
    try {
      history.replaceState(history.state, '', '#' + ['lang=' + lang].concat(rest).join('&'));
    } catch (e) { /* a sandboxed frame (a notebook's) may not rewrite its address: the choice still shows */ }
  }

  var ChengyuLanguage = window.ChengyuLanguage = {
    start: function (options) {
      titles = options.titles || null;
      current = fromHash() || options.lang || fromBrowser();
      apply();
      window.addEventListener('hashchange', function () {
        var asked = fromHash();
        if (asked && asked !== current) { current = asked; apply(); }
      });
    },

    current: function () { return current; },

    set: function (lang) {
      if (LANGS.indexOf(lang) < 0) { return; }
      current = lang;
      remember(lang);
      apply();
    },

    say: say,

    label: function (el, attributes, texts) {
      labels.push({ el: el, attributes: attributes, texts: texts });
      attributes.forEach(function (name) { el.setAttribute(name, say(texts)); });
    },

    fill: function (el, texts) {
      el.textContent = '';
      if (typeof texts === 'string' || texts.zh === texts.en) {
        el.textContent = typeof texts === 'string' ? texts : texts.en;
        return;
      }
      ['zh', 'en'].forEach(function (lang) {
        var span = document.createElement('span');
        span.lang = lang;
        span.textContent = texts[lang];
        el.appendChild(span);
      });
    },

    // options: position, label ({zh, en}: the group's name), names ({zh, en, both}: the buttons'),
    // zoom ({in, out}: the titles of Leaflet's zoom buttons, which it words in English only).
    control: function (options) {
      var Control = L.Control.extend({
        options: { position: options.position },
        onAdd: function (map) {
          var box = L.DomUtil.create('div', 'chengyu-language leaflet-bar leaflet-control');
          box.setAttribute('role', 'group');
          ChengyuLanguage.label(box, ['aria-label'], options.label);
          var buttons = LANGS.map(function (lang) {
            var button = L.DomUtil.create('button', 'chengyu-language-' + lang, box);
            button.type = 'button';
            button.textContent = options.names[lang];
            L.DomEvent.on(button, 'click', function () { ChengyuLanguage.set(lang); });
            return button;
          });
          function pressed() {
            buttons.forEach(function (button, i) {
              button.setAttribute('aria-pressed', LANGS[i] === current ? 'true' : 'false');
            });
          }
          document.addEventListener('chengyu:language', pressed);
          this.cleanup = function () { document.removeEventListener('chengyu:language', pressed); };
          pressed();
          var zoom = map.getContainer();
          [['.leaflet-control-zoom-in', options.zoom['in']], ['.leaflet-control-zoom-out', options.zoom.out]]
            .forEach(function (pair) {
              var el = zoom.querySelector(pair[0]);
              if (el) { ChengyuLanguage.label(el, ['title', 'aria-label'], pair[1]); }
            });
          L.DomEvent.disableClickPropagation(box);
          return box;
        },
        onRemove: function () { this.cleanup(); },
      });
      return new Control();
    },
  };
})();
