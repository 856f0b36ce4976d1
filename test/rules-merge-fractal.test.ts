// Hand-worked cases for inclusion (merged bars) and fractals.
import { describe, expect, it } from 'vitest';
import { fractalList } from '../src/core/result.js';
import type { Engine } from '../src/core/engine.js';
import { ENGINES } from './support/engines.js';
import { hl } from './support/helpers.js';

const merged = (engine: Engine, pairs: Array<[number, number]>) => {
  const m = engine.analyze(hl(pairs)).merged;
  return Array.from({ length: m.count }, (_, i) => [m.high[i], m.low[i], m.dir[i], m.rawStart[i], m.rawEnd[i]]);
};

describe.each(ENGINES)('$name engine', (engine) => {
  describe('inclusion', () => {
    it('first merged bar is UP; an included bar in an UP run takes max high and max low', () => {
      expect(
        merged(engine, [
          [10, 5],
          [12, 6],
          [11, 7],
        ]),
      ).toEqual([
        [10, 5, 1, 0, 0],
        [12, 7, 1, 1, 2],
      ]);
    });

    it('in a DOWN run takes min high and min low, both when included and when containing', () => {
      expect(
        merged(engine, [
          [10, 8],
          [9, 4],
          [8.5, 4.2],
          [9.5, 3.5],
        ]),
      ).toEqual([
        [10, 8, 1, 0, 0],
        [8.5, 3.5, -1, 1, 3],
      ]);
    });

    it('equality counts as inclusion', () => {
      expect(
        merged(engine, [
          [10, 5],
          [10, 6],
        ]),
      ).toEqual([[10, 6, 1, 0, 1]]);
      expect(
        merged(engine, [
          [10, 5],
          [11, 5],
        ]),
      ).toEqual([[11, 5, 1, 0, 1]]);
    });

    it('flat bar at the UP extreme joins without changing the bar (exception); elsewhere it merges normally', () => {
      expect(
        merged(engine, [
          [10, 5],
          [12, 6],
          [12, 12],
        ]),
      ).toEqual([
        [10, 5, 1, 0, 0],
        [12, 6, 1, 1, 2],
      ]);
      expect(
        merged(engine, [
          [10, 5],
          [12, 6],
          [8, 8],
        ]),
      ).toEqual([
        [10, 5, 1, 0, 0],
        [12, 8, 1, 1, 2],
      ]);
    });

    it('flat bar at the DOWN extreme joins without changing the bar', () => {
      expect(
        merged(engine, [
          [10, 8],
          [9, 4],
          [4, 4],
        ]),
      ).toEqual([
        [10, 8, 1, 0, 0],
        [9, 4, -1, 1, 2],
      ]);
    });

    it('a bar entirely lower opens a DOWN bar, entirely higher an UP bar', () => {
      expect(
        merged(engine, [
          [10, 5],
          [9, 4],
          [11, 6],
        ]).map((r) => r[2]),
      ).toEqual([1, -1, 1]);
    });
  });

  describe('fractals', () => {
    it('top: strictly higher high and low than both neighbours, classified when the next bar opens', () => {
      const r = engine.analyze(
        hl([
          [10, 5],
          [12, 7],
          [11, 6],
        ]),
      );
      expect(fractalList(r.fractals)).toEqual([{ type: 'top', mergedIndex: 1, rawIndex: 1, price: 12 }]);
      expect(
        fractalList(
          engine.analyze(
            hl([
              [10, 5],
              [12, 7],
            ]),
          ).fractals,
        ),
      ).toEqual([]);
    });

    it('bottom mirrored', () => {
      expect(
        fractalList(
          engine.analyze(
            hl([
              [10, 5],
              [8, 3],
              [9, 4],
            ]),
          ).fractals,
        ),
      ).toEqual([{ type: 'bottom', mergedIndex: 1, rawIndex: 1, price: 3 }]);
    });

    it('an equal high is merged, not a second top; the apex is the last raw bar at the extreme', () => {
      const r = engine.analyze(
        hl([
          [10, 5],
          [12, 7],
          [12, 8],
          [11, 6],
        ]),
      );
      expect(r.merged.count).toBe(3);
      expect(fractalList(r.fractals)).toEqual([{ type: 'top', mergedIndex: 1, rawIndex: 2, price: 12 }]);
    });

    it('is decided once, when the next bar opens; later absorption into that bar does not reclassify', () => {
      // Merged bar 2 opens at [11, 6] (making 1 a top), then absorbs [13, 5.5] in its DOWN direction.
      const r = engine.analyze(
        hl([
          [10, 5],
          [12, 7],
          [11, 6],
          [13, 5.5],
        ]),
      );
      expect(r.merged.count).toBe(3);
      expect(fractalList(r.fractals).map((f) => [f.type, f.mergedIndex])).toEqual([['top', 1]]);
    });
  });
});
