// Bars whose pens are exactly a given zigzag (for hand-worked cases run through the engines).
import { allocateBars } from '../../src/core/bars.js';
import type { Bars } from '../../src/core/types.js';

/**
 * Bars along the zigzag: one lead-in bar, then 4 bars per pen whose highs and lows move strictly
 * (no inclusion), each turning bar having its low (bottom) or high (top) at the turning price, and
 * one bar after the last point so that the last pen is confirmed too.
 */
export function barsAlong(points: readonly number[]): Bars {
  const rows: [number, number][] = [];
  const w = 0.1;
  const bar = (c: number, turn: 'top' | 'bottom' | null) =>
    rows.push(turn === 'top' ? [c, c - w] : turn === 'bottom' ? [c + w, c] : [c + w / 2, c - w / 2]);
  const firstUp = points[1]! > points[0]!;
  bar(points[0]! + (firstUp ? 1 : -1), null);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const top = i > 0 ? p > points[i - 1]! : !firstUp;
    bar(p, top ? 'top' : 'bottom');
    const q = points[i + 1];
    if (q !== undefined) for (let k = 1; k < 4; k++) bar(p + ((q - p) * k) / 4, null);
  }
  const last = points.at(-1)!;
  bar(last + (last > points.at(-2)! ? -1 : 1), null);
  const b = allocateBars(rows.length);
  rows.forEach(([h, l], i) => {
    b.timestamp[i] = i * 60_000;
    b.high[i] = h;
    b.low[i] = l;
    b.open[i] = l;
    b.close[i] = h;
    b.volume[i] = 1;
  });
  return b;
}
