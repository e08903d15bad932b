// Opens a `plimsoll ... --format html` report from disk with every network request blocked and
// counted, and reports on stdout (one JSON object) what it saw: the requests, the layer chart's
// rows, the vulnerability table after sorting and filtering. The Rust test
// (crates/plimsoll-cli/tests/browser.rs) compares that with the JSON report of the same scan.
//
// usage: node html_report.mjs REPORT.html SCREENSHOT.png
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { open } from './chromium.mjs';

const [file, shot] = process.argv.slice(2);
const url = pathToFileURL(resolve(file)).href;
// Only the report file itself: anything else (http, https, data fetches, other files) is a leak.
const { page, blocked, errors, close } = await open({ allowed: (u) => u === url });
const out = {};
try {
  await page.goto(url, { waitUntil: 'load' });
  out.title = await page.title();
  out.layers = await page.$$eval('svg.layer-chart g.layer', (gs) => gs.map((g) => ({
    layer: Number(g.dataset.layer), packages: Number(g.dataset.packages), findings: Number(g.dataset.findings),
    label: g.querySelector('text.step').textContent, bars: g.querySelectorAll('rect.bar-sev').length,
  })));
  out.summary = await page.$$eval('#summary .card', (cs) => Object.fromEntries(cs.map((c) =>
    [c.dataset.severity || c.dataset.count, Number(c.querySelector('.n').textContent)])));
  out.warnings = await page.$$eval('#warnings li', (ls) => ls.map((l) => l.textContent));
  const rows = () => page.$$eval('#vulns tbody tr', (rs) => rs.filter((r) => !r.hidden).map((r) => ({
    sev: Number(r.dataset.sev), fixable: r.dataset.fixable === '1', package: r.cells[2].textContent,
  })));
  out.vulnerabilities = (await rows()).length;
  // Sort by package: ascending, then descending on a second click.
  const header = page.locator('#vulns thead th', { hasText: 'Package' });
  await header.click();
  out.sortedAsc = (await rows()).map((r) => r.package);
  out.ariaSort = await header.getAttribute('aria-sort');
  await header.click();
  out.sortedDesc = (await rows()).map((r) => r.package);
  // Filters: HIGH and above, then fixable only as well.
  await page.selectOption('#sev-filter', '3');
  out.highAndAbove = await rows();
  await page.check('#fixable-filter');
  out.highAndAboveFixable = await rows();
  out.shownText = await page.textContent('#vulns-shown');
  await page.uncheck('#fixable-filter');
  await page.selectOption('#sev-filter', '0');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: false });
  await page.locator('#layers').screenshot({ path: shot.replace(/\.png$/, '-layers.png') });
} finally {
  out.blocked = blocked;
  out.errors = errors;
  await close();
}
process.stdout.write(JSON.stringify(out) + '\n');
