// Bytes an analyze() result holds while the caller keeps it, per engine, at N bars (default 1M), each
// measured in a fresh process: in a process that ran benchmarks, a collection during the measurement
// frees their garbage too, which once made the figure negative. Run: node bench/result-memory.mjs [N]
// (engines.bench.mjs runs it at its largest size).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEmbeddedWasmEngine, tsEngine } from '../dist/index.js';
import { extendedSeries } from './series.mjs';

const [n = 1_000_000, engineName] = [Number(process.argv[2] ?? 1_000_000), process.argv[3]];

async function settled() {
  let last = Infinity;
  for (let i = 0; i < 20; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
    const m = process.memoryUsage();
    const used = m.heapUsed + m.arrayBuffers;
    if (used >= last) return used;
    last = used;
  }
  return last;
}

if (engineName === undefined) {
  const self = fileURLToPath(import.meta.url);
  for (const e of ['wasm', 'ts'])
    process.stdout.write(execFileSync(process.execPath, ['--expose-gc', self, String(n), e], { encoding: 'utf8' }));
} else {
  const bars = extendedSeries(n);
  const engine = engineName === 'wasm' ? await createEmbeddedWasmEngine() : tsEngine;
  // The engine's own state, kept from call to call, is not the result's: a first call of the same size
  // makes it (the WASM module and its linear memory, not counted here; the TS engine's merge columns).
  const start = await settled();
  engine.analyze(bars);
  const before = await settled();
  console.log(
    `working memory the ${engineName} engine keeps between calls (outside the WASM linear memory), ${n.toLocaleString('en-US')} bars: ${((before - start) / n).toFixed(1)} bytes/bar`,
  );
  const kept = engine.analyze(bars);
  const after = await settled();
  // The pen objects are made when `pens` is first read, each level's pivots and points likewise:
  // measured as returned and with all of them read.
  const pens = kept.pens.length;
  const pivots = kept.pivots.pen.length + kept.pivots.segment.length;
  const points = kept.buySellPoints.pen.length + kept.buySellPoints.segment.length;
  const withObjects = await settled();
  console.log(
    `result of analyze() kept by the caller, ${engineName} engine, ${n.toLocaleString('en-US')} bars: ${((after - before) / n).toFixed(1)} bytes/bar, ${((withObjects - before) / n).toFixed(1)} once its pen, pivot and point objects are read (${pens} pens, ${pivots} pivots, ${points} points)`,
  );
}
