// Bad input: each error names the bar index and the field.
import { describe, expect, it } from 'vitest';
import { barsFromObjects, type BarObject } from '../src/core/bars.js';
import { BarValidationError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import { checkOutput } from '../src/failover/output-check.js';
import type { Bars } from '../src/core/types.js';
import { ENGINES } from './support/engines.js';
import { thrown } from './support/helpers.js';

const good = (i: number): BarObject => ({ timestamp: 1_000 * i, open: 10, high: 11, low: 9, close: 10.5, volume: 100 });
const series = (n: number, patch: Record<number, Partial<BarObject>>) =>
  barsFromObjects(Array.from({ length: n }, (_, i) => ({ ...good(i), ...patch[i] })));

const failure = (run: () => unknown) => thrown(run, BarValidationError);

describe.each(ENGINES)('$name engine', (engine) => {
  describe('bar validation', () => {
    it.each([
      ['NaN close', { close: NaN }, 'close', /bar 3: close is not a finite number \(NaN\)/],
      ['Infinity high', { high: Infinity }, 'high', /bar 3: high is not a finite number \(Infinity\)/],
      ['NaN timestamp', { timestamp: NaN }, 'timestamp', /bar 3: timestamp is not a finite number/],
      ['negative price', { low: -1, open: -0.5, close: -0.5, high: 0 }, 'open', /bar 3: open is negative/],
      ['negative volume', { volume: -5 }, 'volume', /bar 3: volume is negative/],
      ['high < low', { high: 8, low: 9, open: 8.5, close: 8.5 }, 'high', /bar 3: high 8 is below low 9/],
      ['high < max(open, close)', { close: 12 }, 'high', /bar 3: high 11 is below max\(open, close\) 12/],
      ['low > min(open, close)', { open: 8.5 }, 'low', /bar 3: low 9 is above min\(open, close\) 8.5/],
      [
        'timestamp beyond the dates a Date holds',
        { timestamp: 8.64e15 + 1 },
        'timestamp',
        /^bar 3: timestamp 8640000000000001 is outside the dates a timestamp can name \(\+-8\.64e15 ms from 1970, years -271821 to 275760\)$/,
      ],
      ['duplicate timestamp', { timestamp: 2_000 }, 'timestamp', /bar 3: timestamp duplicates the previous timestamp 2000/],
      [
        'unsorted timestamp',
        { timestamp: 1_500 },
        'timestamp',
        /bar 3: timestamp 1500 is earlier than the previous timestamp 2000 \(unsorted\)/,
      ],
    ])('%s', (_name, patch, field, message) => {
      const e = failure(() => engine.analyze(series(6, { 3: patch })));
      expect(e.index).toBe(3);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
    });

    it('prices above 1e15 and volumes above 1e18 are refused (a 1e308 close overflowed the MACD); the bounds themselves pass', () => {
      const huge = failure(() => engine.analyze(series(6, { 3: { high: 1e308, close: 1e308 } })));
      expect([huge.index, huge.field, huge.message]).toEqual([3, 'high', 'bar 3: high 1e+308 is above the largest price accepted, 1e15']);
      const justAbove = failure(() => engine.analyze(series(6, { 3: { high: 1e15 * (1 + Number.EPSILON) } })));
      expect(justAbove.field).toBe('high');
      const vol = failure(() => engine.analyze(series(6, { 2: { volume: 2e18 } })));
      expect(vol.message).toBe('bar 2: volume 2000000000000000000 is above the largest volume accepted, 1e18');
      // At the bounds every stage stays finite: prices swinging between 0 and 1e15, volume 1e18.
      const edge = barsFromObjects(
        Array.from({ length: 400 }, (_, i) => {
          const p = i % 7 < 3 ? 1e15 : 0;
          return { timestamp: 1_000 * i, open: p, high: 1e15, low: 0, close: p, volume: 1e18 };
        }),
      );
      const o = resolveOptions({ macd: { histogramScale: 1e6 } });
      const r = engine.analyze(edge, o);
      expect(checkOutput(r, edge, o)).toBeNull();
      expect(r.macd.histogram.every((h) => Number.isFinite(h))).toBe(true);
    });

    it('a bar with no volume and one price (a halted or idle period) passes', () => {
      const flat = series(6, { 3: { open: 10, high: 10, low: 10, close: 10, volume: 0 } });
      expect(engine.analyze(flat).barCount).toBe(6);
    });

    it('a bar at the bounds with one fault is told that fault, not a bound (volume 0 or 1e18, price 0 or 1e15, the last date, a flat bar)', () => {
      for (const volume of [0, 1e18]) {
        const e = failure(() =>
          engine.analyze(series(6, { 5: { timestamp: 8.64e15, open: 0, low: 0, close: 1e15, high: 1e15 - 2, volume } })),
        );
        expect([e.index, e.field, e.message]).toEqual([
          5,
          'high',
          'bar 5: high 999999999999998 is below max(open, close) 1000000000000000',
        ]);
      }
      const flat = { open: 10, high: 10, low: 10, close: 10, volume: 0 };
      const dup = failure(() => engine.analyze(series(6, { 3: { ...flat, timestamp: 2_000 } })));
      expect([dup.index, dup.field, dup.message]).toEqual([3, 'timestamp', 'bar 3: timestamp duplicates the previous timestamp 2000']);
    });

    it('timestamps at the edges of the dates a Date holds pass (a later one printed as a date crashed the CLI)', () => {
      const first = -8.64e15;
      const edge = barsFromObjects([first, 0, 8.64e15].map((timestamp) => ({ ...good(0), timestamp })));
      expect(checkOutput(engine.analyze(edge), edge, resolveOptions({}))).toBeNull();
      const early = failure(() => engine.analyze(series(2, { 0: { timestamp: -8.64e15 - 1 } })));
      expect([early.index, early.field]).toEqual([0, 'timestamp']);
    });

    it('empty input', () => {
      const e = failure(() => engine.analyze(series(0, {})));
      expect(e.index).toBe(-1);
      expect(e.message).toBe('bars: input is empty');
    });

    it('columns of different lengths', () => {
      const b = series(3, {});
      const e = failure(() => engine.analyze({ ...b, volume: new Float64Array(2) }));
      expect(e.field).toBe('volume');
      expect(e.message).toMatch(/column has 2 values, timestamp has 3/);
    });

    it('a missing column, or no columns at all (from JavaScript), names what is missing', () => {
      const { volume: _, ...noVolume } = series(3, {});
      const e = failure(() => engine.analyze(noVolume as unknown as Bars));
      expect([e.index, e.field, e.message]).toEqual([-1, 'volume', 'volume: column is missing (an array of numbers)']);
      const none = failure(() => engine.analyze(undefined as unknown as Bars));
      expect([none.field, none.message]).toEqual([
        'bars',
        'bars: must be an object of columns (timestamp, open, high, low, close, volume), got undefined',
      ]);
      // An array of bar objects (what many JavaScript sources give) says how to turn it into columns.
      const objects = [{ timestamp: 1e12, open: 1, high: 2, low: 1, close: 1, volume: 1 }];
      expect(failure(() => engine.analyze(objects as unknown as Bars)).message).toBe(
        'bars: must be an object of columns (timestamp, open, high, low, close, volume), got an array: barsFromObjects(bars) makes the columns of an array of bar objects',
      );
    });

    it('a price that is not a number is refused naming its type, even a numeric string (compared as text, "9" > "10": accepted or refused by chance)', () => {
      const cols = series(6, {});
      // Plain arrays, as JavaScript callers may pass: "11" >= "10.5" as text, so this row passed and was coerced.
      const plain = { ...cols, high: Array.from(cols.high, (v, i) => (i === 3 ? String(v) : v)) } as unknown as Bars;
      const e = failure(() => engine.analyze(plain));
      expect([e.index, e.field, e.message]).toEqual([3, 'high', 'bar 3: high is a string ("11"), not a number']);
      const nul = { ...cols, low: Array.from(cols.low, (v, i) => (i === 2 ? null : v)) } as unknown as Bars;
      expect(failure(() => engine.analyze(nul)).message).toBe('bar 2: low is null, not a number');
    });

    it('the first bad bar is reported', () => {
      const e = failure(() => engine.analyze(series(6, { 2: { close: NaN }, 4: { high: 1 } })));
      expect(e.index).toBe(2);
    });
  });
});

describe('barsFromObjects', () => {
  it('refuses what is not an array of bar objects, naming it (null was a TypeError)', () => {
    for (const [given, got] of [
      [null, 'null'],
      [undefined, 'undefined'],
      [{ timestamp: [1] }, 'an object'],
    ] as const) {
      expect(failure(() => barsFromObjects(given as unknown as BarObject[])).message).toBe(
        `bars: must be an array of bar objects ({ timestamp, open, high, low, close, volume }), got ${got}`,
      );
    }
    expect(failure(() => barsFromObjects([good(0), 5 as unknown as BarObject])).message).toBe('bar 1: bar is not an object');
  });

  it('refuses a field that is not a number, naming its type: they were coerced (a string "" or null read as 0)', () => {
    const refused = (patch: Record<string, unknown>) =>
      failure(() => barsFromObjects([good(0), { ...good(1), ...patch } as unknown as BarObject]));
    expect(refused({ close: '10.5' }).message).toBe('bar 1: close is a string ("10.5"), not a number');
    expect(refused({ low: '' }).message).toBe('bar 1: low is a string (""), not a number');
    expect(refused({ open: null }).message).toBe('bar 1: open is null, not a number');
    expect(refused({ high: true }).message).toBe('bar 1: high is a boolean (true), not a number');
    expect(refused({ timestamp: '1000' }).message).toBe('bar 1: timestamp is a string ("1000"), not a number');
    expect(refused({ volume: '5' }).message).toBe('bar 1: volume is a string ("5"), not a number');
    expect(refused({ close: { valueOf: () => 10.5 } }).message).toBe('bar 1: close is an object, not a number');
    const { low: _, ...noLow } = good(1);
    expect(refused({ ...noLow, low: undefined }).message).toBe('bar 1: low is missing');
    // A Date timestamp and a missing volume (0) are what the type allows.
    const { volume: __, ...noVolume } = good(1);
    const ok = barsFromObjects([{ ...good(0), timestamp: new Date(0) }, noVolume]);
    expect([ok.timestamp[0], ok.volume[1]]).toEqual([0, 0]);
  });
});
