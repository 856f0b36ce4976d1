// The chart tests' browser: the launcher shared with the chart benchmark and screenshot script.
import type { Page } from 'puppeteer-core';

export { launchBrowser, openChart, type PageLog } from '../../scripts/chromium.mjs';

/** Resolves after the browser has drawn two more frames (the chart redraws on the next one). */
export const frames = (page: Page) =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
