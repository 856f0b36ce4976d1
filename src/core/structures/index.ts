// The structures: pivots and buy/sell points of the pen and segment levels, computed from an engine's
// pens as lines (with their divergence metric), segments and segments of segments, by the shared rules
// (the TS engine and streaming) or by the WASM engine's twin stage (assembly/structures.ts); and
// shaped for the result the same way for both. What they cost is in bench/README.md.
import type { Side, StructureOptions } from '../structure-options.js';
import type { Bars, BuySellPoint, BuySellPointType, Pivot } from '../types.js';
import type { SegmentRecord } from '../records.js';
import { parentsOf, segmentLines, type Lines } from './lines.js';
import { buildPivots, type PivotRecord } from './pivots.js';
import { buildPoints, Owned, type PointRecord } from './points.js';
import {
  pivotColumnsOf,
  pointColumnsOf,
  unpackTypes,
  type LevelColumns,
  type PivotColumns,
  type PointColumns,
  type StructureColumns,
} from './columns.js';

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

/** What shaping reads of a level's lines: their direction, times, end bar, end price and flag. */
export type LineView = Pick<Lines, 'n' | 'dir' | 'beginTime' | 'endTime' | 'endRaw' | 'end' | 'confirmed'>;

/** The structures of both levels from an engine's records, by the shared rules (the TS engine). */
export function structureColumns(input: StructureInput, o: StructureOptions): StructureColumns {
  return {
    pen: level(input.penLines, input.segments, o, 'pen'),
    segment: level(segmentLines(input.segments, input.penLines, input.bars), input.segmentsOfSegments, o, 'segment'),
  };
}

function level(lines: Lines, parents: readonly SegmentRecord[], o: StructureOptions, name: 'pen' | 'segment'): LevelColumns {
  const p = parentsOf(parents, lines.n);
  const pivots = buildPivots(lines, p, o.combinePivots);
  const { points } = buildPoints(lines, p, new Owned().reset(pivots, 0, p.m), o.points[name]);
  return { pivots: pivotColumnsOf(pivots), points: pointColumnsOf(points) };
}

/**
 * The result's pivots and points: each level's objects are made from the columns when first read,
 * then kept (own enumerable getters: spreading, JSON and structured clone see them), as the pens'.
 * `segments` gives the segment level's lines, asked for only when that level is read.
 */
export function shapeStructures(c: StructureColumns, pens: LineView, segments: () => LineView): Structures {
  let view: LineView | undefined;
  const segmentView = () => (view ??= segments());
  return {
    pivots: lazyLevels(
      () => pivotList(c.pen.pivots, pens),
      () => pivotList(c.segment.pivots, segmentView()),
    ),
    buySellPoints: lazyLevels(
      () => pointList(c.pen.points, pens),
      () => pointList(c.segment.points, segmentView()),
    ),
  };
}

function lazyLevels<T>(pen: () => T[], segment: () => T[]): { readonly pen: T[]; readonly segment: T[] } {
  let p: T[] | undefined, s: T[] | undefined;
  return {
    get pen(): T[] {
      return (p ??= pen());
    },
    get segment(): T[] {
      return (s ??= segment());
    },
  };
}

function pivotList(c: PivotColumns, lines: LineView): Pivot[] {
  const out: Pivot[] = new Array(c.count);
  for (let i = 0; i < c.count; i++) {
    out[i] = pivot(
      i,
      c.begin[i]!,
      c.end[i]!,
      c.beginRaw[i]!,
      c.endRaw[i]!,
      c.low[i]!,
      c.high[i]!,
      c.mid[i]!,
      c.peakLow[i]!,
      c.peakHigh[i]!,
      c.confirmed[i] === 1,
      lines,
      0,
    );
  }
  return out;
}

function pointList(c: PointColumns, lines: LineView): BuySellPoint[] {
  const out: BuySellPoint[] = new Array(c.count);
  for (let i = 0; i < c.count; i++) {
    const x = c.line[i]!,
      relate = c.relate[i]!;
    out[i] = point(
      x,
      lines.dir[x] === -1 ? 'buy' : 'sell',
      unpackTypes(c.types[i]!),
      c.hasRate[i] === 1 ? c.rate[i]! : null,
      relate < 0 ? null : relate,
      lines,
      0,
    );
  }
  return out;
}

/** A pivot record as the result shows it; `lineBase` is the global index of line 0 (streaming). */
export function shapePivot(z: PivotRecord, index: number, lines: LineView, lineBase = 0): Pivot {
  return pivot(index, z.begin, z.end, z.beginRaw, z.endRaw, z.low, z.high, z.mid, z.peakLow, z.peakHigh, z.confirmed, lines, lineBase);
}

/** The one place a result's pivot object is made (lines local to the view). */
function pivot(
  index: number,
  begin: number,
  end: number,
  beginRaw: number,
  endRaw: number,
  low: number,
  high: number,
  mid: number,
  peakLow: number,
  peakHigh: number,
  confirmed: boolean,
  lines: LineView,
  lineBase: number,
): Pivot {
  return {
    index,
    startLine: lineBase + begin,
    endLine: lineBase + end,
    startRaw: beginRaw,
    endRaw,
    startTime: lines.beginTime[begin]!,
    endTime: lines.endTime[end]!,
    low,
    high,
    mid,
    peakLow,
    peakHigh,
    confirmed,
    enteringLine: lineBase + begin - 1,
    leavingLine: end + 1 < lines.n ? lineBase + end + 1 : null,
  };
}

/** A point record as the result shows it; `lineBase` is the global index of line 0. */
export function shapePoint(r: PointRecord, lines: LineView, lineBase = 0): BuySellPoint {
  return point(r.line, r.side, r.types, r.divergenceRate, r.relate, lines, lineBase);
}

/** The one place a result's point object is made (line and relate local to the view). */
function point(
  line: number,
  side: Side,
  types: BuySellPointType[],
  divergenceRate: number | null,
  relate: number | null,
  lines: LineView,
  lineBase: number,
): BuySellPoint {
  return {
    line: lineBase + line,
    rawIndex: lines.endRaw[line]!,
    time: lines.endTime[line]!,
    price: lines.end[line]!,
    side,
    types,
    confirmed: lines.confirmed[line] === 1,
    divergenceRate,
    relatedLine: relate === null ? null : lineBase + relate,
  };
}
