// The benchmarks' input: the bundled SSE 1-minute series (239,550 bars), extended by repeating it
// with a price step (each repetition 5 % higher) so it keeps moving, and windows of it.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { barAt } from '../dist/core/bars.js';
import { parseBarsCsv } from '../dist/index.js';

export const base = parseBarsCsv(
  gunzipSync(readFileSync(new URL('./data/sse_000001_1m_20150105_20190212.csv.gz', import.meta.url))).toString('utf8'),
);

/** `total` bars: the series repeated, one minute apart. */
export function extendedSeries(total) {
  const ext = Object.fromEntries(['timestamp', 'open', 'high', 'low', 'close', 'volume'].map((k) => [k, new Float64Array(total)]));
  for (let i = 0; i < total; i++) {
    const j = i % base.high.length,
      rep = Math.floor(i / base.high.length);
    const f = 1 + 0.05 * rep;
    ext.timestamp[i] = base.timestamp[0] + i * 60_000;
    for (const k of ['open', 'high', 'low', 'close']) ext[k][i] = Math.round(base[k][j] * f * 100) / 100;
    ext.volume[i] = base.volume[j];
  }
  return ext;
}

/** Three windows of `n` bars of `ext`, a third of n apart (tasks rotate between them). */
export const windows = (ext, n) =>
  [0, 1, 2].map((w) => {
    const s = w * Math.ceil(n / 3);
    return Object.fromEntries(Object.entries(ext).map(([k, a]) => [k, a.slice(s, s + n)]));
  });

/** Bars [from, to) of the base series as klines (SubmitKlines). */
export const baseKlines = (from, to) => Array.from({ length: to - from }, (_, j) => barAt(base, from + j));

/** Makes every object a result makes when first read (pens, each level's pivots and points); their count. */
export const readEveryObject = (r) =>
  r.pens.length + r.pivots.pen.length + r.pivots.segment.length + r.buySellPoints.pen.length + r.buySellPoints.segment.length;
