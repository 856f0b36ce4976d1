// fast-check generators: random-walk bar series on a coarse price grid (so equal highs/lows,
// flat bars and inclusions are frequent) and every pen option combination.
import fc from 'fast-check';
import { allocateBars } from '../../src/core/bars.js';
import type { MacdOptions, PenOptions } from '../../src/core/options.js';
import { POINT_TYPES, type PartialStructureOptions, type PointOptions } from '../../src/core/structure-options.js';
import type { Bars } from '../../src/core/types.js';

export const barSeries = (maxLength = 400): fc.Arbitrary<Bars> =>
  fc
    .array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.nat(4), fc.nat(4), fc.integer({ min: -3, max: 3 }), fc.nat(30)), {
      minLength: 1,
      maxLength,
      size: 'max',
    })
    .map((steps) => {
      const b = allocateBars(steps.length);
      let close = 1000;
      steps.forEach(([move, upWick, downWick, gap, rare], i) => {
        const open = close + gap;
        close = open + move;
        const flat = rare === 0; // occasional o=h=l=c bar
        b.timestamp[i] = 1_600_000_000_000 + i * 60_000;
        b.open[i] = flat ? open : open;
        b.close[i] = flat ? open : close;
        b.high[i] = flat ? open : Math.max(open, close) + upWick;
        b.low[i] = flat ? open : Math.min(open, close) - downWick;
        b.volume[i] = rare;
        if (flat) close = open;
      });
      // A long walk can drift below zero: lift the whole series so every price stays positive.
      let lowest = Infinity;
      for (let i = 0; i < b.low.length; i++) lowest = Math.min(lowest, b.low[i]!);
      if (lowest < 1) {
        const lift = 1 - lowest;
        for (const col of [b.open, b.high, b.low, b.close]) for (let i = 0; i < col.length; i++) col[i]! += lift;
      }
      return b;
    });

export const penOptions: fc.Arbitrary<PenOptions> = fc.record({
  definition: fc.constantFrom('new_3kline' as const, 'traditional' as const),
  minKlinesBetweenTurns: fc.integer({ min: 1, max: 5 }),
  fractalCheck: fc.constantFrom('strict' as const, 'half' as const, 'loss' as const),
  endIsPeak: fc.boolean(),
});

/** Series with long flat runs (o = h = l = c repeated) between random-walk stretches. */
export const flatRuns: fc.Arbitrary<Bars> = fc
  .array(fc.tuple(fc.integer({ min: -8, max: 8 }), fc.integer({ min: 1, max: 12 }), fc.boolean()), {
    minLength: 1,
    maxLength: 80,
    size: 'max',
  })
  .map((runs) => {
    const rows: Array<[number, number, number, number]> = [];
    let p = 500;
    for (const [move, len, flat] of runs) {
      for (let j = 0; j < len; j++) {
        if (flat) rows.push([p, p, p, p]);
        else {
          const o = p;
          p = Math.max(1, p + move);
          rows.push([o, Math.max(o, p) + 1, Math.max(0, Math.min(o, p) - 1), p]);
        }
      }
    }
    return toBars(rows);
  });

/** Random walk with occasional large gaps (limit moves, overnight jumps) and equal highs/lows. */
export const gappy: fc.Arbitrary<Bars> = fc
  .array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.nat(9), fc.nat(2), fc.nat(2)), { minLength: 1, maxLength: 700, size: 'max' })
  .map((steps) => {
    const rows: Array<[number, number, number, number]> = [];
    let p = 2000;
    for (const [move, gapDie, up, down] of steps) {
      const o = gapDie === 0 ? p + 150 : gapDie === 1 ? Math.max(200, p - 150) : p;
      p = Math.max(50, o + move * 5);
      rows.push([o, Math.max(o, p) + up * 5, Math.min(o, p) - down * 5, p]);
    }
    return toBars(rows);
  });

function toBars(rows: ReadonlyArray<readonly [number, number, number, number]>): Bars {
  const b = allocateBars(rows.length);
  rows.forEach(([o, h, l, c], i) => {
    b.timestamp[i] = i * 3_600_000;
    b.open[i] = o;
    b.high[i] = h;
    b.low[i] = l;
    b.close[i] = c;
    b.volume[i] = 1;
  });
  return b;
}

/** Every kind of series: tiny, random walks, flat runs, gaps, and (rarely) long ones. */
export const anySeries: fc.Arbitrary<Bars> = fc.oneof(
  { arbitrary: barSeries(6), weight: 2 },
  { arbitrary: barSeries(400), weight: 5 },
  { arbitrary: flatRuns, weight: 2 },
  { arbitrary: gappy, weight: 2 },
  { arbitrary: barSeries(5000), weight: 1 },
);

export const macdOptions: fc.Arbitrary<MacdOptions> = fc
  .tuple(
    fc.integer({ min: 1, max: 30 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 1, max: 20 }),
    fc.constantFrom('first_close' as const, 'sma' as const),
    fc.constantFrom(1, 2, 0.5, 3.7),
  )
  .map(([fast, extra, signal, seed, histogramScale]) => ({ fast, slow: fast + extra, signal, seed, histogramScale }));

const pointOptions: fc.Arbitrary<Partial<PointOptions>> = fc.record(
  {
    divergenceRate: fc.constantFrom(0.3, 0.9, 1, 100, 150, Infinity),
    minPivotCount: fc.integer({ min: 0, max: 2 }),
    bsp1OnlyMultiLinePivot: fc.boolean(),
    maxBsp2Rate: fc.constantFrom(0.382, 0.618, 0.9999, 1),
    bsp1Peak: fc.boolean(),
    bsp2Follow1: fc.boolean(),
    bsp3Follow1: fc.boolean(),
    bsp3Peak: fc.boolean(),
    bsp2sFollow2: fc.boolean(),
    maxBsp2sLevel: fc.constantFrom(null, 1, 2),
    strictBsp3: fc.boolean(),
    bsp3aMaxPivotCount: fc.integer({ min: 1, max: 3 }),
    types: fc.subarray([...POINT_TYPES]),
  },
  { requiredKeys: [] },
);

/** Structure options: any combination per level, sometimes different per side. */
export const structureOptions: fc.Arbitrary<PartialStructureOptions> = fc.record({
  enabled: fc.constantFrom(true, true, true, false),
  combinePivots: fc.boolean(),
  points: fc.record({
    pen: fc.tuple(pointOptions, fc.option(pointOptions)).map(([both, sell]) => ({ ...both, ...(sell && { sell }) })),
    segment: fc.tuple(pointOptions, fc.option(pointOptions)).map(([both, sell]) => ({ ...both, ...(sell && { sell }) })),
  }),
});
