// The chart file: how long chartHtml() takes, how big the file is, and how long headless Chromium
// takes to first paint it (the page's performance.now() when the chart has drawn its first frame,
// i.e. from navigation start: parsing, the library, decoding, setData, the first paint). Run with
// `npm run bench:chart` (builds first). First paints are timed per page load (a fresh page each, 7
// loads after one warm-up), since the figure is a single event, not a loop tinybench could repeat.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Bench } from 'tinybench';
import { chartHtml } from '../dist/chart/index.js';
import { createEmbeddedWasmEngine, parseBarsCsv } from '../dist/index.js';
import { launchBrowser, openChart } from '../scripts/chromium.mjs';

const read = (path) => {
  const raw = readFileSync(new URL(path, import.meta.url));
  return parseBarsCsv((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
};
const engine = await createEmbeddedWasmEngine();
const SERIES = [
  ['SSE daily (bundled sample)', read('../data/sse_000001_1d.csv')],
  ['SSE 1-minute', read('./data/sse_000001_1m_20150105_20190212.csv.gz')],
];
const dir = mkdtempSync(join(tmpdir(), 'chan-chart-bench-'));
const LOADS = 7;

console.log(`${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
const browser = await launchBrowser();
console.log(`Chromium ${await browser.version()}`);
try {
  for (const [name, bars] of SERIES) {
    const analysis = engine.analyze(bars);
    const bench = new Bench({ iterations: 5, warmupIterations: 1 });
    bench.add('chartHtml', () => chartHtml(bars, analysis));
    await bench.run();
    const html = chartHtml(bars, analysis);
    const file = join(dir, `${bars.timestamp.length}.html`);
    writeFileSync(file, html);
    const paints = [];
    for (let i = 0; i <= LOADS; i++) {
      const { page } = await openChart(browser, file);
      const painted = Number(await page.evaluate(() => document.documentElement.dataset.painted));
      await page.close();
      if (i > 0) paints.push(painted);
    }
    paints.sort((a, b) => a - b);
    const ms = (v) => `${Math.round(v)} ms`;
    const r = bench.tasks[0].result;
    console.log(
      `${name}: ${bars.timestamp.length.toLocaleString('en-US')} bars, file ${(html.length / 1e6).toFixed(2)} MB ` +
        `(${(html.length / bars.timestamp.length).toFixed(1)} B/bar); chartHtml mean ${ms(r.latency.mean)}; ` +
        `first paint median ${ms(paints[LOADS >> 1])} (min ${ms(paints[0])}, max ${ms(paints[LOADS - 1])}, ${LOADS} loads)`,
    );
  }
} finally {
  await browser.close();
}
