// Regenerates docs/chart.png, the README's picture: `chan chart` of the bundled sample (its last
// two years, so the pens can be told apart), as headless Chromium draws it. Run after `npm run build`:
//   node scripts/chart-screenshot.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openChart } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const html = join(mkdtempSync(join(tmpdir(), 'chan-shot-')), 'chart.html');
const args = ['dist/cli/main.js', 'chart', 'data/sse_000001_1d.csv', '--from', '2018-07-01', '-o', html];
const made = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
if (made.status !== 0) throw new Error(`chan chart failed: ${made.stderr}`);

const browser = await launchBrowser();
try {
  const { page, log } = await openChart(browser, html, 1200, 720);
  if (log.errors.length > 0) throw new Error(`the page reported errors: ${log.errors.join('; ')}`);
  await page.screenshot({ path: join(root, 'docs/chart.png') });
  console.log(`wrote docs/chart.png from: node ${args.join(' ')}`);
} finally {
  await browser.close();
}
