// Streaming append latency with 1M bars of history, TS and WASM kernels, compared in one run with
// recomputing the batch analysis per bar. Run with `npm run bench:streaming` (builds first).
// Latencies are single append() calls timed with process.hrtime.bigint() (percentiles need
// per-call times, which tinybench does not report).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gunzipSync } from 'node:zlib';
import {
  createEmbeddedWasmEngine,
  embeddedWasmStreamKernel,
  parseBarsCsv,
  resolveOptions,
  StreamingAnalyzer,
  tsEngine,
  tsStreamKernel,
} from '../dist/index.js';

const src = parseBarsCsv(
  gunzipSync(readFileSync(new URL('./data/sse_000001_1m_20150105_20190212.csv.gz', import.meta.url))).toString('utf8'),
);
const HISTORY = 1_000_000,
  TIMED = 100_000;
// The 239,550 real 1-minute bars repeated (shifted in time) to 1.1M bars. Each bar object is made
// just before its append (outside the timed call), as a feed handler hands over a decoded bar.
const n0 = src.timestamp.length;
const span = src.timestamp[n0 - 1] - src.timestamp[0] + 60_000;
const bar = (i) => {
  const k = i % n0,
    rep = Math.floor(i / n0);
  return {
    timestamp: src.timestamp[k] + rep * span,
    open: src.open[k],
    high: src.high[k],
    low: src.low[k],
    close: src.close[k],
    volume: src.volume[k],
  };
};

function pct(ns, p) {
  return ns[Math.min(ns.length - 1, Math.floor(p * ns.length))] / 1000;
}

/** Latency of step(input(i)) for the TIMED bars after the history (per-call times, sorted). */
function timed(step, input) {
  const ns = new Float64Array(TIMED);
  for (let i = 0; i < TIMED; i++) {
    const x = input(HISTORY + i);
    const t0 = process.hrtime.bigint();
    step(x);
    ns[i] = Number(process.hrtime.bigint() - t0);
  }
  const mean = ns.reduce((s, v) => s + v, 0) / TIMED / 1000;
  ns.sort();
  return { p50: pct(ns, 0.5), p99: pct(ns, 0.99), p999: pct(ns, 0.999), mean };
}

// Full collections (with --expose-gc) before each row and after its history, so that no row's timed
// appends run while the garbage of an earlier row (a 1M-bar analyzer) or of the history build is
// collected; the timed appends still pay for every collection their own garbage causes.
const collect = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

function run(name, kernel, window, options = {}) {
  collect();
  const a = new StreamingAnalyzer(options, { kernel, window });
  for (let i = 0; i < HISTORY; i++) a.append(bar(i));
  collect();
  return { name, window: window ?? 'none', ...timed((b) => a.append(b), bar) };
}

// The WASM kernel's own work with no host around it, a floor for the WASM rows: its one export per
// bar (every stage, the comparison with the previous bar's pens and segments, event records), nothing
// read back. `ex` is the instance's exports, a private field of WasmStreamKernel.
function kernelOnly() {
  collect();
  const ex = embeddedWasmStreamKernel()(resolveOptions({})).ex;
  const feed = (i) => {
    const k = i % n0;
    ex.streamStep(i, src.high[k], src.low[k], src.close[k], 0);
  };
  for (let i = 0; i < HISTORY; i++) feed(i);
  collect();
  return { name: 'WASM kernel exports only (no host)', window: 'none', ...timed(feed, (i) => i) };
}

// A timer's own cost, to read the figures against.
const tn = new Float64Array(100_000);
for (let i = 0; i < tn.length; i++) {
  const t0 = process.hrtime.bigint();
  tn[i] = Number(process.hrtime.bigint() - t0);
}
tn.sort();

const off = { structures: { enabled: false } };
const rows = [
  run('WASM kernel', embeddedWasmStreamKernel()),
  run('TS kernel', tsStreamKernel),
  run('WASM kernel', embeddedWasmStreamKernel(), 10_000),
  run('TS kernel', tsStreamKernel, 10_000),
  run('WASM kernel, structures off', embeddedWasmStreamKernel(), undefined, off),
  run('WASM kernel, structures off', embeddedWasmStreamKernel(), 10_000, off),
  run('TS kernel, structures off', tsStreamKernel, 10_000, off),
  kernelOnly(),
];

// Recomputing the batch analysis for each new bar (what streaming replaces): a few runs at 1M bars.
const cols = {
  timestamp: new Float64Array(HISTORY),
  open: new Float64Array(HISTORY),
  high: new Float64Array(HISTORY),
  low: new Float64Array(HISTORY),
  close: new Float64Array(HISTORY),
  volume: new Float64Array(HISTORY),
};
for (let i = 0; i < HISTORY; i++) for (const [f, c] of Object.entries(bar(i))) cols[f][i] = c;
const batch = (engine) => {
  collect();
  engine.analyze(cols);
  const t = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    engine.analyze(cols);
    t.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  t.sort((x, y) => x - y);
  return t[2];
};
const batchWasm = batch(createEmbeddedWasmEngine()),
  batchTs = batch(tsEngine);

console.log(
  `append() with ${HISTORY.toLocaleString('en')} bars of history, ${TIMED.toLocaleString('en')} timed appends; ${cpus().length} x ${cpus()[0]?.model}; Node ${process.version}`,
);
console.log(
  `timer overhead: p50 ${(tn[tn.length >> 1] / 1000).toFixed(3)} us; full collections between rows: ${globalThis.gc ? 'yes' : 'no (run with --expose-gc)'}\n`,
);
console.log('| engine | window | p50 us | p99 us | p99.9 us | mean us |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.name} | ${r.window} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.p999.toFixed(2)} | ${r.mean.toFixed(2)} |`);
console.log(`| batch analyze() per bar, WASM | none | ${batchWasm.toFixed(0)} (median of 5) | | | |`);
console.log(`| batch analyze() per bar, TS | none | ${batchTs.toFixed(0)} (median of 5) | | | |`);
