// Walks the fleet web page as a security engineer does every morning, against a running server
// (the real `plimsoll server`, started by crates/plimsoll-cli/tests/server_browser.rs):
// sign in (a wrong token first, which must be refused), the overview, an image with its layer
// chart, a search for a CVE id that lands on its affected images. Requests outside BASE_URL are
// aborted and counted. Prints one JSON object on stdout; screenshots go to OUT_DIR.
//
// With HOSTILE_DIGEST, also opens that image (whose names are markup) and counts what ran.
//
// usage: node web_page.mjs BASE_URL TOKEN CVE_ID OUT_DIR [HOSTILE_DIGEST]
import { join } from 'node:path';
import { open } from './chromium.mjs';

const [base, token, cve, dir, hostile] = process.argv.slice(2);
const origin = new URL(base).origin;
const { page, blocked, errors, close } = await open({ allowed: (u) => u.startsWith(origin + '/') || u === origin });
const out = {};
// What a person sees on arrival (the viewport, at the top of the page).
const shot = async (name) => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(dir, name + '.png') });
};
try {
  await page.goto(base + '/#/', { waitUntil: 'load' });
  await page.fill('#token-input', 'not-a-token');
  await page.click('#login-form button');
  await page.waitForSelector('#login-error:not([hidden])');
  out.wrongTokenMessage = await page.textContent('#login-error');
  await page.fill('#token-input', token);
  await page.click('#login-form button');
  await page.waitForSelector('#app h1:has-text("Fleet overview")');
  out.overview = {
    cards: await page.$$eval('#app .cards .card', (cs) => Object.fromEntries(cs.map((c) => [c.dataset.severity, Number(c.querySelector('.n').textContent)]))),
    newFindings: await page.$$eval('#new-findings tbody tr', (rs) => rs.length),
    staleImages: await page.$$eval('#stale-images tbody tr', (rs) => rs.length),
  };
  await shot('overview');

  // The images table, sorted by worst severity (most severe first), then follow the first image.
  await page.click('#nav a[data-route="images"]');
  await page.waitForSelector('#images-table');
  const worst = page.locator('#images-table thead th', { hasText: 'Worst' });
  await worst.click();
  await worst.click();
  out.imagesByWorst = await page.$$eval('#images-table tbody tr', (rs) => rs.map((r) => r.cells[2].textContent));
  await shot('images');
  const first = page.locator('#images-table tbody tr:first-child td:first-child a');
  out.followedImage = decodeURIComponent((await first.getAttribute('href')).replace('#/image/', ''));
  await first.click();
  await page.waitForSelector('svg.layer-chart');
  out.image = {
    hash: await page.evaluate(() => location.hash),
    layers: await page.$$eval('svg.layer-chart g.layer', (gs) => gs.map((g) => ({
      layer: Number(g.dataset.layer), packages: Number(g.dataset.packages), findings: Number(g.dataset.findings),
      label: g.querySelector('text.step').textContent,
    }))),
    vulnerabilities: await page.$$eval('#image-vulns tbody tr', (rs) => rs.length),
    // The "First seen" cells (the server's finding history), empty when the column is absent.
    firstSeen: await page.$$eval('#image-vulns', (ts) => {
      if (!ts.length) return [];
      const i = [...ts[0].tHead.rows[0].cells].findIndex((c) => c.textContent.startsWith('First seen'));
      return i < 0 ? [] : [...ts[0].tBodies[0].rows].map((r) => r.cells[i].textContent);
    }),
  };
  // Filter the image's vulnerabilities: fixable only.
  if (out.image.vulnerabilities > 0) {
    await page.check('#vuln-fixable');
    out.image.fixable = await page.$$eval('#image-vulns tbody tr', (rs) => rs.map((r) => r.dataset.fixable));
    await page.uncheck('#vuln-fixable');
  }
  await shot('image');
  await page.locator('svg.layer-chart').screenshot({ path: join(dir, 'image-layers.png') });

  // Search a CVE id: the page lands on its affected images.
  await page.fill('#search-input', cve);
  await page.press('#search-input', 'Enter');
  await page.waitForSelector('#vuln-images');
  out.vuln = {
    hash: await page.evaluate(() => location.hash),
    heading: await page.textContent('#app h1'),
    images: await page.$$eval('#vuln-images tbody tr td:first-child a', (as) => as.map((a) => decodeURIComponent(a.getAttribute('href').replace('#/image/', '')))),
  };
  await shot('vulnerability');
  // A shared link opens the same page in a fresh tab, after its own sign-in (the token is kept
  // per tab, in sessionStorage).
  const again = await page.context().newPage();
  await again.goto(base + '/' + out.vuln.hash, { waitUntil: 'load' });
  await again.fill('#token-input', token);
  await again.click('#login-form button');
  await again.waitForSelector('#vuln-images');
  out.sharedLinkRows = await again.$$eval('#vuln-images tbody tr', (rs) => rs.length);
  await again.close();
  if (hostile) {
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss().catch(() => {}); });
    const count = () => page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
    }));
    await page.click('#nav a[data-route="images"]');
    await page.waitForSelector('#images-table');
    const list = await count();
    await page.goto(base + '/#/image/' + encodeURIComponent(hostile), { waitUntil: 'load' });
    await page.waitForSelector('svg.layer-chart');
    out.hostile = {
      list,
      image: await count(),
      labels: await page.$$eval('svg.layer-chart text.step', (ts) => ts.map((t) => t.textContent)),
      packages: await page.$$eval('#image-packages tbody tr td:first-child', (ts) => ts.map((t) => t.textContent)),
    };
    out.hostile.dialogs = dialogs;
    await shot('hostile');
  }
  // The overview's link for the most severe non-empty worst severity: only those images.
  const top = Object.entries(out.overview.cards).find(([, n]) => n > 0);
  if (top) {
    await page.evaluate((h) => { location.hash = h; }, '#/images?severity=' + top[0]);
    await page.waitForSelector('#images-table');
    out.worstLink = { severity: top[0], worst: await page.$$eval('#images-table tbody tr', (rs) => rs.map((r) => r.cells[2].textContent)) };
  }
} catch (e) {
  out.failure = String(e && e.stack || e);
  await shot('failure').catch(() => {});
} finally {
  out.blocked = blocked;
  out.errors = errors;
  await close();
}
process.stdout.write(JSON.stringify(out) + '\n');
