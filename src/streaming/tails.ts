// What an analyzer's tail reads give (StreamingAnalyzer.penTail, segmentTail, structureTail,
// macdTail): the latest pens, segments, pivots and points or MACD values without a snapshot of the
// whole result, with what a check of them reads, every index rebased to the tail's first merged and
// raw bar (and first pen); and their objects with global indices again.
import { InputError } from '../core/errors.js';
import { firstIndex } from '../core/search.js';
import type { MergedColumns } from '../core/records.js';
import { penAt, shapeFractals } from '../core/result.js';
import type { Level } from '../core/structure-options.js';
import type { AnalysisResult, Bars, BuySellPoint, MacdSeries, Pen, PenColumns, Pivot, Segment, SegmentOfSegments } from '../core/types.js';

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

/** A tail of the last confirmed segments (of segments), with the unconfirmed ones after and among them. */
export type Confirmed<T> = T & {
  /** How many of the series' segments (of segments) are confirmed. */
  readonly confirmedTotal: number;
};

/**
 * The last segments of segments of an analyzer (segsegTail), or those that hold the lines of a
 * structure tail's segment level, on segment tail `segments` (rebased as those: segment of segments 0
 * is global segment of segments `firstSegseg`).
 */
export interface SegsegTail extends SegmentTail {
  readonly firstSegseg: number;
  /** The global count of segments of segments. */
  readonly segsegTotal: number;
  readonly segmentsOfSegments: readonly SegmentOfSegments[];
}

/**
 * The last pivots and buy/sell points of a level of an analyzer (structureTail), on the pens,
 * segments and (at the segment level) segments of segments of the tail: line indices rebased to the
 * level's first line in the tail (global line `firstLine`: a pen or a segment), raw indices as the
 * part's, pivot 0 global pivot `firstPivot`.
 */
export interface StructureTail extends SegsegTail {
  readonly level: Level;
  readonly firstLine: number;
  readonly firstPivot: number;
  /** The global pivot count, and the count of points held. */
  readonly pivotTotal: number;
  readonly pointTotal: number;
  readonly pivots: readonly Pivot[];
  readonly points: readonly BuySellPoint[];
}

/** What the check of a structure tail reads (failover/output-check.ts checkStructureTail), in one object. */
export function structureTailPart(t: StructureTail) {
  return { ...t.part, segments: t.segments, segmentsOfSegments: t.segmentsOfSegments, level: t.level, pivots: t.pivots, points: t.points };
}

/** Segment tail `t` with segments of segments `segsegs` over its segments (global indices; `total` their global count), rebased. */
export function segsegTailOf(t: SegmentTail, segsegs: readonly SegmentOfSegments[], total: number): SegsegTail {
  const firstSegseg = segsegs[0]?.index ?? total;
  return {
    ...t,
    firstSegseg,
    segsegTotal: total,
    segmentsOfSegments: segsegs.map((s) => movedSegseg(s, -firstSegseg, -t.firstSegment, -t.rawBase)),
  };
}

/** Segment of segments i of a tail as one of the whole series (global indices). */
export function tailSegmentOfSegments(t: SegsegTail, i: number): SegmentOfSegments {
  return movedSegseg(t.segmentsOfSegments[i]!, t.firstSegseg, t.firstSegment, t.rawBase);
}

/**
 * The structure tail of `level` on tail `t`, from the last pivots and points (global indices): those
 * that read a line before the tail's first are left out (with a window), the rest rebased.
 */
export function structureTailOf(
  t: SegsegTail,
  level: Level,
  pivots: { readonly items: readonly Pivot[]; readonly total: number },
  points: { readonly items: readonly BuySellPoint[]; readonly total: number },
): StructureTail {
  const line = level === 'pen' ? t.first : t.firstSegment,
    raw = t.rawBase;
  const zs = pivots.items.filter((z) => z.enteringLine >= line);
  const ps = points.items.filter((p) => (p.relatedLine ?? p.line) >= line);
  const firstPivot = pivots.total - zs.length;
  return {
    ...t,
    level,
    firstLine: line,
    firstPivot,
    pivotTotal: pivots.total,
    pointTotal: points.total,
    pivots: zs.map((z) => movedPivot(z, -firstPivot, -line, -raw)),
    points: ps.map((p) => movedPoint(p, -line, -raw)),
  };
}

// The moves between a tail's indices and the whole series': by minus its bases one way, by its bases
// the other.

function movedSegseg(s: SegmentOfSegments, index: number, segment: number, raw: number): SegmentOfSegments {
  return {
    ...s,
    index: s.index + index,
    startSegment: s.startSegment + segment,
    endSegment: s.endSegment + segment,
    startRaw: s.startRaw + raw,
    endRaw: s.endRaw + raw,
  };
}

function movedPivot(z: Pivot, index: number, line: number, raw: number): Pivot {
  return {
    ...z,
    index: z.index + index,
    startLine: z.startLine + line,
    endLine: z.endLine + line,
    enteringLine: z.enteringLine + line,
    leavingLine: z.leavingLine === null ? null : z.leavingLine + line,
    startRaw: z.startRaw + raw,
    endRaw: z.endRaw + raw,
  };
}

function movedPoint(p: BuySellPoint, line: number, raw: number): BuySellPoint {
  return { ...p, line: p.line + line, rawIndex: p.rawIndex + raw, relatedLine: p.relatedLine === null ? null : p.relatedLine + line };
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
  return movedPivot(t.pivots[i]!, t.firstPivot, t.firstLine, t.rawBase);
}

/** Point i of a structure tail as a BuySellPoint of the whole series (global indices). */
export function tailPoint(t: StructureTail, i: number): BuySellPoint {
  return movedPoint(t.points[i]!, t.firstLine, t.rawBase);
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
  const lo = firstIndex(m.fractalCount, (j) => m.fractalIndex[j]! > k0);
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
