// The lines of a level and their parents, as the structure rules read them (docs/algorithms.md,
// "Levels and lines"): at the pen level the lines are pens and the parents segments; at the segment
// level the lines are segments and the parents segments of segments.
import { UP, type SegmentRecord } from '../records.js';
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
 * Lines from their columns. Both levels' lines are made by this one object literal, so the rules'
 * loops see one object shape (lines made at two sites ran the pen level's rules ~1.5x slower); an
 * object made by spreading would be a slow dictionary-mode object (measured: 6x slower shaping).
 */
function makeLines(c: LineColumns, beginTime: Float64Array, endTime: Float64Array, metric: (i: number) => number): Lines {
  return {
    n: c.n,
    dir: c.dir,
    low: c.low,
    high: c.high,
    begin: c.begin,
    end: c.end,
    beginRaw: c.beginRaw,
    endRaw: c.endRaw,
    beginTime,
    endTime,
    confirmed: c.confirmed,
    metric,
  };
}

/** The columns of Lines, without the times. */
type LineColumns = Omit<Lines, 'beginTime' | 'endTime' | 'metric'>;

/**
 * The pens as lines, as an engine computes them (src/engines/ts/pen-lines.ts and its WASM twin): the
 * columns of Lines without the times, every pen's start and end merged bar, and its divergence
 * metric, the "peak" of the MACD histogram (histogramPeak over the raw bars of its start to its end
 * merged bar). They are also the result's pen columns (core/result.ts).
 */
export type PenLineColumns = LineColumns & {
  readonly startMerged: Int32Array;
  readonly endMerged: Int32Array;
  readonly peak: Float64Array;
};

/** Zeroed columns of n lines, without the times and the metric. */
export function emptyColumns(n: number) {
  return {
    n,
    dir: new Int8Array(n),
    low: new Float64Array(n),
    high: new Float64Array(n),
    begin: new Float64Array(n),
    end: new Float64Array(n),
    beginRaw: new Int32Array(n),
    endRaw: new Int32Array(n),
    confirmed: new Uint8Array(n),
  };
}

/** The pen-level lines: an engine's pen-line columns with the times of their raw bars. */
export function penLines(c: PenLineColumns, timestamp: Float64Array): Lines {
  const n = c.n,
    beginTime = new Float64Array(n),
    endTime = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    beginTime[i] = timestamp[c.beginRaw[i]!]!;
    endTime[i] = timestamp[c.endRaw[i]!]!;
  }
  const peak = c.peak;
  return makeLines(c, beginTime, endTime, (i) => peak[i]!);
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
  const n = segments.length;
  const c = emptyColumns(n);
  const beginTime = new Float64Array(n),
    endTime = new Float64Array(n);
  const { high, low } = bars;
  for (let i = 0; i < n; i++) {
    const s = segments[i]!;
    const up = s.dir === UP;
    const b = pens.beginRaw[s.startPen]!,
      e = pens.endRaw[s.endPen]!;
    c.dir[i] = s.dir;
    c.begin[i] = pens.begin[s.startPen]!;
    c.end[i] = pens.end[s.endPen]!;
    c.low[i] = up ? low[b]! : low[e]!;
    c.high[i] = up ? high[e]! : high[b]!;
    c.beginRaw[i] = b;
    c.endRaw[i] = e;
    beginTime[i] = pens.beginTime[s.startPen]!;
    endTime[i] = pens.endTime[s.endPen]!;
    c.confirmed[i] = s.confirmed ? 1 : 0;
  }
  return makeLines(c, beginTime, endTime, (i) => {
    const b = c.beginRaw[i]!,
      e = c.endRaw[i]!,
      k = e - b + 1;
    // A difference, then two divisions, in this order (equal bits with chan.py).
    return c.dir[i] === UP ? (high[e]! - low[b]!) / high[e]! / k : (high[b]! - low[e]!) / high[b]! / k;
  });
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
