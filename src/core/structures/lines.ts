// The lines of a level and their parents, as the structure rules read them (docs/algorithms.md,
// "Levels and lines"): at the pen level the lines are pens and the parents segments; at the segment
// level the lines are segments and the parents segments of segments.
import { apexOf, extremeOf, UP, type MergedColumns, type PenRecord, type SegmentRecord } from '../records.js';
import type { Bars } from '../types.js';

export interface Lines {
  readonly n: number;
  /** 1 up, -1 down. */
  readonly dir: Int8Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly begin: Float64Array;
  readonly end: Float64Array;
  readonly beginRaw: Int32Array;
  readonly endRaw: Int32Array;
  readonly beginTime: Float64Array;
  readonly endTime: Float64Array;
  readonly confirmed: Uint8Array;
  /** The divergence metric of line i (pen level "peak", segment level "slope"). */
  metric(i: number): number;
}

export interface Parents {
  readonly m: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly dir: Int8Array;
  readonly confirmed: Uint8Array;
  /** pidx of every line: the parent whose range holds it, m for lines after the last parent. */
  readonly ofLine: Int32Array;
}

/**
 * Columns for n lines; `metric` is filled in later. One object literal with every property: an object
 * made by spreading would be a slow dictionary-mode object (measured: 6x slower shaping).
 */
function emptyLines(n: number): Lines & { metric: (i: number) => number } {
  return {
    n,
    dir: new Int8Array(n),
    low: new Float64Array(n),
    high: new Float64Array(n),
    begin: new Float64Array(n),
    end: new Float64Array(n),
    beginRaw: new Int32Array(n),
    endRaw: new Int32Array(n),
    beginTime: new Float64Array(n),
    endTime: new Float64Array(n),
    confirmed: new Uint8Array(n),
    metric: () => NaN,
  };
}

/**
 * Pens as lines, from the engine's records. Their metric is the "peak" of the MACD histogram: over
 * every raw bar of every merged bar from the pen's start merged bar to its end merged bar, the largest
 * positive value (up pen) or the largest magnitude of a negative value (down pen), and at least 1e-7.
 * Every pen's peak is computed here, in bar order: cheaper than scanning the few the rules read,
 * scattered over the whole series (cache misses).
 */
export function penLines(m: MergedColumns, pens: readonly PenRecord[], timestamp: Float64Array, histogram: Float64Array): Lines {
  const l = emptyLines(pens.length);
  const peaks = new Float64Array(pens.length);
  for (let i = 0; i < pens.length; i++) {
    const p = pens[i]!;
    const up = p.dir === UP;
    const begin = extremeOf(m, p.startK, !up),
      end = extremeOf(m, p.endK, up);
    const beginRaw = apexOf(m, p.startK, !up),
      endRaw = apexOf(m, p.endK, up);
    l.dir[i] = p.dir;
    l.begin[i] = begin;
    l.end[i] = end;
    l.low[i] = up ? begin : end;
    l.high[i] = up ? end : begin;
    l.beginRaw[i] = beginRaw;
    l.endRaw[i] = endRaw;
    l.beginTime[i] = timestamp[beginRaw]!;
    l.endTime[i] = timestamp[endRaw]!;
    l.confirmed[i] = p.confirmed ? 1 : 0;
    peaks[i] = histogramPeak(histogram, m.rawStart[p.startK]!, m.rawEnd[p.endK]!, up);
  }
  l.metric = (i) => peaks[i]!;
  return l;
}

/**
 * The "peak" of raw bars from..to: the largest histogram value (up) or the largest magnitude of a
 * negative one (down), at least 1e-7. As peak >= 1e-7 > 0, "h > peak" already means h > 0 (NaN fails).
 */
export function histogramPeak(histogram: Float64Array, from: number, to: number, up: boolean): number {
  let peak = 1e-7;
  if (up) {
    for (let r = from; r <= to; r++) {
      const h = histogram[r]!;
      if (h > peak) peak = h;
    }
  } else {
    for (let r = from; r <= to; r++) {
      const h = -histogram[r]!;
      if (h > peak) peak = h;
    }
  }
  return peak;
}

/**
 * Segments as lines, from their records over the pen-level lines. Their low and high come from the
 * raw bars: an up segment's low is the low of its start bar and its high the high of its end bar (a
 * down segment the reverse); these equal its prices except for a segment whose first pen runs against
 * it. Their metric is the "slope": the price change over the bar count, divided by the end high (up)
 * or the start high (down).
 */
export function segmentLines(segments: readonly SegmentRecord[], pens: Lines, bars: Bars): Lines {
  const l = emptyLines(segments.length);
  const { high, low } = bars;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const up = s.dir === UP;
    const b = pens.beginRaw[s.startPen]!,
      e = pens.endRaw[s.endPen]!;
    l.dir[i] = s.dir;
    l.begin[i] = pens.begin[s.startPen]!;
    l.end[i] = pens.end[s.endPen]!;
    l.low[i] = up ? low[b]! : low[e]!;
    l.high[i] = up ? high[e]! : high[b]!;
    l.beginRaw[i] = b;
    l.endRaw[i] = e;
    l.beginTime[i] = pens.beginTime[s.startPen]!;
    l.endTime[i] = pens.endTime[s.endPen]!;
    l.confirmed[i] = s.confirmed ? 1 : 0;
  }
  l.metric = (i: number): number => {
    const b = l.beginRaw[i]!,
      e = l.endRaw[i]!,
      n = e - b + 1;
    // A difference, then two divisions, in this order (equal bits with chan.py).
    return l.dir[i] === UP ? (high[e]! - low[b]!) / high[e]! / n : (high[b]! - low[e]!) / high[b]! / n;
  };
  return l;
}

/** Parents over lines: segments over pens, or segments of segments over segments (their "pens"). */
export function parentsOf(parents: readonly SegmentRecord[], n: number): Parents {
  const m = parents.length;
  const p: Parents = {
    m,
    start: new Int32Array(m),
    end: new Int32Array(m),
    dir: new Int8Array(m),
    confirmed: new Uint8Array(m),
    ofLine: new Int32Array(n).fill(m),
  };
  for (let j = 0; j < m; j++) {
    const q = parents[j]!;
    p.start[j] = q.startPen;
    p.end[j] = q.endPen;
    p.dir[j] = q.dir;
    p.confirmed[j] = q.confirmed ? 1 : 0;
    p.ofLine.fill(j, q.startPen, Math.min(n, q.endPen + 1));
  }
  return p;
}
