// WASM engine == TS engine, exactly: indices, flags, and MACD values bit for bit (segments of
// segments included, and the structures built on them), on every kind of series and every option
// combination. FUZZ_RUNS=1000000 (npm run fuzz) for the long run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tsEngine } from '../src/engines/ts/index.js';
import { analyzeRaw } from '../src/engines/ts/pipeline.js';
import { embeddedWasmBytes } from '../src/engines/wasm/embedded.js';
import { createWasmRawAnalyzer } from '../src/engines/wasm/engine.js';
import { resolveOptions } from '../src/core/options.js';
import type { PenLineColumns } from '../src/core/structures/lines.js';
import { allocateBars } from '../src/core/bars.js';
import type { AnalysisResult, Bars } from '../src/core/types.js';
import { anySeries, macdOptions, penOptions, structureOptions } from './support/arbitraries.js';
import { wasmEngine } from './support/engines.js';
import { fixtureBars } from './support/helpers.js';
import { bits, expectSame } from './support/same.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const RAW_RUNS = Math.ceil(RUNS / 10);

describe('WASM engine equals TS engine', () => {
  it(
    `on ${RUNS} random series x option combinations`,
    () => {
      fc.assert(
        fc.property(anySeries, penOptions, macdOptions, structureOptions, (bars, pen, macd, structures) => {
          expectSame(wasmEngine.analyze(bars, { pen, macd, structures }), tsEngine.analyze(bars, { pen, macd, structures }));
        }),
        { numRuns: RUNS },
      );
    },
    RUNS * 50,
  );

  it(`the twin pen-line stages (assembly/pen-lines.ts, src/engines/ts/pen-lines.ts) give equal columns, bit for bit, on ${RAW_RUNS} random series`, () => {
    const wasmRaw = createWasmRawAnalyzer(embeddedWasmBytes());
    const columns = (c: PenLineColumns) =>
      [c.dir, c.startMerged, c.endMerged, c.low, c.high, c.begin, c.end, c.beginRaw, c.endRaw, c.confirmed, c.peak].map(bits);
    let pens = 0;
    fc.assert(
      fc.property(anySeries, penOptions, macdOptions, (bars, pen, macd) => {
        const opt = resolveOptions({ pen, macd });
        const t = analyzeRaw(bars, opt).pens;
        const w = wasmRaw(bars, opt).pens;
        expect(w.n).toBe(t.n);
        expect(columns(w)).toEqual(columns(t));
        pens += t.n;
      }),
      { numRuns: RAW_RUNS },
    );
    // The series make pens (the comparison is not of empty columns).
    expect(pens).toBeGreaterThan(RAW_RUNS * 5);
  });

  it('one engine instance serves inputs of growing and shrinking size (memory reuse and growth), and a result owns its memory', () => {
    // SPY hourly repeated (each repetition 5 % higher) to the wanted length: real pens and segments.
    const spy = fixtureBars('spy_1h_19980102_20210331');
    const m = spy.high.length;
    const kept: [Bars, AnalysisResult, AnalysisResult][] = [];
    for (const n of [5, 20_000, 3, 200_000, 1_000]) {
      const big = allocateBars(n);
      for (let i = 0; i < n; i++) {
        // From bar n of SPY on: each size's series differs from the others' from its first bar.
        const j = (i + n) % m,
          f = 1 + 0.05 * Math.floor((i + n) / m);
        big.timestamp[i] = i * 3_600_000;
        big.open[i] = spy.open[j]! * f;
        big.high[i] = spy.high[j]! * f;
        big.low[i] = spy.low[j]! * f;
        big.close[i] = spy.close[j]! * f;
        big.volume[i] = spy.volume[j]!;
      }
      const w = wasmEngine.analyze(big),
        t = tsEngine.analyze(big);
      expectSame(w, t, `${n} bars`);
      kept.push([big, w, t]);
      if (n >= 20_000) {
        expect(w.pens.length).toBeGreaterThan(n / 40);
        expect(w.segments.filter((s) => s.confirmed).length).toBeGreaterThan(n / 400);
        expect(w.segmentsOfSegments.filter((s) => s.confirmed).length).toBeGreaterThan(n / 10_000);
      }
    }
    // The engines reuse their working memory from call to call (the WASM linear memory, the TS merge
    // columns): the results of the calls before are unchanged by the ones after (a part left in that
    // memory would now hold a later call's values, unlike the other engine's result).
    for (const [bars, w, t] of kept) expectSame(w, t, `${bars.high.length} bars, after the later calls`);
  });
});
