// Real data: every fractal, pen and segment must equal chan.py's output (both pen definitions).
import { describe, expect, it } from 'vitest';
import { fractalList } from '../src/core/result.js';
import { ENGINES } from './support/engines.js';
import { fixtureBars, fixtureText, REAL_SERIES } from './support/helpers.js';
import { oraclePenRows, oracleSegmentRows, penRows, segmentRows, type OracleEntry } from './support/oracle.js';

interface Oracle extends OracleEntry {
  raw_bar_count: number;
  fractals: { type: string; merged_idx: number; raw_idx: number; price: number }[];
}

const MODES = [
  ['newpen', 'new_3kline'],
  ['traditional', 'traditional'],
] as const;

describe.each(ENGINES.flatMap((e) => REAL_SERIES.map((s) => [e.name, s, e] as const)))(
  '%s engine, %s against chan.py',
  (_name, series, engine) => {
    const bars = fixtureBars(series);
    it.each(MODES)('%s pens', (oracleName, definition) => {
      const o = JSON.parse(fixtureText(`${series}.chanpy_${oracleName}.json.gz`)) as Oracle;
      const r = engine.analyze(bars, { pen: { definition } });
      expect(r.barCount).toBe(o.raw_bar_count);
      expect(r.merged.count).toBe(o.merged_count);
      expect(fractalList(r.fractals).map((f) => [f.type, f.mergedIndex, f.rawIndex, f.price])).toEqual(
        o.fractals.map((f) => [f.type, f.merged_idx, f.raw_idx, f.price]),
      );
      // Every pen and every segment, confirmed or provisional, in order.
      expect(penRows(r)).toEqual(oraclePenRows(o));
      expect(r.pens.filter((p) => p.confirmed).length).toBeGreaterThan(100);
      expect(segmentRows(r)).toEqual(oracleSegmentRows(o));
      expect(r.segments.filter((s) => s.confirmed).length).toBeGreaterThan(20);
    });
  },
);
