// MACD bit for bit against TA-Lib (sma seed) and chan.py (first_close seed): in batch on both
// engines, and one bar at a time on both streaming kernels.
import { describe, expect, it } from 'vitest';
import { allocateBars } from '../src/core/bars.js';
import { ConfigError } from '../src/core/errors.js';
import { computeMacd } from '../src/engines/ts/macd.js';
import type { Engine } from '../src/core/engine.js';
import type { MacdOptions } from '../src/core/options.js';
import type { MacdSeries } from '../src/core/types.js';
import type { StreamKernelFactory } from '../src/core/stream-kernel.js';
import { StreamingAnalyzer } from '../src/streaming/analyzer.js';
import { ENGINES, KERNELS } from './support/engines.js';
import { fixtureRows, REAL_SERIES } from './support/helpers.js';

const STD = { fast: 12, slow: 26, signal: 9 };

/** MACD through a whole engine run: bars with open = high = low = close. */
function engineMacd(engine: Engine, close: Float64Array, macd: MacdOptions) {
  const bars = allocateBars(close.length);
  close.forEach((c, i) => {
    bars.timestamp[i] = i;
    bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = c;
  });
  return engine.analyze(bars, { macd }).macd;
}

/** The streaming kernels go through the first STREAMED closes (the seed windows and well past them). */
const STREAMED = 400;

/**
 * MACD through a streaming kernel: each bar (open = high = low = close) is first appended with a
 * close one higher, then replaced by the real one, so each step also restores the MACD state
 * (inside the SMA seed windows too). Each update's MACD values are the snapshot's at that bar.
 */
function streamedMacd(kernel: StreamKernelFactory, close: Float64Array, macd: MacdOptions): MacdSeries {
  const s = new StreamingAnalyzer({ macd }, { kernel });
  const flat = (i: number, c: number) => ({ timestamp: i, open: c, high: c, low: c, close: c, volume: 0 });
  const updates = [new Float64Array(close.length), new Float64Array(close.length), new Float64Array(close.length)];
  close.forEach((c, i) => {
    s.append(flat(i, c + 1));
    const p = s.replaceLast(flat(i, c)).macd;
    [updates[0]![i], updates[1]![i], updates[2]![i]] = [p.dif, p.dea, p.histogram];
  });
  const m = s.snapshot().macd;
  expect(updates).toEqual([m.dif, m.dea, m.histogram]);
  return m;
}

type MacdRun = { name: string; cut: number; macd: (close: Float64Array, o: MacdOptions) => MacdSeries };
const RUNS: readonly MacdRun[] = [
  ...ENGINES.map((e) => ({ name: `${e.name} engine`, cut: Infinity, macd: (c: Float64Array, o: MacdOptions) => engineMacd(e, c, o) })),
  ...KERNELS.map((k) => ({
    name: `${k.engine} streaming kernel (first ${STREAMED} bars, each appended with another close, then replaced)`,
    cut: STREAMED,
    macd: (c: Float64Array, o: MacdOptions) => streamedMacd(k, c, o),
  })),
];

function expectBits(actual: Float64Array, expected: (number | null)[], what: string): void {
  let mismatches = 0;
  let first = '';
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const ok = e === null ? Number.isNaN(actual[i]) : Object.is(actual[i], e);
    if (!ok && mismatches++ === 0) first = `${what}[${i}]: got ${actual[i]}, expected ${e}`;
  }
  expect(first).toBe('');
  expect(actual.length).toBe(expected.length);
}

const num = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s));

describe.each(RUNS)('$name', ({ cut, macd }) => {
  describe('TA-Lib (sma seed, scale 1)', () => {
    it.each([...REAL_SERIES.map((s) => `${s}.talib_macd_12_26_9.csv.gz`), 'talib_regtest_ref252.talib_macd_12_26_9.csv'])('%s', (file) => {
      const rows = fixtureRows(file).slice(0, cut);
      const close = Float64Array.from(rows, (r) => Number(r[1]));
      const m = macd(close, { ...STD, seed: 'sma', histogramScale: 1 });
      expect(m.firstValid).toBe(33);
      expectBits(
        m.dif,
        rows.map((r) => num(r[2])),
        'dif',
      );
      expectBits(
        m.dea,
        rows.map((r) => num(r[3])),
        'dea',
      );
      expectBits(
        m.histogram,
        rows.map((r) => num(r[4])),
        'histogram',
      );
    });

    it("reproduces TA-Lib's own regression values on its 252-bar input", () => {
      const close = Float64Array.from(fixtureRows('talib_regtest_ref252.csv'), (r) => Number(r[4]));
      const m = macd(close, { ...STD, seed: 'sma', histogramScale: 1 });
      // test_macd.c: first output at index 33, MACD -1.9738, signal -2.7071 (4 decimals).
      expect(m.dif[33]!.toFixed(4)).toBe('-1.9738');
      expect(m.dea[33]!.toFixed(4)).toBe('-2.7071');
      expect(Number.isNaN(m.dif[32]!)).toBe(true);
    });

    it('has no values when there are too few bars', () => {
      const m = macd(new Float64Array(33).fill(10), { ...STD, seed: 'sma', histogramScale: 1 });
      expect(m.firstValid).toBe(33);
      expect(Array.from(m.dif).every(Number.isNaN)).toBe(true);
    });
  });

  describe('chan.py (first_close seed, scale 2)', () => {
    it.each(REAL_SERIES)('%s', (series) => {
      const rows = fixtureRows(`${series}.chanpy_macd_12_26_9.csv.gz`).slice(0, cut);
      const close = Float64Array.from(rows, (r) => Number(r[1]));
      const m = macd(close, { ...STD, seed: 'first_close', histogramScale: 2 });
      expect(m.firstValid).toBe(0);
      expectBits(
        m.dif,
        rows.map((r) => Number(r[4])),
        'dif',
      );
      expectBits(
        m.dea,
        rows.map((r) => Number(r[5])),
        'dea',
      );
      expectBits(
        m.histogram,
        rows.map((r) => Number(r[6])),
        'histogram',
      );
    });

    it('hand-worked: 3 closes with 2/3/2 periods', () => {
      // fast n=2: e1 = (2*13 + 1*10)/3 = 12; slow n=3: e1 = (2*13 + 2*10)/4 = 11.5; dif1 = 0.5
      // signal n=2: dea1 = (2*0.5 + 0)/3 = 1/3; hist1 = 2*(0.5 - 1/3) = 1/3
      const m = macd(Float64Array.of(10, 13), { fast: 2, slow: 3, signal: 2, seed: 'first_close', histogramScale: 2 });
      expect(Array.from(m.dif)).toEqual([0, 0.5]);
      expect(m.dea[1]).toBeCloseTo(1 / 3, 15);
      expect(m.histogram[1]).toBeCloseTo(1 / 3, 15);
    });
  });

  it('the histogram is made from DIF and DEA when first read, then kept; spreading, JSON and structured clone see it', () => {
    const m = macd(Float64Array.of(10, 13, 12, 15, 11), {
      fast: 2,
      slow: 3,
      signal: 2,
      seed: 'first_close',
      histogramScale: 2,
    });
    // Not a column of the result until read: an accessor on the series itself.
    expect(typeof Object.getOwnPropertyDescriptor(m, 'histogram')?.get).toBe('function');
    const h = m.histogram;
    expect(m.histogram).toBe(h);
    expect(Array.from(h)).toEqual(Array.from(m.dif, (d, i) => 2 * (d - m.dea[i]!)));
    expect(Array.from(structuredClone(m).histogram)).toEqual(Array.from(h));
    expect(Array.from({ ...m }.histogram)).toEqual(Array.from(h));
    expect(Object.values(JSON.parse(JSON.stringify(m)).histogram)).toEqual(Array.from(h));
  });
});

describe('computeMacd', () => {
  it('computeMacd (exported) takes partial options with their defaults and refuses bad ones naming the key (it gave a NaN histogram, and computed fast >= slow)', () => {
    const close = Float64Array.of(10, 13, 12, 15, 11);
    const full = computeMacd(close, { fast: 2, slow: 3, signal: 2, seed: 'first_close', histogramScale: 2 });
    const partial = computeMacd(close, { fast: 2, slow: 3, signal: 2 });
    expect([Array.from(partial.dif), Array.from(partial.dea), Array.from(partial.histogram)]).toEqual([
      Array.from(full.dif),
      Array.from(full.dea),
      Array.from(full.histogram),
    ]);
    expect(() => computeMacd(close, { fast: 30, slow: 26 })).toThrow(
      new ConfigError('macd.fast_period', 'must be smaller than macd.slow_period (30 >= 26)'),
    );
  });
});
