// The structures both engines share: pivots and buy/sell points of the pen and segment levels,
// computed from the engine's pens as lines (with their divergence metric), segments and segments of
// segments. Engine-neutral; what it costs is in bench/README.md ("Structures").
import type { StructureOptions } from '../structure-options.js';
import type { Bars, BuySellPoint, Pivot } from '../types.js';
import type { SegmentRecord } from '../records.js';
import { parentsOf, segmentLines, type Lines } from './lines.js';
import { buildPivots, type PivotRecord } from './pivots.js';
import { buildPoints, Owned, type PointRecord } from './points.js';

export interface Structures {
  readonly pivots: { readonly pen: readonly Pivot[]; readonly segment: readonly Pivot[] };
  readonly buySellPoints: { readonly pen: readonly BuySellPoint[]; readonly segment: readonly BuySellPoint[] };
}

export interface StructureInput {
  readonly bars: Bars;
  /** The pens as lines, from the engine's columns with their times. */
  readonly penLines: Lines;
  readonly segments: readonly SegmentRecord[];
  /** Segment records over the segments. */
  readonly segmentsOfSegments: readonly SegmentRecord[];
}

/** The structures of both levels from an engine's records. */
export function computeStructures(input: StructureInput, o: StructureOptions): Structures {
  const pen = level(input.penLines, input.segments, o, 'pen');
  const segment = level(segmentLines(input.segments, input.penLines, input.bars), input.segmentsOfSegments, o, 'segment');
  return { pivots: { pen: pen.pivots, segment: segment.pivots }, buySellPoints: { pen: pen.points, segment: segment.points } };
}

function level(lines: Lines, parents: readonly SegmentRecord[], o: StructureOptions, name: 'pen' | 'segment') {
  const p = parentsOf(parents, lines.n);
  const pivots = buildPivots(lines, p, o.combinePivots);
  const { points } = buildPoints(lines, p, new Owned().reset(pivots, 0, p.m), o.points[name]);
  return { pivots: pivots.map((z, i) => shapePivot(z, i, lines)), points: points.map((r) => shapePoint(r, lines)) };
}

export function shapePivot(z: PivotRecord, index: number, lines: Lines, lineBase = 0): Pivot {
  return {
    index,
    startLine: lineBase + z.begin,
    endLine: lineBase + z.end,
    startRaw: z.beginRaw,
    endRaw: z.endRaw,
    startTime: lines.beginTime[z.begin]!,
    endTime: lines.endTime[z.end]!,
    low: z.low,
    high: z.high,
    mid: z.mid,
    peakLow: z.peakLow,
    peakHigh: z.peakHigh,
    confirmed: z.confirmed,
    enteringLine: lineBase + z.begin - 1,
    leavingLine: z.end + 1 < lines.n ? lineBase + z.end + 1 : null,
  };
}

/** A point record as the result shows it; `lineBase` is the global index of line 0. */
export function shapePoint(r: PointRecord, lines: Lines, lineBase = 0): BuySellPoint {
  return {
    line: lineBase + r.line,
    rawIndex: lines.endRaw[r.line]!,
    time: lines.endTime[r.line]!,
    price: lines.end[r.line]!,
    side: r.side,
    types: r.types,
    confirmed: lines.confirmed[r.line] === 1,
    divergenceRate: r.divergenceRate,
    relatedLine: r.relate === null ? null : lineBase + r.relate,
  };
}
