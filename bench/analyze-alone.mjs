// analyze() at 1M bars, each engine and case alone in a process of its own, the processes taking
// turns (3 rounds): a call pays for its own garbage only, and the VM's drift is spread over the
// rows. Cases: the result as returned, with structures off, and with every object read (pens,
// pivots, points: made when first read); and the failover coordinator's output check alone, on each
// fresh result. ms per call, 25th percentile of 24 calls; one column per round.
//   node bench/analyze-alone.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEmbeddedWasmEngine, resolveOptions, tsEngine } from '../dist/index.js';
import { checkOutput } from '../dist/failover/output-check.js';
import { extendedSeries, readEveryObject, windows } from './series.mjs';

const N = 1_000_000;
const CASES = ['on', 'off', 'read', 'check'];
const [engineName, mode] = process.argv.slice(2);

if (engineName === undefined) {
  const self = fileURLToPath(import.meta.url);
  const rows = new Map();
  for (let round = 0; round < 3; round++) {
    for (const e of ['wasm', 'ts']) {
      for (const m of CASES) {
        const ms = Number(execFileSync(process.execPath, [self, e, m], { encoding: 'utf8' }));
        rows.set(`${e} ${m}`, [...(rows.get(`${e} ${m}`) ?? []), ms]);
      }
    }
  }
  const name = { on: 'as returned', off: 'structures off', read: 'every object read', check: 'its output check alone' };
  console.log('| engine, `analyze()` at 1M bars | round 1 | round 2 | round 3 |\n|---|---:|---:|---:|');
  for (const [k, v] of rows) {
    const [e, m] = k.split(' ');
    console.log(`| ${e}, ${name[m]} | ${v.map((x) => x.toFixed(1)).join(' | ')} |`);
  }
} else {
  const w = windows(extendedSeries(N + Math.ceil(N / 3) * 2), N);
  const engine = engineName === 'wasm' ? createEmbeddedWasmEngine() : tsEngine;
  const options = resolveOptions(mode === 'off' ? { structures: { enabled: false } } : {});
  const use = mode === 'read' ? readEveryObject : (r) => r.penColumns.count;
  const t = [];
  let sink = 0;
  for (let i = 0; i < 28; i++) {
    const s = performance.now();
    const r = engine.analyze(w[i % 3], options);
    if (mode === 'check') {
      const c = performance.now();
      if (checkOutput(r, w[i % 3], options) !== null) throw new Error('the output check failed');
      if (i >= 4) t.push(performance.now() - c);
    } else if (i >= 4) t.push(performance.now() - s);
    sink += use(r);
  }
  if (sink === 0) throw new Error('no pens');
  process.stdout.write(String(t.sort((a, b) => a - b)[Math.floor(t.length / 4)]));
}
