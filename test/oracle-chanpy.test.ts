// Real data: every fractal, pen and segment must equal chan.py's output (both pen definitions).
import { describe, expect, it } from 'vitest';
import { fractalList } from '../src/core/result.js';
import { ENGINES } from './support/engines.js';
import { fixtureBars, fixtureText, REAL_SERIES } from './support/helpers.js';

interface OraclePen {
  dir: string;
  start_raw: number;
  end_raw: number;
  start_price: number;
  end_price: number;
  is_sure: boolean;
  start_merged: number;
  end_merged: number;
}
interface OracleSeg {
  dir: string;
  start_raw: number;
  end_raw: number;
  start_price: number;
  end_price: number;
  is_sure: boolean;
  start_pen: number;
  end_pen: number;
}
interface Oracle {
  raw_bar_count: number;
  merged_count: number;
  fractals: { type: string; merged_idx: number; raw_idx: number; price: number }[];
  pens: OraclePen[];
  segments: OracleSeg[];
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
      // Every pen, confirmed or provisional, in order.
      expect(
        r.pens.map((p) => [p.direction, p.startMerged, p.endMerged, p.startRaw, p.endRaw, p.startPrice, p.endPrice, p.confirmed]),
      ).toEqual(o.pens.map((p) => [p.dir, p.start_merged, p.end_merged, p.start_raw, p.end_raw, p.start_price, p.end_price, p.is_sure]));
      expect(r.pens.filter((p) => p.confirmed).length).toBeGreaterThan(100);
      // Every segment, confirmed or provisional.
      expect(
        r.segments.map((s) => [s.direction, s.startPen, s.endPen, s.startRaw, s.endRaw, s.startPrice, s.endPrice, s.confirmed]),
      ).toEqual(o.segments.map((s) => [s.dir, s.start_pen, s.end_pen, s.start_raw, s.end_raw, s.start_price, s.end_price, s.is_sure]));
      expect(r.segments.filter((s) => s.confirmed).length).toBeGreaterThan(20);
    });
  },
);
