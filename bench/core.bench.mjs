// ns/bar of each stage of the TS engine and of the full pipeline on the SSE 1-minute series
// (239,550 bars). Run with `npm run bench` (builds first). Inputs rotate between three variants
// (original, mirrored, rescaled) so V8 and the branch predictor do not specialise on one array.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { analyze, computeMacd, parseBarsCsv, resolveOptions, validateBars } from '../dist/index.js';
import { MergedBarStore } from '../dist/core/merge.js';
import { PenBuilder } from '../dist/core/pens.js';
import { buildSegments } from '../dist/core/segments.js';

const file = new URL('./data/sse_000001_1m_20150105_20190212.csv.gz', import.meta.url);
const base = parseBarsCsv(gunzipSync(readFileSync(file)).toString('utf8'));
const n = base.high.length;

function variant(kind) {
  const max = base.high.reduce((a, v) => (v > a ? v : a), 0) + 1;
  const f = kind === 'mirror' ? (v) => max - v : kind === 'scale' ? (v) => v * 1.37 : (v) => v;
  const mirror = kind === 'mirror';
  return {
    timestamp: base.timestamp.slice(),
    open: base.open.map(f),
    high: (mirror ? base.low : base.high).map(f),
    low: (mirror ? base.high : base.low).map(f),
    close: base.close.map(f),
    volume: base.volume.slice(),
  };
}
const variants = ['orig', 'mirror', 'scale'].map(variant);
let turn = 0;
const next = () => variants[turn++ % variants.length];

const opt = resolveOptions({});
function mergeOnly(b) {
  const m = new MergedBarStore(n);
  for (let i = 0; i < n; i++) m.push(i, b.high[i], b.low[i]);
  return m.count;
}
function mergeAndPens(b) {
  const m = new MergedBarStore(n);
  const p = new PenBuilder(m, opt.pen);
  for (let i = 0; i < n; i++) if (m.push(i, b.high[i], b.low[i]) && m.count >= 3) p.onClassified(m.count - 2);
  return p.withVirtualTail();
}
// Segment input: pens of each variant, computed once.
const segInputs = variants.map((b) => {
  const r = analyze(b);
  return r.pens.map((p, i) => ({
    dir: p.direction === 'up' ? 1 : -1,
    high: Math.max(p.startPrice, p.endPrice),
    low: Math.min(p.startPrice, p.endPrice),
    beginVal: p.startPrice,
    endVal: p.endPrice,
    sure: p.confirmed || i < r.pens.length - 1,
  }));
});

let sink = 0;
const bench = new Bench({ time: 2000, warmupTime: 500 });
bench
  .add('validate', () => { validateBars(next()); })
  .add('merge + fractals', () => { sink += mergeOnly(next()); })
  .add('merge + fractals + pens', () => { sink += mergeAndPens(next()).length; })
  .add('segments (from pens)', () => { sink += buildSegments(segInputs[turn++ % 3]).length; })
  .add('MACD 12/26/9 first_close', () => { sink += computeMacd(next().close, opt.macd).dif.length; })
  .add('MACD 12/26/9 sma (TA-Lib)', () => { sink += computeMacd(next().close, { ...opt.macd, seed: 'sma', histogramScale: 1 }).dif.length; })
  .add('full pipeline (analyze)', () => { sink += analyze(next()).pens.length; });

await bench.run();
const pens = analyze(base).pens.length;
console.log(`TS engine, ${n} bars (${pens} pens); ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`);
console.log('| stage | ns/bar | mean ms/run | ±% | samples |');
console.log('|---|---:|---:|---:|---:|');
for (const t of bench.tasks) {
  const r = t.result;
  const mean = r.latency.mean; // ms
  console.log(`| ${t.name} | ${((mean * 1e6) / n).toFixed(2)} | ${mean.toFixed(2)} | ${r.latency.rme.toFixed(1)} | ${r.latency.samplesCount} |`);
}
if (sink === 0.5) console.log(sink);
