// Time to detect and switch for each fault, measured on the SSE 1-minute series (239,550 bars).
// Run with `npm run bench:failover` (builds first).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { createEmbeddedWasmEngine, createWasmEngine, EngineCoordinator, inProcessBackend, parseBarsCsv, tsEngine } from '../dist/index.js';
import { createWorkerBackend } from '../dist/node/index.js';

const bars = parseBarsCsv(
  gunzipSync(readFileSync(new URL('./data/sse_000001_1m_20150105_20190212.csv.gz', import.meta.url))).toString('utf8'),
);
const base = {
  primaryName: 'wasm',
  backup: inProcessBackend(tsEngine),
  failoverEnabled: true,
  maxFailuresBeforeSwitch: 3,
  responseTimeoutMs: 2000,
  healthCheckIntervalMs: 60_000,
  failbackEnabled: true,
  failbackHealthyChecks: 3,
  shadowFraction: 0,
};
const ms = async (f) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};
/** Median of `n` runs of an async measurement. */
const median = async (n, f) => {
  const v = [];
  for (let i = 0; i < n; i++) v.push(await f());
  v.sort((a, b) => a - b);
  return v[n >> 1];
};
// Warm both engines up so the figures are not JIT compile time.
const warm = createEmbeddedWasmEngine();
for (let i = 0; i < 5; i++) {
  warm.analyze(bars);
  tsEngine.analyze(bars);
}
function faulty(fault) {
  const inner = createEmbeddedWasmEngine();
  let n = 0;
  return {
    name: 'wasm',
    interruptible: false,
    async analyze(b, o) {
      return fault(++n, inner.analyzeValidated(b, o));
    },
    async dispose() {},
  };
}
const rows = [];
const add = (fault, what, v) => rows.push([fault, what, v]);

// Normal calls, for reference.
{
  const c = await EngineCoordinator.create({ ...base, createPrimary: () => inProcessBackend(createEmbeddedWasmEngine()) });
  add('none', 'call answered by WASM', await median(5, () => ms(() => c.analyze(bars))));
  const t = await EngineCoordinator.create({
    ...base,
    createPrimary: () => {
      throw new Error('off');
    },
  });
  add('none', 'call answered by TS', await median(5, () => ms(() => t.analyze(bars))));
}
// WASM fails to load.
add(
  'corrupt .wasm',
  'create() until serving on TS',
  await median(5, () =>
    ms(() => EngineCoordinator.create({ ...base, createPrimary: () => inProcessBackend(createWasmEngine(new Uint8Array(8))) })),
  ),
);
// Trap / invalid output: the failing call is answered by TS at once; the switch comes with the 3rd.
for (const [name, fault] of [
  [
    'trap',
    () => {
      throw new WebAssembly.RuntimeError('unreachable');
    },
  ],
  [
    'NaN in MACD',
    (r) => {
      const h = r.macd.histogram.slice();
      h[h.length - 1] = NaN;
      return { ...r, macd: { ...r.macd, histogram: h } };
    },
  ],
  ['flipped pen index', (r) => ({ ...r, pens: r.pens.map((p, i) => (i === 1 ? { ...p, startMerged: 0 } : p)) })],
]) {
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const c = await EngineCoordinator.create({ ...base, createPrimary: () => faulty((_, r) => fault(r)) });
    const first = await ms(() => c.analyze(bars));
    let total = first;
    while (c.status().active === 'wasm') total += await ms(() => c.analyze(bars));
    runs.push([first, total]);
  }
  const mid = (i) => runs.map((r) => r[i]).sort((a, b) => a - b)[2];
  add(name, 'failing call, answered by TS (median of 5)', mid(0));
  add(name, 'until switched: 3 failing calls (median of 5)', mid(1));
}
// Hang in worker mode: the call times out, TS answers, the worker is replaced.
{
  const calls = new SharedArrayBuffer(4);
  const backend = await createWorkerBackend({
    script: new URL('../test/fixtures/hanging-engine-worker.mjs', import.meta.url),
    workerData: { calls, hangOn: [2] },
  });
  const c = await EngineCoordinator.create({ ...base, responseTimeoutMs: 500, createPrimary: () => backend });
  add(
    'none (worker mode)',
    'first call answered by WASM in a worker (incl. copying bars and result between threads)',
    await ms(() => c.analyze(bars)),
  );
  add('hang (worker mode, limit 500 ms)', 'hung call, answered by TS', await ms(() => c.analyze(bars)));
  add('hang (worker mode, limit 500 ms)', 'next call, on the replaced worker', await ms(() => c.analyze(bars)));
  await c.stop();
}
// Recovery: failback after 3 healthy checks (canary of 3,000 bars on both engines).
{
  let broken = true;
  const c = await EngineCoordinator.create({
    ...base,
    maxFailuresBeforeSwitch: 1,
    createPrimary: () =>
      faulty((_, r) => {
        if (broken) throw new Error('x');
        return r;
      }),
  });
  await c.analyze(bars);
  broken = false;
  add(
    'recovered primary',
    'failback: 3 health checks until switched back (intervals not counted)',
    await ms(async () => {
      while (c.status().active !== 'wasm') await c.healthCheck();
    }),
  );
}
// Shadow verification cost of a sampled call.
{
  const c = await EngineCoordinator.create({
    ...base,
    shadowFraction: 1,
    createPrimary: () => inProcessBackend(createEmbeddedWasmEngine()),
  });
  add('none (shadow sample)', 'call run on both engines and compared', await median(5, () => ms(() => c.analyze(bars))));
}

console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${bars.high.length} bars per call\n`);
console.log('| fault | measured | ms |');
console.log('|---|---|---:|');
for (const [f, w, v] of rows) console.log(`| ${f} | ${w} | ${v.toFixed(1)} |`);
