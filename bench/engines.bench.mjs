// WASM engine vs TS engine vs peer MACD libraries vs a C -O3 MACD loop, per stage and for the full
// pipeline, at 10k, 100k, 239,550 (the whole SSE 1-minute series) and 1M bars (the series extended). Every task rotates between three windows of the series so neither V8 nor the branch
// predictor specialises on one array. Run with `npm run bench:engines` (builds first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import ti from 'technicalindicators';
import { EMA, MACD } from 'trading-signals';
import { embeddedWasmBytes, createWasmEngine, resolveOptions, tsEngine, validateBars } from '../dist/index.js';
import { extendedSeries, readEveryObject, windows as threeWindows } from './series.mjs';
// Benchmark hooks (not part of the public API): the WASM module with a stage mask, the TS stages.
import { createWasmKernel, STAGE } from '../dist/engines/wasm/engine.js';
import { analyzeRaw, mergeAndPens } from '../dist/engines/ts/pipeline.js';
import { checkOutput } from '../dist/failover/output-check.js';
import { computeMacd } from '../dist/engines/ts/macd.js';
import { MergedBarStore } from '../dist/engines/ts/merge.js';
import { buildSegments, segmentView } from '../dist/engines/ts/segments.js';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,239550,1000000').split(',').map(Number);
const TIME = Number(process.env.BENCH_TIME_MS ?? 1500);
const opt = resolveOptions({});
const smaOpt = { ...opt.macd, seed: 'sma', histogramScale: 1 };
const noStructures = resolveOptions({ structures: { enabled: false } });

// --- data: the series, extended by repeating it with a price step so it keeps moving -----------
const maxSize = Math.max(...SIZES);
const ext = extendedSeries(maxSize + 2 * Math.ceil(maxSize / 3));
const windows = (n) => threeWindows(ext, n);

// --- WASM stages through the kernel (the engine's own copy-in and run, with a stage mask) -------
const module = new WebAssembly.Module(embeddedWasmBytes());
const kernel = createWasmKernel(module);
const { MERGE, PENS, SEGMENTS, MACD: MACD_STAGE } = STAGE;
const smaRun = resolveOptions({ macd: smaOpt });
const wasmStages = (b, stages, seed = 0) => kernel.run(b, seed ? smaRun : opt, stages);
const wasmEngine = createWasmEngine(module);

// --- TS stages -------------------------------------------------------------------------------
function tsMerge(b) {
  const n = b.high.length,
    m = new MergedBarStore(n);
  for (let i = 0; i < n; i++) m.push(i, b.high[i], b.low[i]);
  return m.count;
}
const tsPens = (b) => mergeAndPens(b, opt.pen);
function tsStructure(b) {
  const { merged, pens } = tsPens(b);
  return buildSegments(segmentView(pens, merged)).length;
}

// --- C reference ----------------------------------------------------------------------------
function cMacd(closes) {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'chan-bench-'));
    const bin = join(dir, 'macd');
    execFileSync('gcc', ['-O3', '-o', bin, new URL('./c/macd.c', import.meta.url).pathname]);
    writeFileSync(join(dir, 'closes.bin'), Buffer.from(closes.buffer, closes.byteOffset, closes.byteLength));
    return JSON.parse(execFileSync(bin, [join(dir, 'closes.bin'), String(Math.max(3, Math.round(3e7 / closes.length)))]).toString());
  } catch {
    return null; // no C compiler here
  }
}

const rows = [];
let sink = 0;
for (const n of SIZES) {
  const w = windows(n);
  const arrays = w.map((b) => Array.from(b.close));
  let turn = 0;
  const next = () => w[turn++ % 3];
  const bench = new Bench({ time: n >= 1_000_000 ? TIME * 2 : TIME, warmupTime: 300 });
  const add = (group, name, fn) => bench.add(`${group}|${name}`, fn);
  add('validate (shared by both engines)', 'ts', () => {
    validateBars(next());
  });
  add('merge + fractals', 'ts', () => {
    sink += tsMerge(next());
  });
  add('merge + fractals', 'wasm', () => {
    sink += wasmStages(next(), MERGE);
  });
  add('merge + fractals + pens', 'ts', () => {
    sink += tsPens(next()).pens.length;
  });
  add('merge + fractals + pens', 'wasm', () => {
    sink += wasmStages(next(), MERGE | PENS);
  });
  add('merge + fractals + pens + segments', 'ts', () => {
    sink += tsStructure(next());
  });
  add('merge + fractals + pens + segments', 'wasm', () => {
    sink += wasmStages(next(), MERGE | PENS | SEGMENTS);
  });
  add('MACD first_close', 'ts', () => {
    sink += computeMacd(next().close, opt.macd).dif.length;
  });
  add('MACD first_close', 'wasm', () => {
    sink += wasmStages(next(), MACD_STAGE, 0);
  });
  add('MACD sma (TA-Lib)', 'ts', () => {
    sink += computeMacd(next().close, smaOpt).dif.length;
  });
  add('MACD sma (TA-Lib)', 'wasm', () => {
    sink += wasmStages(next(), MACD_STAGE, 1);
  });
  add('MACD sma (TA-Lib)', 'technicalindicators', () => {
    sink += ti.MACD.calculate({
      values: arrays[turn++ % 3],
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }).length;
  });
  add('MACD sma (TA-Lib)', 'trading-signals', () => {
    const m = new MACD(new EMA(12), new EMA(26), new EMA(9));
    const c = w[turn++ % 3].close;
    for (let i = 0; i < c.length; i++) m.add(c[i]);
    sink += m.getResult()?.macd ?? 0;
  });
  add('core: all stages, incl. copy-in (no validation, no result objects)', 'ts', () => {
    sink += analyzeRaw(next(), opt).pens.n;
  });
  add('core: all stages, incl. copy-in (no validation, no result objects)', 'wasm', () => {
    sink += wasmStages(next(), MERGE | PENS | SEGMENTS | MACD_STAGE);
  });
  add('analyze(): validation + all stages + the result (pens as columns)', 'ts', () => {
    sink += tsEngine.analyze(next()).penColumns.count;
  });
  add('analyze(): validation + all stages + the result (pens as columns)', 'wasm', () => {
    sink += wasmEngine.analyze(next()).penColumns.count;
  });
  // The pen objects are made when result.pens is first read.
  add('analyze(), then its pen objects read', 'ts', () => {
    sink += tsEngine.analyze(next()).pens.length;
  });
  add('analyze(), then its pen objects read', 'wasm', () => {
    sink += wasmEngine.analyze(next()).pens.length;
  });
  // So are each level's pivots and points, when first read.
  add('analyze(), then every object read (pens, pivots, points)', 'ts', () => {
    sink += readEveryObject(tsEngine.analyze(next()));
  });
  add('analyze(), then every object read (pens, pivots, points)', 'wasm', () => {
    sink += readEveryObject(wasmEngine.analyze(next()));
  });
  // The failover coordinator's always-on output check, on each window's WASM result (made beforehand).
  const results = w.map((b) => wasmEngine.analyze(b, opt));
  add('output check (failover) of an analyze() result', 'ts', () => {
    const k = turn++ % 3;
    sink += checkOutput(results[k], w[k], opt) === null ? 1 : 0;
  });
  add('analyze(), structures off (no segments of segments, pivots, points)', 'ts', () => {
    sink += tsEngine.analyze(next(), noStructures).penColumns.count;
  });
  add('analyze(), structures off (no segments of segments, pivots, points)', 'wasm', () => {
    sink += wasmEngine.analyze(next(), noStructures).penColumns.count;
  });
  await bench.run();
  const c = cMacd(w[0].close);
  for (const t of bench.tasks) {
    const [group, engine] = t.name.split('|');
    rows.push({ n, group, engine, ns: (t.result.latency.mean * 1e6) / n, rme: t.result.latency.rme });
  }
  if (c) {
    rows.push({ n, group: 'MACD first_close', engine: 'C -O3', ns: c.first_close_ns_per_bar, rme: 0 });
    rows.push({ n, group: 'MACD sma (TA-Lib)', engine: 'C -O3', ns: c.sma_ns_per_bar, rme: 0 });
  }
}

// --- memory ---------------------------------------------------------------------------------
const n = SIZES.at(-1);
const big = windows(n)[0];
wasmStages(big, MERGE | PENS | SEGMENTS | MACD_STAGE);
const wasmPeak = kernel.memoryBytes();
// The result's own bytes are measured in fresh processes (bench/result-memory.mjs).
const resultMemory = execFileSync(process.execPath, [fileURLToPath(new URL('./result-memory.mjs', import.meta.url)), String(n)], {
  encoding: 'utf8',
});

console.log(
  `\n${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, tinybench; ns/bar (lower is better), ratio = other / wasm\n`,
);
for (const size of SIZES) {
  console.log(`### ${size.toLocaleString('en-US')} bars\n`);
  console.log('| stage | engine | ns/bar | ±% | vs wasm |');
  console.log('|---|---|---:|---:|---:|');
  const groups = [...new Set(rows.filter((r) => r.n === size).map((r) => r.group))];
  for (const g of groups) {
    const rs = rows.filter((r) => r.n === size && r.group === g);
    const w = rs.find((r) => r.engine.startsWith('wasm'))?.ns;
    for (const r of rs)
      console.log(
        `| ${g} | ${r.engine} | ${r.ns.toFixed(2)} | ${Number.isNaN(r.rme) ? '-' : r.rme.toFixed(1)} | ${w ? (r.ns / w).toFixed(2) + 'x' : '-'} |`,
      );
  }
  console.log('');
}
console.log(
  `memory at ${n.toLocaleString('en-US')} bars: WASM linear memory after a run ${(wasmPeak / n).toFixed(1)} bytes/bar (its peak: the heap is reset per run, memory never shrinks)\n${resultMemory}`,
);
if (sink === 0.5) console.log(sink);
