// What an analyzer's tail reads give (StreamingAnalyzer.penTail, segmentTail, structureTail,
// macdTail): the latest pens, segments, pivots and points or MACD values without a snapshot of the
// whole result, with what a check of them reads, every index rebased to the tail's first merged and
// raw bar (and first pen); and their objects with global indices again.
import { InputError } from '../core/errors.js';
import type { MergedColumns } from '../core/records.js';
import { penAt, shapeFractals } from '../core/result.js';
import type { AnalysisResult, Bars, BuySellPoint, MacdSeries, Pen, PenColumns, Pivot, Segment } from '../core/types.js';

/** A tail read's length: a whole number from 0, or Infinity for all. */
export function checkTailLength(n: number): void {
  if (!(n >= 0 && (Number.isInteger(n) || n === Infinity))) {
    throw new InputError(`a tail's length must be a whole number of at least 0 (or Infinity), got ${n}`, 'n');
  }
}

/**
 * The last pens of an analyzer (penTail). `part` holds them, the merged bars from the one before the
 * first pen's start and the fractals after that one, every index rebased: merged bar 0 of `part` is
 * global merged bar `mergedBase`, raw bar 0 (of `bars`) global raw bar `rawBase`.
 */
export interface PenTail {
  /** Global index of the first pen in `part`, and the global pen count. */
  readonly first: number;
  readonly total: number;
  readonly barCount: number;
  readonly mergedBase: number;
  readonly rawBase: number;
  readonly part: Pick<AnalysisResult, 'merged' | 'fractals' | 'penColumns'>;
  readonly bars: Bars;
}

/** The last segments of an analyzer (segmentTail): `segments` are those of `part`'s pens (rebased indices). */
export interface SegmentTail extends PenTail {
  /** Global index of the first segment in `segments`, and the global segment count. */
  readonly firstSegment: number;
  readonly segmentTotal: number;
  readonly segments: readonly Segment[];
}

/**
 * The last pivots and buy/sell points of an analyzer's pen level (structureTail), on the pens and
 * segments of `part` and `segments`: their line and raw indices rebased as those, pivot 0 global
 * pivot `firstPivot`.
 */
export interface StructureTail extends SegmentTail {
  readonly firstPivot: number;
  /** The global pivot count, and the count of points held. */
  readonly pivotTotal: number;
  readonly pointTotal: number;
  readonly pivots: readonly Pivot[];
  readonly points: readonly BuySellPoint[];
}

/** The MACD of an analyzer's last bars (macdTail): bar 0 of these views is global bar `first`. */
export interface MacdTail {
  readonly first: number;
  readonly barCount: number;
  readonly timestamp: Float64Array;
  readonly macd: MacdSeries;
}

/** Segment i of a tail as a Segment of the whole series (global indices). */
export function tailSegment(t: SegmentTail, i: number): Segment {
  const s = t.segments[i]!;
  return {
    ...s,
    index: t.firstSegment + i,
    startPen: t.first + s.startPen,
    endPen: t.first + s.endPen,
    startRaw: s.startRaw + t.rawBase,
    endRaw: s.endRaw + t.rawBase,
  };
}

/** Pivot i of a structure tail as a Pivot of the whole series (global indices). */
export function tailPivot(t: StructureTail, i: number): Pivot {
  const z = t.pivots[i]!;
  return {
    ...z,
    index: t.firstPivot + z.index,
    startLine: t.first + z.startLine,
    endLine: t.first + z.endLine,
    enteringLine: t.first + z.enteringLine,
    leavingLine: z.leavingLine === null ? null : t.first + z.leavingLine,
    startRaw: t.rawBase + z.startRaw,
    endRaw: t.rawBase + z.endRaw,
  };
}

/** Point i of a structure tail as a BuySellPoint of the whole series (global indices). */
export function tailPoint(t: StructureTail, i: number): BuySellPoint {
  const p = t.points[i]!;
  return {
    ...p,
    line: t.first + p.line,
    rawIndex: t.rawBase + p.rawIndex,
    relatedLine: p.relatedLine === null ? null : t.first + p.relatedLine,
  };
}

/** Pen i of a tail as a Pen of the whole series (global indices). */
export function tailPen(t: PenTail, i: number): Pen {
  const p = penAt(t.part.penColumns, i, t.first);
  return {
    ...p,
    startMerged: p.startMerged + t.mergedBase,
    endMerged: p.endMerged + t.mergedBase,
    startRaw: p.startRaw + t.rawBase,
    endRaw: p.endRaw + t.rawBase,
  };
}

/**
 * The part of a tail from merged bar k0 (whose first raw bar is global raw bar r0): the merged bars
 * from k0, the fractals after it and `penColumns` (merged indices already from k0), their raw indices
 * rebased to r0.
 */
export function rebasedPart(m: MergedColumns, k0: number, r0: number, penColumns: PenColumns): PenTail['part'] {
  const merged = {
    count: m.count - k0,
    high: m.high.slice(k0, m.count),
    low: m.low.slice(k0, m.count),
    dir: m.dir.slice(k0, m.count),
    rawStart: m.rawStart.slice(k0, m.count).map((r) => r - r0),
    rawEnd: m.rawEnd.slice(k0, m.count).map((r) => r - r0),
  };
  // The fractals after merged bar k0 (the kernel's list is in merged order).
  let lo = 0,
    hi = m.fractalCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.fractalIndex[mid]! <= k0) lo = mid + 1;
    else hi = mid;
  }
  const fractals = shapeFractals(
    { ...m, fractalIndex: m.fractalIndex.subarray(lo, m.fractalCount), fractalCount: m.fractalCount - lo },
    -k0,
  );
  for (let j = 0; j < fractals.count; j++) fractals.rawIndex[j]! -= r0;
  for (let i = 0; i < penColumns.count; i++) {
    penColumns.startRaw[i]! -= r0;
    penColumns.endRaw[i]! -= r0;
  }
  return { merged, fractals, penColumns };
}
