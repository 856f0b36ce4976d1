// Hand-worked cases for pens: minimum bars, fractal checks, end-is-peak, extension, provisional tail,
// the pen columns of the result.
import { describe, expect, it } from 'vitest';
import type { PenOptions } from '../src/core/options.js';
import type { Engine } from '../src/core/engine.js';
import { ENGINES } from './support/engines.js';
import { hl, thrown } from './support/helpers.js';
import { penAt } from '../src/core/result.js';
import { InputError } from '../src/core/errors.js';

type P = Array<[number, number]>;
const pens = (engine: Engine, pairs: P, pen: Partial<PenOptions> = {}) =>
  engine
    .analyze(hl(pairs), { pen })
    .pens.map((p) => [p.direction, p.startMerged, p.endMerged, p.startRaw, p.endRaw, p.startPrice, p.endPrice, p.confirmed]);

// Bottom at merged 2 (raw 2); merged 4 holds raw 4-5; top at merged 5 (raw 6): span 3 with 3 raw bars inside.
const A: P = [
  [10, 8],
  [9, 7],
  [8, 6],
  [9, 7],
  [10, 8],
  [9.5, 8.5],
  [11, 9],
  [10, 8.8],
];

describe.each(ENGINES)('$name engine', (engine) => {
  describe('pen minimum bars', () => {
    it('new_3kline: span 3 with 3 raw bars between the apex bars makes a pen', () => {
      expect(pens(engine, A)).toEqual([['up', 2, 5, 2, 6, 6, 11, true]]);
    });

    it('new_3kline: the raw-bar minimum is configurable', () => {
      expect(pens(engine, A, { minKlinesBetweenTurns: 4 })).toEqual([]);
    });

    it('traditional: span 3 is not enough', () => {
      expect(pens(engine, A, { definition: 'traditional' })).toEqual([]);
    });
  });

  describe('fractal check modes', () => {
    // Same shape as A, but the bar before the bottom is high (11.5): strict compares the top with it.
    const B: P = [
      [12, 8],
      [11.5, 7],
      [8, 6],
      [9, 7],
      [10, 8],
      [9.5, 8.5],
      [11, 9],
      [10, 8.8],
    ];
    it("strict rejects a top not above the high of the bottom's left neighbour", () => {
      expect(pens(engine, B, { fractalCheck: 'strict' })).toEqual([]);
    });
    it('half and loss accept it', () => {
      expect(pens(engine, B, { fractalCheck: 'half' })).toEqual([['up', 2, 5, 2, 6, 6, 11, true]]);
      expect(pens(engine, B, { fractalCheck: 'loss' })).toEqual([['up', 2, 5, 2, 6, 6, 11, true]]);
    });

    // A down pen from the top at 1 (10, 8) to the bottom at 5, each bar its own merged bar, and the
    // mirror (an up pen, prices 20 - p). D: the bar after the top reaches the bottom's low (4); E: the
    // bar before the bottom (10.5) is above the top. Half compares with both (refused), loss with neither.
    const D: P = [[8, 6], [10, 8], [7, 4], [8, 5], [7.5, 4.5], [6, 4], [7, 5]]; // prettier-ignore
    const E: P = [[8, 6], [10, 8], [9, 7], [8, 6], [10.5, 7], [9, 5], [9.5, 6]]; // prettier-ignore
    const mirror = (p: P): P => p.map(([h, l]) => [20 - l, 20 - h]);
    // The same pen where only strict refuses: F, the bar after the bottom (10.5) reaches the top's
    // high; G, the bar before the top reaches below the bottom's low (4 under 4.5).
    const F: P = [[8, 6], [10, 8], [9, 7], [8, 6], [7, 5], [6, 4], [10.5, 5]]; // prettier-ignore
    const G: P = [[8, 4], [10, 8], [9, 7], [8, 6], [7, 5], [6, 4.5], [7, 5]]; // prettier-ignore
    it.each([
      ["the end's next bar", F, 4],
      ["the start's previous bar", G, 4.5],
    ] as const)('strict refuses and half accepts a pen by %s, down and up', (_what, bars, low) => {
      expect(pens(engine, bars, { fractalCheck: 'strict' })).toEqual([]);
      expect(pens(engine, mirror(bars), { fractalCheck: 'strict' })).toEqual([]);
      expect(pens(engine, bars, { fractalCheck: 'half' })).toEqual([['down', 1, 5, 1, 5, 10, low, true]]);
      expect(pens(engine, mirror(bars), { fractalCheck: 'half' })).toEqual([['up', 1, 5, 1, 5, 10, 20 - low, true]]);
    });
    it.each([
      ["the start's next bar", D, 4],
      ["the end's previous bar", E, 5],
    ] as const)('half refuses and loss accepts a pen by %s, down and up', (_what, bars, low) => {
      for (const check of ['strict', 'half'] as const) {
        expect(pens(engine, bars, { fractalCheck: check })).toEqual([]);
        expect(pens(engine, mirror(bars), { fractalCheck: check })).toEqual([]);
      }
      expect(pens(engine, bars, { fractalCheck: 'loss' })).toEqual([['down', 1, 5, 1, 5, 10, low, true]]);
      expect(pens(engine, mirror(bars), { fractalCheck: 'loss' })).toEqual([['up', 1, 5, 1, 5, 10, 20 - low, true]]);
    });
  });

  describe('end is peak', () => {
    // Bottom 2, a higher bar (12) inside, then a top at 11.8 (merged 7).
    const C: P = [
      [10, 8],
      [9, 7],
      [8, 6],
      [9, 7],
      [12, 8],
      [11, 7.5],
      [11.5, 8],
      [11.8, 9],
      [11, 8.5],
    ];
    it('on: a bar inside above the end top forbids the pen', () => {
      expect(pens(engine, C)).toEqual([]);
    });
    it('off: the pen is made', () => {
      expect(pens(engine, C, { endIsPeak: false })).toEqual([['up', 2, 7, 2, 7, 6, 11.8, true]]);
    });
  });

  describe('same-type end update and provisional tail', () => {
    // A, then a bottom too close to make a down pen (merged 6), then a higher top (merged 7, raw 8).
    const D: P = [...A, [12, 9.5], [11, 9.2]];
    it('a more extreme top of the same type moves the end (both definitions)', () => {
      expect(pens(engine, D)).toEqual([['up', 2, 7, 2, 8, 6, 12, true]]);
      expect(pens(engine, D, { definition: 'traditional' })).toEqual([['up', 2, 7, 2, 8, 6, 12, true]]);
    });

    it('a falling tail without a bottom yet gives a provisional (virtual) down pen to the last bar', () => {
      expect(pens(engine, [...D, [10, 8.5], [9, 7.5], [8, 7]])).toEqual([
        ['up', 2, 7, 2, 8, 6, 12, true],
        ['down', 7, 11, 8, 12, 12, 7, false],
      ]);
    });

    it('a last bar beyond the last end extends the last pen provisionally', () => {
      expect(pens(engine, [...D, [13, 10]])).toEqual([['up', 2, 9, 2, 10, 6, 13, false]]);
    });
  });

  describe('pen columns', () => {
    // The confirmed up pen and the provisional down pen of the case above; bar i opens at i minutes.
    const r = () => engine.analyze(hl([...A, [12, 9.5], [11, 9.2], [10, 8.5], [9, 7.5], [8, 7]]));
    it('hold every field of every pen', () => {
      const c = r().penColumns;
      expect(c.count).toBe(2);
      expect([c.direction, c.startMerged, c.endMerged, c.startRaw, c.endRaw].map((a) => Array.from(a))).toEqual([
        [1, -1],
        [2, 7],
        [7, 11],
        [2, 8],
        [8, 12],
      ]);
      expect([c.startPrice, c.endPrice, c.startTime, c.endTime, c.confirmed].map((a) => Array.from(a))).toEqual([
        [6, 12],
        [12, 7],
        [120_000, 480_000],
        [480_000, 720_000],
        [1, 0],
      ]);
    });

    it('penAt makes pen i of them; an index they do not hold is an InputError naming it (it made a pen of undefined fields)', () => {
      const c = r().penColumns;
      expect(penAt(c, 1)).toEqual(r().pens[1]);
      for (const i of [2, -1, 0.5]) {
        const e = thrown(() => penAt(c, i), InputError);
        expect([e.field, e.message]).toEqual(['i', `penAt: the columns hold pens 0 to 1, not ${i}`]);
      }
      expect(() => penAt(engine.analyze(hl([[2, 1]])).penColumns, 0)).toThrow('penAt: the columns hold no pens, not 0');
    });

    it('are what the pen objects are made from when first read, then kept; spreading, JSON and structured clone see them', () => {
      const result = r();
      expect(typeof Object.getOwnPropertyDescriptor(result, 'pens')?.get).toBe('function');
      // In the order of the AnalysisResult type (what JSON.stringify of a result lists).
      expect(Object.keys(result)).toEqual([
        'barCount',
        'merged',
        'fractals',
        'pens',
        'penColumns',
        'segments',
        'segmentsOfSegments',
        'pivots',
        'buySellPoints',
        'macd',
      ]);
      const objects = result.pens;
      expect(result.pens).toBe(objects);
      const second = { index: 1, direction: 'down', startMerged: 7, endMerged: 11, startRaw: 8, endRaw: 12 };
      expect(objects[1]).toEqual({ ...second, startPrice: 12, endPrice: 7, startTime: 480_000, endTime: 720_000, confirmed: false });
      expect(structuredClone(result).pens).toEqual(objects);
      expect({ ...result }.pens).toEqual(objects);
      expect(JSON.parse(JSON.stringify(result)).pens).toEqual(objects);
    });
  });
});
