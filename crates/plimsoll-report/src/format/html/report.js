// plimsoll HTML report: sortable tables and the vulnerability filters. No request of any kind:
// everything is in this file, and the page's Content-Security-Policy forbids loading anything.
(function () {
  'use strict';
  // A cell sorts by its data-v attribute when it has one (severity rank, layer index), else by
  // its text; columns marked data-type="num" compare as numbers.
  function key(td, numeric) {
    var v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;
    if (numeric) { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v.toLowerCase();
  }
  document.querySelectorAll('table.data').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, col) {
      th.setAttribute('tabindex', '0');
      function sort() {
        var desc = th.getAttribute('aria-sort') === 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
        var numeric = th.getAttribute('data-type') === 'num';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          var c = x < y ? -1 : x > y ? 1 : 0;
          return desc ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  });
  var vulns = document.getElementById('vulns');
  if (!vulns) return;
  var sev = document.getElementById('sev-filter');
  var fixable = document.getElementById('fixable-filter');
  var text = document.getElementById('text-filter');
  var shown = document.getElementById('vulns-shown');
  function filter() {
    var min = parseInt(sev.value, 10) || 0;
    var q = text.value.trim().toLowerCase();
    var n = 0;
    Array.prototype.forEach.call(vulns.tBodies[0].rows, function (r) {
      var ok = parseInt(r.getAttribute('data-sev'), 10) >= min &&
        (!fixable.checked || r.getAttribute('data-fixable') === '1') &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + vulns.tBodies[0].rows.length + ' shown';
  }
  sev.addEventListener('change', filter);
  fixable.addEventListener('change', filter);
  text.addEventListener('input', filter);
  filter();
})();
