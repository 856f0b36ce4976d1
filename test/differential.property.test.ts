// WASM engine == TS engine, exactly: indices, flags, and MACD values bit for bit, on every kind of
// series and every option combination. FUZZ_RUNS=1000000 (npm run fuzz) for the long run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tsEngine } from '../src/engines/ts/index.js';
import type { AnalysisResult } from '../src/core/types.js';
import { anySeries, macdOptions, penOptions } from './support/arbitraries.js';
import { wasmEngine } from './support/engines.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** Bytes of a float column, so -0/0 and NaN payloads count as differences. */
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function expectSame(w: AnalysisResult, t: AnalysisResult): void {
  expect(w.pens).toEqual(t.pens);
  expect(w.segments).toEqual(t.segments);
  expect(w.fractals).toEqual(t.fractals);
  expect(w.merged).toEqual(t.merged);
  expect(bits(w.merged.high)).toBe(bits(t.merged.high));
  expect(bits(w.merged.low)).toBe(bits(t.merged.low));
  expect(w.macd.firstValid).toBe(t.macd.firstValid);
  expect(bits(w.macd.dif)).toBe(bits(t.macd.dif));
  expect(bits(w.macd.dea)).toBe(bits(t.macd.dea));
  expect(bits(w.macd.histogram)).toBe(bits(t.macd.histogram));
}

describe('WASM engine equals TS engine', () => {
  it(
    `on ${RUNS} random series x option combinations`,
    () => {
      fc.assert(
        fc.property(anySeries, penOptions, macdOptions, (bars, pen, macd) => {
          expectSame(wasmEngine.analyze(bars, { pen, macd }), tsEngine.analyze(bars, { pen, macd }));
        }),
        { numRuns: RUNS },
      );
    },
    RUNS * 50,
  );

  it('one engine instance serves inputs of growing and shrinking size (memory reuse and growth)', () => {
    const sizes = [5, 20_000, 3, 200_000, 1_000];
    for (const n of sizes) {
      const bars = fc.sample(anySeries, { numRuns: 1, seed: n })[0]!;
      // Repeat the sample to the wanted length with rising timestamps.
      const m = bars.high.length;
      const big = {
        timestamp: new Float64Array(n),
        open: new Float64Array(n),
        high: new Float64Array(n),
        low: new Float64Array(n),
        close: new Float64Array(n),
        volume: new Float64Array(n),
      };
      for (let i = 0; i < n; i++) {
        const j = i % m,
          lift = Math.floor(i / m) * 3;
        big.timestamp[i] = i;
        big.open[i] = bars.open[j]! + lift;
        big.high[i] = bars.high[j]! + lift;
        big.low[i] = bars.low[j]! + lift;
        big.close[i] = bars.close[j]! + lift;
      }
      expectSame(wasmEngine.analyze(big), tsEngine.analyze(big));
    }
  });
});
