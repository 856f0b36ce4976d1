// fast-check generators: random-walk bar series on a coarse price grid (so equal highs/lows,
// flat bars and inclusions are frequent) and every pen option combination.
import fc from 'fast-check';
import { allocateBars } from '../src/core/bars.js';
import type { PenOptions } from '../src/core/options.js';
import type { Bars } from '../src/core/types.js';

export const barSeries = (maxLength = 400): fc.Arbitrary<Bars> =>
  fc
    .array(
      fc.tuple(fc.integer({ min: -6, max: 6 }), fc.nat(4), fc.nat(4), fc.integer({ min: -3, max: 3 }), fc.nat(30)),
      { minLength: 1, maxLength, size: 'max' },
    )
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
      return b;
    });

export const penOptions: fc.Arbitrary<PenOptions> = fc.record({
  definition: fc.constantFrom('new_3kline' as const, 'traditional' as const),
  minKlinesBetweenTurns: fc.integer({ min: 1, max: 5 }),
  fractalCheck: fc.constantFrom('strict' as const, 'half' as const, 'loss' as const),
  endIsPeak: fc.boolean(),
});
