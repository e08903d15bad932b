// Launches Debian's chromium (not a Playwright-downloaded browser: none can be fetched here) with
// a fresh profile, and counts every request that leaves the allowed origin.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const EXECUTABLE = process.env.PLIMSOLL_CHROMIUM || '/usr/bin/chromium';

// `allowed(url)` says which requests may go through; every other one is aborted and recorded.
export async function open({ allowed, viewport = { width: 1360, height: 900 } }) {
  const profile = mkdtempSync(join(tmpdir(), 'plimsoll-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    headless: true,
    viewport,
    // Playwright adds --headless itself; the rest keeps chromium from calling home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  const blocked = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (req) => { if (!allowed(req.url())) blocked.push(req.url()); });
  context.on('websocket', (ws) => blocked.push(ws.url()));
  // A Content-Security-Policy refusal means the page tried to load something: count it too.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.blockedURI + ' ' + e.violatedDirective));
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, blocked, errors, close };
}
