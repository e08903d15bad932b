// plimsoll fleet web page: plain JS, no build step, no third-party code, no request outside
// this server's /api/v1.
//
// Everything the API returns comes from scanned images (package names, paths, Dockerfile steps)
// and is hostile: the DOM is built with createElement and textContent only (never innerHTML with
// data), links are built from the hash routes below with encodeURIComponent.
//
// Routes (URL hashes, so links can be shared): #/ overview, #/images?severity=HIGH&fixable=true&q=,
// #/image/sha256:..., #/vuln/CVE-..., #/search?q=...
(function () {
  'use strict';

  var SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
  var RANK = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, UNKNOWN: 1, NONE: 0 };
  var COLORS = { CRITICAL: '#9b1c31', HIGH: '#e03e2d', MEDIUM: '#f29e2e', LOW: '#3d8bd9', UNKNOWN: '#9aa3ad', NONE: '#3a9b5c' };
  var TOKEN_KEY = 'plimsoll-token';
  var app = document.getElementById('app');
  var SVG_NS = 'http://www.w3.org/2000/svg';

  // ---- DOM helpers: text only, never markup from data. ----
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function setAttrs(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'on') { Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); }); return; }
      el.setAttribute(k, String(v));
    });
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function sev(name) { name = String(name || 'UNKNOWN').toUpperCase(); if (!(name in RANK)) name = 'UNKNOWN'; return h('span', { 'class': 'sev sev-' + name }, name); }
  function link(route, text, cls) { return h('a', { href: '#' + route, 'class': cls }, text); }
  function imageRoute(digest) { return '/image/' + encodeURIComponent(digest); }
  function vulnRoute(id) { return '/vuln/' + encodeURIComponent(id); }
  function shortDigest(d) { d = String(d || ''); var i = d.indexOf(':'); return i >= 0 ? d.slice(0, i + 13) : d.slice(0, 12); }
  function imageName(img) { return (img.references && img.references[0]) || img.reference || shortDigest(img.digest); }
  function when(ts) { return ts ? String(ts).replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : ''; }
  // Cuts a label to n characters, whole code points.
  function cut(t, n) { var a = Array.from(String(t)); return a.length <= n ? a.join('') : a.slice(0, n - 1).join('') + '\u2026'; }
  function section(title, count) {
    var head = h('h2', null, title);
    if (count !== undefined) append(head, [' ', h('span', { 'class': 'count' }, '(' + count + ')')]);
    return h('section', null, head);
  }

  // ---- The API: bearer token from sessionStorage, a 401 brings the form back. ----
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function ApiError(status, message) { this.status = status; this.message = message; }
  function api(path) {
    return fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { sessionStorage.removeItem(TOKEN_KEY); throw new ApiError(401, 'The token was refused; sign in again.'); }
        if (r.status === 403) throw new ApiError(403, 'This token may not read this (its role is too low).');
        if (r.status === 404) throw new ApiError(404, 'Not found.');
        if (!r.ok) throw new ApiError(r.status, 'The server answered ' + r.status + '.');
        return r.json();
      });
  }

  // ---- Sortable tables: columns {label, value(row) for sorting, cell(row) -> node|text, num}. ----
  function table(id, columns, rows, opts) {
    opts = opts || {};
    var body = h('tbody');
    var heads = columns.map(function (c, i) {
      var th = h('th', { tabindex: 0, scope: 'col' }, c.label);
      function sort() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (x) { x.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        state.sort = { col: i, asc: asc };
        fill();
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
      return th;
    });
    var state = { sort: opts.sort || null, filter: null, limit: opts.limit || Infinity };
    if (state.sort) heads[state.sort.col].setAttribute('aria-sort', state.sort.asc ? 'ascending' : 'descending');
    // Long tables show their first `limit` rows and a button for the rest.
    var more = h('button', { type: 'button', 'class': 'more', hidden: true });
    more.addEventListener('click', function () { state.limit = Infinity; fill(); });
    function fill() {
      clear(body);
      var list = rows.filter(function (r) { return !state.filter || state.filter(r); });
      var matching = list.length;
      if (state.sort) {
        var c = columns[state.sort.col], dir = state.sort.asc ? 1 : -1;
        list = list.slice().sort(function (a, b) {
          var x = c.value(a), y = c.value(b);
          if (!c.num) { x = String(x === null || x === undefined ? '' : x).toLowerCase(); y = String(y === null || y === undefined ? '' : y).toLowerCase(); }
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
      }
      more.hidden = list.length <= state.limit;
      more.textContent = 'Show all ' + list.length;
      list.slice(0, state.limit).forEach(function (r) {
        var tr = h('tr', opts.rowAttrs ? opts.rowAttrs(r) : null);
        columns.forEach(function (c) { tr.appendChild(h('td', { 'class': c.cls !== undefined ? c.cls : c.num ? 'num' : null }, c.cell ? c.cell(r) : c.value(r))); });
        body.appendChild(tr);
      });
      if (opts.onFill) opts.onFill(matching, rows.length);
    }
    fill();
    var el = h('div', { 'class': 'tablewrap' }, h('table', { 'class': 'data', id: id }, h('thead', null, h('tr', null, heads)), body), more);
    el.setFilter = function (f) { state.filter = f; fill(); };
    return el;
  }

  // ---- The per-layer chart: the HTML report's (crates/plimsoll-report/src/format/html.rs,
  // `layer_chart`), same geometry, classes and colours, drawn from the report JSON. ----
  var CHART = { width: 1000, row: 30, head: 26, label: 58, pkgX: 450, pkgW: 170, findX: 680, findW: 260 };
  function dockerfileStep(createdBy) {
    var t = String(createdBy || '').trim().replace(/# buildkit$/, '').trim();
    if (t.indexOf('RUN /bin/sh -c ') === 0) t = 'RUN ' + t.slice(15).trim();
    else if (t.indexOf('/bin/sh -c ') === 0) {
      var rest = t.slice(11).trim();
      t = rest.indexOf('#(nop)') === 0 ? rest.slice(6).trim() : 'RUN ' + rest;
    }
    // Control and bidi characters made visible, as the report's `clean` does.
    return t.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, function (c) {
      return c === '\n' || c === '\r' || c === '\t' ? ' ' : '\ufffd';
    }).split(/\s+/).filter(Boolean).join(' ');
  }
  function layerStats(report) {
    var layers = {};
    function get(i) { return layers[i] || (layers[i] = { index: i, step: '', packages: 0, findings: [0, 0, 0, 0, 0] }); }
    (report.layers || []).forEach(function (l) { get(l.index).step = l.created_by ? dockerfileStep(l.created_by) : ''; });
    (report.packages || []).forEach(function (p) { if (p.layer) get(p.layer.index).packages++; });
    [].concat(report.vulnerabilities || [], report.secrets || [], report.misconfigurations || []).forEach(function (f) {
      if (!f.layer) return;
      var i = SEVERITIES.indexOf(String(f.severity).toUpperCase());
      get(f.layer.index).findings[i < 0 ? 4 : i]++;
    });
    return Object.keys(layers).map(Number).sort(function (a, b) { return a - b; }).map(function (k) { return layers[k]; });
  }
  function bar(n, max, width) { return n === 0 ? 0 : Math.max(1, Math.floor(n * width / max)); }
  function layerChart(report) {
    var layers = layerStats(report);
    if (!layers.length) return h('p', { 'class': 'empty' }, 'No layers: this scan was not of an image.');
    var sum = function (a) { return a.reduce(function (x, y) { return x + y; }, 0); };
    var maxPkgs = Math.max(1, Math.max.apply(null, layers.map(function (l) { return l.packages; })));
    var maxFind = Math.max(1, Math.max.apply(null, layers.map(function (l) { return sum(l.findings); })));
    var height = CHART.head + CHART.row * layers.length + 4;
    var svg = s('svg', { 'class': 'layer-chart', viewBox: '0 0 ' + CHART.width + ' ' + height, role: 'img',
      'aria-label': 'Packages and findings per layer', 'data-layers': layers.length },
    s('text', { 'class': 'head', x: 8, y: 16 }, 'LAYER / DOCKERFILE STEP'),
    s('text', { 'class': 'head', x: CHART.pkgX, y: 16 }, 'PACKAGES'),
    s('text', { 'class': 'head', x: CHART.findX, y: 16 }, 'FINDINGS BY SEVERITY'));
    layers.forEach(function (l, row) {
      var y = CHART.head + row * CHART.row, total = sum(l.findings);
      var step = l.step || '(no history entry)';
      var parts = SEVERITIES.map(function (name, i) { return l.findings[i] ? l.findings[i] + ' ' + name : null; }).filter(Boolean);
      var tip = 'Layer ' + l.index + ': ' + step + '\n' + l.packages + ' packages, ' + total + ' findings' + (parts.length ? ' (' + parts.join(', ') + ')' : '');
      var g = s('g', { 'class': 'layer', 'data-layer': l.index, 'data-packages': l.packages, 'data-findings': total },
        s('title', null, tip),
        s('rect', { 'class': 'row', x: 0, y: y, width: CHART.width, height: CHART.row - 4, rx: 3 }),
        s('text', { 'class': 'idx', x: 8, y: y + 17 }, String(l.index)),
        s('text', { 'class': 'step', x: 32, y: y + 17 }, cut(step, CHART.label)));
      var w = bar(l.packages, maxPkgs, CHART.pkgW);
      g.appendChild(s('rect', { 'class': 'bar-pkg', x: CHART.pkgX, y: y + 6, width: w, height: 14, rx: 2, fill: '#5b6b7f' }));
      g.appendChild(s('text', { 'class': 'num', x: CHART.pkgX + w + 6, y: y + 17 }, String(l.packages)));
      var x = CHART.findX;
      SEVERITIES.forEach(function (name, i) {
        var n = l.findings[i];
        if (!n) return;
        var bw = Math.max(2, bar(n, maxFind, CHART.findW));
        g.appendChild(s('rect', { 'class': 'bar-sev sev-' + name, 'data-severity': name, 'data-count': n, x: x, y: y + 6, width: bw, height: 14, fill: COLORS[name] }));
        x += bw;
      });
      g.appendChild(s('text', { 'class': 'num', x: x + 6, y: y + 17 }, String(total)));
      svg.appendChild(g);
    });
    var legend = h('div', { 'class': 'legend' }, h('span', null, h('i', { 'class': 'k-pkg' }), 'packages'),
      SEVERITIES.map(function (n) { return h('span', null, h('i', { 'class': 'k-' + n }), n); }));
    return h('div', null, svg, legend);
  }

  // Images by worst severity: one stacked horizontal bar, a segment per severity, each a link.
  function worstChart(by) {
    var order = SEVERITIES.concat(['NONE']);
    var total = order.reduce(function (t, k) { return t + (by[k] || 0); }, 0);
    var W = 1000, svg = s('svg', { 'class': 'worst-chart', viewBox: '0 0 ' + W + ' 64', role: 'img', 'aria-label': 'Images by worst severity' });
    if (!total) { svg.appendChild(s('text', { x: 0, y: 30 }, 'No images yet.')); return svg; }
    var x = 0;
    order.forEach(function (k) {
      var n = by[k] || 0;
      if (!n) return;
      var w = Math.max(3, Math.round(n * W / total));
      if (x + w > W) w = W - x;
      var a = s('a', { href: '#/images?severity=' + k, 'data-severity': k },
        s('title', null, n + ' images with worst severity ' + k),
        s('rect', { x: x, y: 4, width: w, height: 30, fill: COLORS[k] }));
      if (w > 60) a.appendChild(s('text', { x: x + 6, y: 54, 'class': 'lbl' }, k + ' ' + n));
      svg.appendChild(a);
      x += w;
    });
    return svg;
  }

  // ---- Views ----
  function loading() { clear(app); app.appendChild(h('p', { 'class': 'loading' }, 'Loading\u2026')); }
  function fail(e) {
    if (e && e.status === 401) { showLogin(e.message); return; }
    clear(app);
    app.appendChild(h('section', null, h('p', { 'class': 'error' }, (e && e.message) || String(e))));
  }

  function overview() {
    return api('/overview').then(function (o) {
      clear(app);
      var by = o.by_worst_severity || {};
      app.appendChild(h('h1', null, 'Fleet overview', h('span', { 'class': 'sub' }, (o.images || 0) + ' images')));
      var cards = h('div', { 'class': 'cards' });
      SEVERITIES.concat(['NONE']).forEach(function (k) {
        cards.appendChild(h('a', { 'class': 'card sev-' + k, href: '#/images?severity=' + k, 'data-severity': k },
          h('span', { 'class': 'n' }, String(by[k] || 0)), h('span', { 'class': 'l' }, k === 'NONE' ? 'clean' : k)));
      });
      var worst = section('Images by worst severity');
      append(worst, [cards, worstChart(by)]);
      var db = o.advisory_db || {};
      append(worst, h('p', { 'class': 'muted' }, 'Advisory database: ' + (db.advisories || 0) + ' advisories, built ' +
        (db.built ? when(db.built) : 'at an unknown time') + ', loaded ' + when(db.loaded_at) + '.'));
      app.appendChild(worst);

      var fresh = o.new_findings || [];
      var nf = section('New findings since the last advisory update', fresh.length);
      var bySev = {};
      fresh.forEach(function (f) { bySev[f.severity] = (bySev[f.severity] || 0) + 1; });
      if (fresh.length) {
        append(nf, h('p', null, SEVERITIES.filter(function (k) { return bySev[k]; }).map(function (k) {
          return [sev(k), ' ', bySev[k], '\u2003'];
        })));
      }
      append(nf, fresh.length ? table('new-findings', [
        { label: 'Severity', value: function (f) { return RANK[f.severity] || 0; }, cell: function (f) { return sev(f.severity); }, num: true, cls: 'sevcol' },
        { label: 'Vulnerability', value: function (f) { return f.id; }, cell: function (f) { return link(vulnRoute(f.id), f.id, 'mono'); } },
        { label: 'Image', value: function (f) { return f.reference || f.digest; }, cell: function (f) { return link(imageRoute(f.digest), f.reference || shortDigest(f.digest)); } },
        { label: 'Package', value: function (f) { return f.package + ' ' + f.version; } },
        { label: 'Fixed in', value: function (f) { return f.fixed_version || ''; }, cls: 'mono' },
        { label: 'First seen', value: function (f) { return f.first_seen; }, cell: function (f) { return when(f.first_seen); } }
      ], fresh, { limit: 15, sort: { col: 0, asc: false } }) : h('p', { 'class': 'empty' }, 'No new findings since the advisory database last changed.'));

      var stale = o.stale_images || [];
      var st = section('Stale images', stale.length);
      append(st, stale.length ? table('stale-images', [
        { label: 'Image', value: function (i) { return i.reference || i.digest; }, cell: function (i) { return link(imageRoute(i.digest), i.reference || shortDigest(i.digest)); } },
        { label: 'Last scanned', value: function (i) { return i.last_scanned; }, cell: function (i) { return when(i.last_scanned); } }
      ], stale) : h('p', { 'class': 'empty' }, 'Every image was scanned recently.'));
      app.appendChild(nf);
      app.appendChild(st);
    });
  }

  function images(params) {
    var q = new URLSearchParams();
    // The page's `severity` means the image's worst severity: the API's `worst` (its `severity`
    // is "any open finding of that severity").
    if (params.get('severity')) q.set('worst', params.get('severity'));
    ['fixable', 'q', 'registry', 'repository', 'tag'].forEach(function (k) { if (params.get(k)) q.set(k, params.get(k)); });
    return api('/images' + (q.toString() ? '?' + q.toString() : '')).then(function (res) {
      clear(app);
      var list = res.images || [];
      app.appendChild(h('h1', null, 'Images', h('span', { 'class': 'sub' }, (res.total !== undefined ? res.total : list.length) + ' images')));
      var sevSel = h('select', { id: 'image-severity' }, h('option', { value: '' }, 'any'),
        SEVERITIES.concat(['NONE']).map(function (k) { return h('option', { value: k, selected: params.get('severity') === k }, k === 'NONE' ? 'no findings' : k); }));
      var fix = h('input', { type: 'checkbox', id: 'image-fixable', checked: params.get('fixable') === 'true' });
      var text = h('input', { type: 'search', id: 'image-q', placeholder: 'name, registry, tag', value: params.get('q') || '' });
      function go() {
        var p = new URLSearchParams();
        if (sevSel.value) p.set('severity', sevSel.value);
        if (fix.checked) p.set('fixable', 'true');
        if (text.value.trim()) p.set('q', text.value.trim());
        location.hash = '#/images' + (p.toString() ? '?' + p.toString() : '');
      }
      sevSel.addEventListener('change', go);
      fix.addEventListener('change', go);
      text.addEventListener('change', go);
      var sec = section('Images', list.length);
      append(sec, h('div', { 'class': 'controls' }, h('label', null, 'Worst severity ', sevSel), h('label', null, fix, ' with fixable findings'), h('label', null, 'Filter ', text)));
      var count = function (i, k) { return (i.counts && i.counts[k]) || 0; };
      append(sec, list.length ? table('images-table', [
        { label: 'Image', value: imageName, cell: function (i) {
          return [link(imageRoute(i.digest), imageName(i)), (i.references || []).length > 1 ? h('span', { 'class': 'muted' }, ' +' + (i.references.length - 1)) : null,
            h('div', { 'class': 'mono muted' }, shortDigest(i.digest))];
        } },
        { label: 'OS', value: function (i) { return i.os || ''; } },
        { label: 'Worst', value: function (i) { return RANK[i.worst_severity] || 0; }, cell: function (i) { return sev(i.worst_severity); }, num: true, cls: 'sevcol' },
        { label: 'Critical', value: function (i) { return count(i, 'CRITICAL'); }, num: true },
        { label: 'High', value: function (i) { return count(i, 'HIGH'); }, num: true },
        { label: 'Medium', value: function (i) { return count(i, 'MEDIUM'); }, num: true },
        { label: 'Low', value: function (i) { return count(i, 'LOW'); }, num: true },
        { label: 'Fixable', value: function (i) { return i.fixable || 0; }, num: true },
        { label: 'Workloads', value: function (i) { return (i.workloads || []).length; }, num: true },
        { label: 'Last scanned', value: function (i) { return i.last_scanned || ''; }, cell: function (i) { return when(i.last_scanned); } }
      ], list) : h('p', { 'class': 'empty' }, 'No image matches.'));
      app.appendChild(sec);
    });
  }

  function vulnTable(report, history) {
    var vulns = report.vulnerabilities || [];
    var sec = section('Vulnerabilities', vulns.length);
    if (!vulns.length) { append(sec, h('p', { 'class': 'empty' }, 'No vulnerabilities found.')); return sec; }
    var min = h('select', { id: 'vuln-severity' }, h('option', { value: '0' }, 'all'),
      SEVERITIES.slice(0, 4).map(function (k, i) { return h('option', { value: String(RANK[k]) }, i === 0 ? k : k + ' and above'); }));
    var fix = h('input', { type: 'checkbox', id: 'vuln-fixable' });
    var shown = h('span', { 'class': 'muted', id: 'vuln-shown' });
    // The server's `history` lists every finding (open and fixed) with its first_seen.
    var seen = {};
    (Array.isArray(history) ? history : []).forEach(function (f) { if (!f.fixed_at) seen[f.id + ' ' + f.purl] = f.first_seen; });
    var firstSeen = function (v) { return v.first_seen || seen[v.id + ' ' + v.purl] || ''; };
    var t = table('image-vulns', [
      { label: 'Severity', value: function (v) { return RANK[v.severity] || 0; }, cell: function (v) { return sev(v.severity); }, num: true, cls: 'sevcol' },
      { label: 'Vulnerability', value: function (v) { return v.id; }, cell: function (v) {
        return [link(vulnRoute(v.id), v.id, 'mono'), (v.aliases || []).length ? h('div', { 'class': 'muted mono' }, v.aliases.join(', ')) : null];
      } },
      { label: 'Package', value: function (v) { return v.package_name; } },
      { label: 'Installed', value: function (v) { return v.package_version; }, cls: 'mono' },
      { label: 'Fixed in', value: function (v) { return v.fixed_version || (v.status === 'unfixed' ? 'unfixed' : ''); }, cls: 'mono' },
      { label: 'Layer', value: function (v) { return v.layer ? v.layer.index : -1; }, cell: function (v) { return v.layer ? String(v.layer.index) : ''; }, num: true },
      vulns.some(firstSeen) ? { label: 'First seen', value: firstSeen, cell: function (v) { return when(firstSeen(v)); } } : null,
      { label: 'Title', value: function (v) { return v.title || v.description || ''; }, cell: function (v) { return cut(v.title || v.description || '', 120); } }
    ].filter(Boolean), vulns, {
      sort: { col: 0, asc: false },
      rowAttrs: function (v) { return { 'data-severity': v.severity, 'data-fixable': v.fixed_version ? '1' : '0' }; },
      onFill: function (n, all) { shown.textContent = n + ' of ' + all + ' shown'; }
    });
    function filter() {
      var m = parseInt(min.value, 10) || 0;
      t.setFilter(function (v) { return (RANK[v.severity] || 0) >= m && (!fix.checked || !!v.fixed_version); });
    }
    min.addEventListener('change', filter);
    fix.addEventListener('change', filter);
    append(sec, [h('div', { 'class': 'controls' }, h('label', null, 'Severity ', min), h('label', null, fix, ' fixable only'), shown), t]);
    return sec;
  }

  function image(digest) {
    return api('/images/' + encodeURIComponent(digest)).then(function (r) {
      clear(app);
      var a = r.artifact || {};
      var os = r.os ? (r.os.pretty_name || ((r.os.id || '') + ' ' + (r.os.version_id || ''))) : 'unknown';
      // A bare OCI tag ("1", "latest") says less than the name the image was scanned by.
      var full = (a.repo_tags || []).filter(function (t) { return /[:/]/.test(t); })[0];
      app.appendChild(h('h1', null, full || a.name || digest, h('span', { 'class': 'sub mono' }, digest)));
      var meta = h('dl', { 'class': 'meta' });
      [['OS', os], ['Platform', a.platform], ['Tags', (a.repo_tags || []).join(', ')], ['Scanned', when(r.created_at)], ['Scanner', r.tool]].forEach(function (kv) {
        if (kv[1]) meta.appendChild(h('div', null, h('dt', null, kv[0]), h('dd', null, kv[1])));
      });
      app.appendChild(meta);
      var counts = {}; SEVERITIES.forEach(function (k) { counts[k] = 0; });
      (r.vulnerabilities || []).forEach(function (v) { counts[String(v.severity).toUpperCase()] = (counts[String(v.severity).toUpperCase()] || 0) + 1; });
      var cards = h('div', { 'class': 'cards' }, SEVERITIES.map(function (k) {
        return h('div', { 'class': 'card sev-' + k, 'data-severity': k }, h('span', { 'class': 'n' }, String(counts[k])), h('span', { 'class': 'l' }, k));
      }), [['packages', (r.packages || []).length], ['secrets', (r.secrets || []).length], ['misconfigurations', (r.misconfigurations || []).length]].map(function (kv) {
        return h('div', { 'class': 'card other' }, h('span', { 'class': 'n' }, String(kv[1])), h('span', { 'class': 'l' }, kv[0]));
      }));
      var sum = section('Summary'); append(sum, cards);
      var warn = (r.diagnostics || []).map(function (d) { return h('li', { 'class': d.level }, d.level + ': ' + d.message + (d.path ? ' (' + d.path + ')' : '')); });
      if (r.vulnerability_scan) {
        (r.vulnerability_scan.targets || []).filter(function (t) { return !t.covered; }).forEach(function (t) {
          warn.unshift(h('li', { 'class': 'warning' }, 'Not covered by the advisory database: ' + t.name + ' (' + t.packages_not_covered + ' of ' + t.packages + ' packages)' + (t.reason ? ': ' + t.reason : '')));
        });
      }
      if (warn.length) append(sum, h('ul', { 'class': 'warnings' }, warn));
      app.appendChild(sum);
      var layers = section('Layers'); append(layers, layerChart(r)); app.appendChild(layers);
      app.appendChild(vulnTable(r, r.history));
      var pk = r.packages || [];
      var ps = section('Packages', pk.length);
      append(ps, pk.length ? table('image-packages', [
        { label: 'Package', value: function (p) { return p.name; } },
        { label: 'Version', value: function (p) { return p.version; }, cls: 'mono' },
        { label: 'Type', value: function (p) { return p.kind; } },
        { label: 'Layer', value: function (p) { return p.layer ? p.layer.index : -1; }, cell: function (p) { return p.layer ? String(p.layer.index) : ''; }, num: true, cls: 'sevcol' },
        { label: 'Found in', value: function (p) { return p.found_in || ''; }, cls: 'mono' }
      ], pk, { limit: 25 }) : h('p', { 'class': 'empty' }, 'No packages found.'));
      app.appendChild(ps);
      var se = r.secrets || [];
      if (se.length) {
        var ss = section('Secrets', se.length);
        append(ss, table('image-secrets', [
          { label: 'Severity', value: function (f) { return RANK[f.severity] || 0; }, cell: function (f) { return sev(f.severity); }, num: true, cls: 'sevcol' },
          { label: 'Rule', value: function (f) { return f.rule_id; } },
          { label: 'Location', value: function (f) { return f.source === 'file' ? f.path + ':' + f.line : 'image config ' + f.path; }, cls: 'mono' },
          // Only the masked form, as the HTML report; a revealed secret is never shown here.
          { label: 'Match (masked)', value: function (f) { return f.masked; }, cls: 'mono' },
          { label: 'Layer', value: function (f) { return f.layer ? f.layer.index : -1; }, cell: function (f) {
            return f.layer ? f.layer.index + (f.hidden_by_layer !== undefined && f.hidden_by_layer !== null ? ' (removed in ' + f.hidden_by_layer + ')' : '') : '';
          }, num: true }
        ], se));
        app.appendChild(ss);
      }
      var mc = r.misconfigurations || [];
      if (mc.length) {
        var ms = section('Misconfigurations', mc.length);
        append(ms, table('image-misconfigs', [
          { label: 'Severity', value: function (m) { return RANK[m.severity] || 0; }, cell: function (m) { return sev(m.severity); }, num: true, cls: 'sevcol' },
          { label: 'Rule', value: function (m) { return m.rule_id; } },
          { label: 'Location', value: function (m) { return m.line ? m.file + ':' + m.line : m.file; }, cls: 'mono' },
          { label: 'Message', value: function (m) { return m.message; } }
        ], mc));
        app.appendChild(ms);
      }
    });
  }

  function vuln(id) {
    return api('/vulnerabilities/' + encodeURIComponent(id) + '/images').then(function (v) {
      clear(app);
      app.appendChild(h('h1', null, v.id || id, ' ', sev(v.severity), v.summary ? h('span', { 'class': 'sub' }, v.summary) : null));
      if ((v.aliases || []).length) {
        app.appendChild(h('dl', { 'class': 'meta' }, h('div', null, h('dt', null, 'Aliases'), h('dd', null, v.aliases.map(function (a) { return h('span', { 'class': 'pill mono' }, a); })))));
      }
      var list = v.images || [];
      var sec = section('Affected images', list.length);
      append(sec, list.length ? table('vuln-images', [
        { label: 'Image', value: function (i) { return imageName(i); }, cell: function (i) { return [link(imageRoute(i.digest), imageName(i)), h('div', { 'class': 'mono muted' }, shortDigest(i.digest))]; } },
        { label: 'Severity', value: function (i) { return RANK[i.severity] || 0; }, cell: function (i) { return sev(i.severity); }, num: true, cls: 'sevcol' },
        { label: 'Package', value: function (i) { return i.package ? i.package.name : ''; } },
        { label: 'Installed', value: function (i) { return i.package ? i.package.version : ''; }, cls: 'mono' },
        { label: 'Fixed in', value: function (i) { return i.fixed_version || ''; }, cls: 'mono' },
        { label: 'First seen', value: function (i) { return i.first_seen || ''; }, cell: function (i) { return when(i.first_seen); } },
        { label: 'Workloads', value: function (i) { return (i.workloads || []).length; }, cell: function (i) {
          var w = i.workloads || [];
          return w.length ? w.map(function (x) { return h('span', { 'class': 'pill' }, x.cluster + '/' + x.namespace + '/' + x.kind + '/' + x.name); }) : h('span', { 'class': 'muted' }, 'none reported');
        } }
      ], list) : h('p', { 'class': 'empty' }, 'No stored image is affected.'));
      app.appendChild(sec);
    });
  }

  function search(q) {
    document.getElementById('search-input').value = q;
    if (!q.trim()) { clear(app); app.appendChild(h('p', { 'class': 'empty' }, 'Type a CVE id, a package or an image name.')); return Promise.resolve(); }
    return api('/search?q=' + encodeURIComponent(q)).then(function (r) {
      var vulns = r.vulnerabilities || [], imgs = r.images || [], pkgs = r.packages || [];
      // A CVE (or advisory) id that is known lands straight on its affected images. The server
      // answers an alias with the advisory's own id and marks it `exact`.
      var exact = vulns.filter(function (v) { return v.exact || String(v.id).toLowerCase() === q.trim().toLowerCase(); })[0];
      if (exact) { location.replace('#' + vulnRoute(exact.id)); return; }
      clear(app);
      app.appendChild(h('h1', null, 'Search', h('span', { 'class': 'sub' }, '\u201c' + q + '\u201d')));
      var vs = section('Vulnerabilities', vulns.length);
      append(vs, vulns.length ? h('ul', null, vulns.map(function (v) { return h('li', null, link(vulnRoute(v.id), v.id, 'mono'), ' ', sev(v.severity)); })) : h('p', { 'class': 'empty' }, 'None.'));
      var is = section('Images', imgs.length);
      append(is, imgs.length ? h('ul', null, imgs.map(function (i) { return h('li', null, link(imageRoute(i.digest), imageName(i)), ' ', h('span', { 'class': 'mono muted' }, shortDigest(i.digest))); })) : h('p', { 'class': 'empty' }, 'None.'));
      var ps = section('Packages', pkgs.length);
      append(ps, pkgs.length ? h('ul', null, pkgs.map(function (p) { return h('li', null, p.name, ' ', h('span', { 'class': 'mono muted' }, p.purl)); })) : h('p', { 'class': 'empty' }, 'None.'));
      app.appendChild(vs); app.appendChild(h('div', { 'class': 'grid' }, is, ps));
    });
  }

  // ---- Sign-in and routing ----
  function showLogin(message) {
    document.getElementById('signout').hidden = true;
    clear(app);
    app.appendChild(document.getElementById('login-template').content.cloneNode(true));
    var err = document.getElementById('login-error');
    if (message) { err.textContent = message; err.hidden = false; }
    document.getElementById('login-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var t = document.getElementById('token-input').value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      route();
    });
    document.getElementById('token-input').focus();
  }

  function route() {
    if (!token()) { showLogin(); return; }
    document.getElementById('signout').hidden = false;
    var hash = location.hash.replace(/^#/, '') || '/';
    var qi = hash.indexOf('?');
    var path = qi >= 0 ? hash.slice(0, qi) : hash;
    var params = new URLSearchParams(qi >= 0 ? hash.slice(qi + 1) : '');
    var parts = path.split('/').filter(Boolean).map(function (p) { try { return decodeURIComponent(p); } catch (e) { return p; } });
    var name = parts[0] || 'overview';
    document.querySelectorAll('#nav a').forEach(function (a) { a.classList.toggle('active', a.getAttribute('data-route') === name); });
    loading();
    var view;
    if (name === 'overview') view = overview();
    else if (name === 'images') view = images(params);
    else if (name === 'image' && parts[1]) view = image(parts.slice(1).join('/'));
    else if (name === 'vuln' && parts[1]) view = vuln(parts.slice(1).join('/'));
    else if (name === 'search') view = search(params.get('q') || '');
    else view = Promise.reject(new ApiError(404, 'No such page: ' + hash));
    view.then(function () { document.title = 'plimsoll fleet: ' + name; }, fail);
  }

  document.getElementById('search-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = document.getElementById('search-input').value.trim();
    location.hash = '#/search?q=' + encodeURIComponent(q);
  });
  document.getElementById('signout').addEventListener('click', function () { sessionStorage.removeItem(TOKEN_KEY); showLogin(); });
  window.addEventListener('hashchange', route);
  route();
})();
