// Headless Chromium driven by puppeteer-core, for the chart tests, the chart benchmark and the
// screenshot script: Debian's `chromium` (or $CHROMIUM_PATH). .ci/run installs it when missing.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath() {
  const path = process.env.CHROMIUM_PATH ?? CANDIDATES.find((p) => existsSync(p));
  if (path === undefined)
    throw new Error(`no Chromium found (looked for ${CANDIDATES.join(', ')}; set CHROMIUM_PATH): apt-get install chromium`);
  return path;
}

export function launchBrowser() {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root (CI) Chromium refuses to start with its sandbox.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run'],
  });
}

/**
 * Opens the chart file in a new page of the given size and waits until the chart has painted; the
 * log collects the page's requests, console errors and warnings, and uncaught exceptions.
 */
export async function openChart(browser, file, width = 1280, height = 760) {
  const page = await browser.newPage();
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  const log = { requests: [], errors: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') log.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  await page.goto(`file://${file}`);
  await page.waitForSelector('html[data-painted]', { timeout: 60_000 });
  return { page, log };
}
