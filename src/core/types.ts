// Plain data shapes shared by every stage and by both engines.

/** Input bars, one typed array per column; all columns have the same length. */
export interface Bars {
  readonly timestamp: Float64Array; // bar open time, ms since epoch UTC
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export type Direction = 'up' | 'down';
export type FractalType = 'top' | 'bottom';

/** Merged bars (inclusion resolved), columnar. `rawStart..rawEnd` is the raw range absorbed. */
export interface MergedBars {
  readonly count: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  /** 1 = up, -1 = down (direction the bar was created with). */
  readonly dir: Int8Array;
  readonly rawStart: Int32Array;
  readonly rawEnd: Int32Array;
}

/** Fractals, columnar (there is roughly one per four merged bars). `fractalList` gives objects. */
export interface Fractals {
  readonly count: number;
  /** 1 = top, -1 = bottom. */
  readonly type: Int8Array;
  readonly mergedIndex: Int32Array;
  /** Apex raw bar: the last raw bar whose high (top) / low (bottom) equals the merged extreme. */
  readonly rawIndex: Int32Array;
  readonly price: Float64Array;
}

export interface Fractal {
  readonly type: FractalType;
  readonly mergedIndex: number;
  /** Apex raw bar: the last raw bar whose high (top) / low (bottom) equals the merged extreme. */
  readonly rawIndex: number;
  readonly price: number;
}

export interface Pen {
  readonly index: number;
  readonly direction: Direction;
  readonly startMerged: number;
  readonly endMerged: number;
  readonly startRaw: number;
  readonly endRaw: number;
  readonly startPrice: number;
  readonly endPrice: number;
  readonly startTime: number;
  readonly endTime: number;
  /**
   * True once the pen satisfies the full definition (both ends are confirmed fractals).
   * The last confirmed pen may still be extended to a more extreme fractal of the same type;
   * every earlier pen is final. The virtual pen running to the last bar is never confirmed.
   */
  readonly confirmed: boolean;
}

/**
 * The pens, columnar: entry i holds the fields of pen i (`direction` 1 = up, -1 = down; `confirmed`
 * 1 = true). The fast path of a batch result; `pens` gives the same pens as objects.
 */
export interface PenColumns {
  readonly count: number;
  readonly direction: Int8Array;
  readonly startMerged: Int32Array;
  readonly endMerged: Int32Array;
  readonly startRaw: Int32Array;
  readonly endRaw: Int32Array;
  readonly startPrice: Float64Array;
  readonly endPrice: Float64Array;
  readonly startTime: Float64Array;
  readonly endTime: Float64Array;
  readonly confirmed: Uint8Array;
}

/** How a confirmed segment was ended: 1 = feature sequence without gap, 2 = with gap; null for a provisional segment. */
export type SegmentCase = 1 | 2 | null;

export interface Segment {
  readonly index: number;
  readonly direction: Direction;
  readonly startPen: number;
  readonly endPen: number;
  readonly startRaw: number;
  readonly endRaw: number;
  readonly startPrice: number;
  readonly endPrice: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly confirmed: boolean;
  readonly endCase: SegmentCase;
}

export interface MacdSeries {
  /** DIF = EMA_fast - EMA_slow; NaN before the first defined value (sma seed). */
  readonly dif: Float64Array;
  /** DEA = EMA_signal(DIF). */
  readonly dea: Float64Array;
  /** scale * (DIF - DEA). In an engine's result, made from DIF and DEA when first read, then kept. */
  readonly histogram: Float64Array;
  /** Index of the first defined value. */
  readonly firstValid: number;
}

/** A segment of segments: the segment rules run on the segments, each playing a pen. */
export interface SegmentOfSegments {
  readonly index: number;
  readonly direction: Direction;
  readonly startSegment: number;
  readonly endSegment: number;
  readonly startRaw: number;
  readonly endRaw: number;
  readonly startPrice: number;
  readonly endPrice: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly confirmed: boolean;
}

/**
 * A pivot (中枢) of a level: the overlap [low, high] of three consecutive lines against its parent's
 * direction, extended while the next such line overlaps it. Lines are pens at the pen level and
 * segments at the segment level.
 */
export interface Pivot {
  readonly index: number;
  readonly startLine: number;
  readonly endLine: number;
  readonly startRaw: number;
  readonly endRaw: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly low: number;
  readonly high: number;
  /** (low + high) / 2 of its first range: a combination widens low..high but keeps it (chan.py). */
  readonly mid: number;
  /** The extremes of the lines put into it. */
  readonly peakLow: number;
  readonly peakHigh: number;
  /** Its parent's confirmed flag (false for pivots after the last parent). */
  readonly confirmed: boolean;
  /** The line before it, and the line after it (null when none yet). */
  readonly enteringLine: number;
  readonly leavingLine: number | null;
}

export type BuySellPointType = '1' | '1p' | '2' | '2s' | '3a' | '3b';

/** A buy/sell point (买卖点) at the end of a line: a buy on a down line, a sell on an up line. */
export interface BuySellPoint {
  readonly line: number;
  readonly rawIndex: number;
  readonly time: number;
  readonly price: number;
  readonly side: 'buy' | 'sell';
  /** In the order they were found: 1/1p first, then 2/2s, then 3a/3b. */
  readonly types: readonly BuySellPointType[];
  /** The line's confirmed flag: a point on a provisional line can move or vanish. */
  readonly confirmed: boolean;
  /** Types 1 and 1p: out metric / in metric (null when the line does not break the pivot); else null. */
  readonly divergenceRate: number | null;
  /** The line of the type-1 point a type 2 or 3 follows, else null. */
  readonly relatedLine: number | null;
}

/** The MACD of one bar (NaN where undefined, sma seed). */
export interface MacdPoint {
  readonly dif: number;
  readonly dea: number;
  readonly histogram: number;
}

export interface AnalysisResult {
  readonly barCount: number;
  readonly merged: MergedBars;
  readonly fractals: Fractals;
  /** The pens as objects. In an engine's result, made from `penColumns` when first read, then kept. */
  readonly pens: readonly Pen[];
  readonly penColumns: PenColumns;
  readonly segments: readonly Segment[];
  readonly segmentsOfSegments: readonly SegmentOfSegments[];
  readonly pivots: { readonly pen: readonly Pivot[]; readonly segment: readonly Pivot[] };
  readonly buySellPoints: { readonly pen: readonly BuySellPoint[]; readonly segment: readonly BuySellPoint[] };
  readonly macd: MacdSeries;
}
