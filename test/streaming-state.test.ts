// Streaming with a bounded history window, and saving/restoring analyzer state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barAt } from '../src/core/bars.js';
import { ConfigError } from '../src/core/errors.js';
import { StateBlobError } from '../src/core/errors.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import type { AnalysisResult } from '../src/core/types.js';
import { barSeries, penOptions, structureOptions } from './support/arbitraries.js';
import { KERNELS } from './support/engines.js';
import type { WasmStreamKernel } from '../src/engines/wasm/kernel.js';
import { fixtureBars, REAL_SERIES } from './support/helpers.js';

const bar = barAt;
const SPY = fixtureBars(REAL_SERIES[2]); // 40,832 hourly bars
const SSE = fixtureBars(REAL_SERIES[0]);

/**
 * The unbounded result cut to what a windowed analyzer keeps. Its structures (`w`'s) must be a
 * suffix of the unbounded ones that holds at least everything ending in the kept bars.
 */
function cut(u: AnalysisResult, r: StreamingAnalyzer['retained'], w: AnalysisResult): AnalysisResult {
  const since = <T>(all: readonly T[], kept: readonly T[], key: (x: T) => number, end: (x: T) => number) => {
    const first = kept.length > 0 ? key(kept[0]!) : Infinity;
    return all.filter((x) => key(x) >= first || end(x) >= r.firstBar);
  };
  const pivots = (l: 'pen' | 'segment') =>
    since(
      u.pivots[l],
      w.pivots[l],
      (z) => z.index,
      (z) => z.endRaw,
    );
  const points = (l: 'pen' | 'segment') =>
    since(
      u.buySellPoints[l],
      w.buySellPoints[l],
      (p) => p.line,
      (p) => p.rawIndex,
    );
  const f0 = Array.from(u.fractals.mergedIndex).findIndex((k) => k >= r.firstMerged);
  const from = f0 < 0 ? u.fractals.count : f0;
  const m = r.firstMerged;
  return {
    barCount: u.barCount,
    merged: {
      count: u.merged.count - m,
      high: u.merged.high.slice(m),
      low: u.merged.low.slice(m),
      dir: u.merged.dir.slice(m),
      rawStart: u.merged.rawStart.slice(m),
      rawEnd: u.merged.rawEnd.slice(m),
    },
    fractals: {
      count: u.fractals.count - from,
      type: u.fractals.type.slice(from),
      mergedIndex: u.fractals.mergedIndex.slice(from),
      rawIndex: u.fractals.rawIndex.slice(from),
      price: u.fractals.price.slice(from),
    },
    pens: u.pens.slice(r.firstPen),
    penColumns: {
      count: u.penColumns.count - r.firstPen,
      direction: u.penColumns.direction.slice(r.firstPen),
      startMerged: u.penColumns.startMerged.slice(r.firstPen),
      endMerged: u.penColumns.endMerged.slice(r.firstPen),
      startRaw: u.penColumns.startRaw.slice(r.firstPen),
      endRaw: u.penColumns.endRaw.slice(r.firstPen),
      startPrice: u.penColumns.startPrice.slice(r.firstPen),
      endPrice: u.penColumns.endPrice.slice(r.firstPen),
      startTime: u.penColumns.startTime.slice(r.firstPen),
      endTime: u.penColumns.endTime.slice(r.firstPen),
      confirmed: u.penColumns.confirmed.slice(r.firstPen),
    },
    segments: u.segments.slice(r.firstSegment),
    segmentsOfSegments: since(
      u.segmentsOfSegments,
      w.segmentsOfSegments,
      (s) => s.index,
      (s) => s.endRaw,
    ),
    pivots: { pen: pivots('pen'), segment: pivots('segment') },
    buySellPoints: { pen: points('pen'), segment: points('segment') },
    macd: {
      dif: u.macd.dif.slice(r.firstBar),
      dea: u.macd.dea.slice(r.firstBar),
      histogram: u.macd.histogram.slice(r.firstBar),
      firstValid: u.macd.firstValid,
    },
  };
}

describe('wasm engine: linear memory under a window', () => {
  it('stops growing once the window is full: no stage allocates per bar (SPY hourly fed 4 times, window 2000)', () => {
    const kernels: WasmStreamKernel[] = [];
    const wasm = KERNELS[1]!;
    const factory = Object.assign(
      (o: Parameters<typeof wasm>[0]) => {
        const k = wasm(o) as WasmStreamKernel;
        kernels.push(k);
        return k;
      },
      { engine: 'wasm' as const },
    );
    const a = new StreamingAnalyzer({}, { kernel: factory, window: 2000 });
    const n = SPY.timestamp.length;
    const span = SPY.timestamp[n - 1]! - SPY.timestamp[0]! + 3_600_000;
    const sizes: number[] = [];
    for (let rep = 0; rep < 4; rep++) {
      for (let i = 0; i < n; i++) a.append({ ...bar(SPY, i), timestamp: SPY.timestamp[i]! + rep * span });
      sizes.push(kernels[0]!.memoryBytes);
    }
    expect(a.barCount).toBe(4 * n);
    // After the first pass the columns have their steady capacity: 122,000 more bars add nothing.
    expect(sizes[3]).toBe(sizes[0]);
    expect(sizes[0]).toBeLessThanOrEqual(8 << 20);
  });
});

for (const kernel of KERNELS) {
  describe(`${kernel.engine} engine: history window`, () => {
    it('SPY hourly, window 2000: same events as unbounded, kept data equal to it, memory bounded', () => {
      const W = 2000;
      const u = new StreamingAnalyzer({}, { kernel });
      const w = new StreamingAnalyzer({}, { window: W, kernel });
      let maxKept = 0,
        maxPens = 0,
        maxStructures = 0;
      for (let i = 0; i < SPY.timestamp.length; i++) {
        const eu = u.append(bar(SPY, i)),
          ew = w.append(bar(SPY, i));
        expect(ew).toEqual(eu);
        const r = w.retained;
        maxKept = Math.max(maxKept, w.barCount - r.firstBar);
        if (i % 1000 === 999 || i === SPY.timestamp.length - 1) {
          const snap = w.snapshot();
          maxPens = Math.max(maxPens, snap.pens.length);
          maxStructures = Math.max(maxStructures, snap.pivots.pen.length + snap.buySellPoints.pen.length);
          expect(r.firstBar).toBeLessThanOrEqual(Math.max(0, w.barCount - W));
          const full = u.snapshot();
          expect(snap).toEqual(cut(full, r, snap));
          // Everything reaching into the last W bars is kept: pens and segments included.
          const inWindow = <T extends { endRaw: number }>(xs: readonly T[]) => xs.findIndex((x) => x.endRaw >= w.barCount - W);
          if (w.barCount > W) {
            expect(r.firstPen).toBeLessThanOrEqual(inWindow(full.pens));
            expect(r.firstSegment).toBeLessThanOrEqual(inWindow(full.segments));
          }
        }
      }
      expect(w.retained.firstBar).toBeGreaterThan(30_000);
      expect(w.retained.firstPen).toBeGreaterThan(1000);
      expect(w.retained.firstSegment).toBeGreaterThan(100);
      expect(maxKept).toBeLessThan(2 * W);
      expect(maxPens).toBeLessThan(400);
      // The pen level's pivots and points are dropped with the window too (SPY hourly has 257 pen pivots and 331 pen points unbounded).
      expect(maxStructures).toBeLessThan(200);
    }, 60_000);

    it('SPY hourly, window 500, every bar first a flat forming bar, traditional pens (3 bars between turns, loss check, end is peak): same updates as unbounded, kept data equal', () => {
      // A bar that makes a segment final may be taken back by replaceLast: the window must not drop
      // what the state before it still reads (from bar 11,276 on, a window counting those segments
      // as final dropped a segment the restored state needed; only a random run caught that).
      const options = { pen: { definition: 'traditional', minKlinesBetweenTurns: 3, fractalCheck: 'loss', endIsPeak: true } } as const;
      const u = new StreamingAnalyzer(options, { kernel });
      const w = new StreamingAnalyzer(options, { window: 500, kernel });
      for (let i = 0; i < 12_000; i++) {
        const real = bar(SPY, i);
        const flat = { ...real, high: real.open, low: real.open, close: real.open };
        expect(w.append(flat), `bar ${i}`).toEqual(u.append(flat));
        expect(w.replaceLast(real), `bar ${i}`).toEqual(u.replaceLast(real));
      }
      expect(w.retained.firstBar).toBeGreaterThan(10_000);
      expect(w.snapshot()).toEqual(cut(u.snapshot(), w.retained, w.snapshot()));
    }, 60_000);

    it('refuses a window too small for the MACD seed or fractional', () => {
      expect(() => new StreamingAnalyzer({}, { window: 10 })).toThrow(ConfigError);
      expect(() => new StreamingAnalyzer({}, { window: 1000.5 })).toThrow(
        'config window: must be an integer of at least 500 bars, got 1000.5',
      );
    });
  });

  describe(`${kernel.engine} engine: save and restore`, () => {
    for (const window of [undefined, 600]) {
      it(`restored mid-series, continues exactly like the original (window ${window ?? 'none'}), replaceLast included`, () => {
        for (const cutAt of [1, 7, 500, 1234, 2900]) {
          const a = new StreamingAnalyzer({ pen: { definition: 'traditional' } }, { window, kernel });
          for (let i = 0; i < cutAt; i++) a.append(bar(SSE, i));
          a.replaceLast({ ...bar(SSE, cutAt - 1), close: SSE.open[cutAt - 1]! }); // a forming bar at the cut
          const blob = a.save();
          const b = StreamingAnalyzer.restore(blob, undefined, { kernel });
          expect(b.snapshot()).toEqual(a.snapshot());
          expect(b.retained).toEqual(a.retained);
          // The forming bar can still be replaced after the restore.
          expect(b.replaceLast(bar(SSE, cutAt - 1))).toEqual(a.replaceLast(bar(SSE, cutAt - 1)));
          for (let i = cutAt; i < SSE.timestamp.length; i++) expect(b.append(bar(SSE, i))).toEqual(a.append(bar(SSE, i)));
          expect(b.snapshot()).toEqual(a.snapshot());
        }
      }, 60_000);
    }

    it('TA-Lib MACD seeding survives a restore inside the seed period', () => {
      const o = { macd: { seed: 'sma' as const, histogramScale: 1 } };
      const a = new StreamingAnalyzer(o, { kernel });
      for (let i = 0; i < 30; i++) a.append(bar(SSE, i));
      const b = StreamingAnalyzer.restore(a.save(), o, { kernel });
      for (let i = 30; i < 100; i++) expect(b.append(bar(SSE, i))).toEqual(a.append(bar(SSE, i)));
    });
  });
}

describe('history window on random series', () => {
  it(`long random series, window 500, forming bars replaced, every option combination (${Math.max(10, Number(process.env.STREAM_RUNS ?? 300) / 10)} runs x both engines): same updates as unbounded, kept data equal`, () => {
    fc.assert(
      fc.property(
        barSeries(4000),
        penOptions,
        structureOptions,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        (b, pen, structures, forming) => {
          for (const kernel of KERNELS) {
            const u = new StreamingAnalyzer({ pen, structures }, { kernel }),
              w = new StreamingAnalyzer({ pen, structures }, { window: 500, kernel });
            for (let i = 0; i < b.timestamp.length; i++) {
              const real = bar(b, i);
              if (forming[i % 64]) {
                const open = { ...real, high: real.open, low: real.open, close: real.open };
                expect(w.append(open)).toEqual(u.append(open));
                expect(w.replaceLast(real)).toEqual(u.replaceLast(real));
              } else expect(w.append(real)).toEqual(u.append(real));
            }
            expect(w.snapshot()).toEqual(cut(u.snapshot(), w.retained, w.snapshot()));
            // Saved and restored with the window, it continues the same way.
            const r = StreamingAnalyzer.restore(w.save(), undefined, { kernel });
            const next = { ...bar(b, b.timestamp.length - 1), timestamp: b.timestamp[b.timestamp.length - 1]! + 60_000 };
            expect(r.append(next)).toEqual(u.append(next));
          }
        },
      ),
      // Shrinking a 4,000-bar counterexample takes very long: report the first failure as found.
      { numRuns: Math.max(10, Number(process.env.STREAM_RUNS ?? 300) / 10), endOnFailure: true },
    );
  }, 300_000);
});

describe('state blobs', () => {
  it('a blob restores only on the engine that wrote it', () => {
    const [ts, wasm] = KERNELS;
    const a = new StreamingAnalyzer({}, { kernel: wasm });
    for (let i = 0; i < 100; i++) a.append(bar(SSE, i));
    expect(() => StreamingAnalyzer.restore(a.save(), undefined, { kernel: ts })).toThrow(
      'state blob was written by chan-engine-wasm@0.1.0; this is chan-engine-ts@0.1.0: recompute from the bars',
    );
    expect(StreamingAnalyzer.restore(a.save(), undefined, { kernel: wasm }).snapshot()).toEqual(a.snapshot());
  });

  it('rejects a blob from another version or format, a corrupt blob, and other options', () => {
    const a = new StreamingAnalyzer();
    for (let i = 0; i < 100; i++) a.append(bar(SSE, i));
    const blob = a.save();
    const patch = (from: string, to: string) => {
      const text = new TextDecoder('latin1').decode(blob);
      expect(text).toContain(from);
      return Uint8Array.from(text.replace(from, to), (ch) => ch.charCodeAt(0));
    };
    expect(() => StreamingAnalyzer.restore(patch('chan-engine-ts@0.1.0', 'chan-engine-ts@0.0.9'))).toThrow(
      new StateBlobError('state blob was written by chan-engine-ts@0.0.9; this is chan-engine-ts@0.1.0: recompute from the bars'),
    );
    expect(() => StreamingAnalyzer.restore(patch('"format":4', '"format":7'))).toThrow(
      'state blob format 7 is not supported by this build (format 4)',
    );
    expect(() => StreamingAnalyzer.restore(blob.slice(0, 40))).toThrow(StateBlobError);
    expect(() => StreamingAnalyzer.restore(new Uint8Array(64))).toThrow('not a chan-engine state blob (bad magic)');
    expect(() => StreamingAnalyzer.restore(blob, { pen: { definition: 'traditional' } })).toThrow(ConfigError);
    expect(StreamingAnalyzer.restore(blob, {}).barCount).toBe(100);
  });

  it('options that JSON cannot write (divergence rate .inf, chan.py code default) survive a blob: restored equal, and it continues the same', () => {
    const options = { structures: { points: { pen: { divergenceRate: Infinity }, segment: { divergenceRate: Infinity } } } };
    const a = new StreamingAnalyzer(options);
    for (let i = 0; i < 1000; i++) a.append(bar(SSE, i));
    const b = StreamingAnalyzer.restore(a.save(), options);
    expect(b.options).toEqual(a.options);
    expect(b.options.structures.points.pen.buy.divergenceRate).toBe(Infinity);
    for (let i = 1000; i < 1200; i++) expect(b.append(bar(SSE, i))).toEqual(a.append(bar(SSE, i)));
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('restores from an ArrayBuffer too (what fetch, KV stores and files give); anything else, or a window, is refused saying so', () => {
    const a = new StreamingAnalyzer();
    for (let i = 0; i < 100; i++) a.append(bar(SSE, i));
    const blob = a.save();
    // The blob's bytes in an ArrayBuffer of their own (it was a TypeError).
    expect(StreamingAnalyzer.restore(blob.slice().buffer).snapshot()).toEqual(a.snapshot());
    expect(() => StreamingAnalyzer.restore('abc' as never)).toThrow(
      new StateBlobError('a state blob is a Uint8Array or an ArrayBuffer, got a string'),
    );
    expect(() => StreamingAnalyzer.restore(null as never)).toThrow(
      new StateBlobError('a state blob is a Uint8Array or an ArrayBuffer, got null'),
    );
    // The window is the saved one: asking for another was silently ignored.
    expect(() => StreamingAnalyzer.restore(blob, undefined, { window: 600 } as never)).toThrow(
      new ConfigError('stream.window', 'is not a known setting (kernel: a restored analyzer keeps the window it was saved with)'),
    );
  });

  it('a changed byte anywhere in a blob is refused (a flipped byte in a section restored silently), and so is a cut one', () => {
    const a = new StreamingAnalyzer();
    for (let i = 0; i < 300; i++) a.append(bar(SSE, i));
    const blob = a.save();
    let refused = 0,
      tried = 0;
    for (let at = 0; at < blob.length; at += 1 + (at % 13)) {
      const bad = blob.slice();
      bad[at] = blob[at]! ^ (1 << (at % 8));
      tried++;
      try {
        StreamingAnalyzer.restore(bad);
      } catch (e) {
        if (e instanceof StateBlobError) refused++;
      }
    }
    expect(refused).toBe(tried);
    expect(() => StreamingAnalyzer.restore(blob.slice(0, blob.length - 1))).toThrow(StateBlobError);
    expect(() => StreamingAnalyzer.restore(Uint8Array.of(...blob, 0))).toThrow(StateBlobError);
    expect(StreamingAnalyzer.restore(blob).snapshot()).toEqual(a.snapshot());
  });
});
