// Turns an engine's raw output (merged-bar columns, pen and segment records, MACD) into the public
// AnalysisResult. Both engines share this code, so equal raw output means equal results.
import { apexOf, extremeOf, type MergedColumns, type PenRecord, type SegmentRecord } from './records.js';
import type { StructureOptions } from './structure-options.js';
import { computeStructures, type Structures } from './structures/index.js';
import type { PenLineColumns } from './structures/lines.js';
import type { AnalysisResult, Bars, Fractal, Fractals, MacdSeries, Pen, Segment, SegmentOfSegments } from './types.js';

export interface RawAnalysis {
  readonly merged: MergedColumns;
  readonly pens: readonly PenRecord[];
  readonly segments: readonly SegmentRecord[];
  /** Segments of segments: segment records whose "pens" are segments. */
  readonly segmentsOfSegments: readonly SegmentRecord[];
  readonly macd: MacdSeries;
  /** The pens as lines of the structures; null when the structures are off. */
  readonly penLines: PenLineColumns | null;
}

const NO_STRUCTURES: Structures = Object.freeze({
  pivots: Object.freeze({ pen: Object.freeze([]), segment: Object.freeze([]) }),
  buySellPoints: Object.freeze({ pen: Object.freeze([]), segment: Object.freeze([]) }),
});

/** The public result of an engine's raw output, with the structures both engines share. */
export function shapeResult(bars: Bars, raw: RawAnalysis, options: StructureOptions): AnalysisResult {
  const m = raw.merged;
  const merged = { count: m.count, high: m.high, low: m.low, dir: m.dir, rawStart: m.rawStart, rawEnd: m.rawEnd };
  // The structures first, from the lines and records: made after the pen objects, their allocations would make
  // the young-generation collections copy all those pens (measured: ~2x the structures' own cost).
  const structures = options.enabled
    ? computeStructures({ bars, penLines: raw.penLines!, segments: raw.segments, segmentsOfSegments: raw.segmentsOfSegments }, options)
    : NO_STRUCTURES;
  const pens = raw.pens.map((r, i) => shapePen(m, r, i, bars.timestamp));
  const segments = shapeSegments(raw.segments, pens);
  const segmentsOfSegments = (options.enabled ? raw.segmentsOfSegments : []).map((s, index) =>
    shapeSegmentOfSegments(s, index, segments[s.startPen]!, segments[s.endPen]!),
  );
  return {
    barCount: bars.high.length,
    merged,
    fractals: shapeFractals(m),
    pens,
    segments,
    segmentsOfSegments,
    ...structures,
    macd: raw.macd,
  };
}

/** One segment of segments from its first and last segment (a record's "pens" are segments). */
export function shapeSegmentOfSegments(s: SegmentRecord, index: number, a: Segment, b: Segment): SegmentOfSegments {
  return {
    index,
    direction: s.dir === 1 ? 'up' : 'down',
    startSegment: a.index,
    endSegment: b.index,
    startRaw: a.startRaw,
    endRaw: b.endRaw,
    startPrice: a.startPrice,
    endPrice: b.endPrice,
    startTime: a.startTime,
    endTime: b.endTime,
    confirmed: s.confirmed,
  };
}

/** The fractals; `mergedBase` is the global index of merged bar 0 when the columns hold part of the series. */
export function shapeFractals(m: MergedColumns, mergedBase = 0): Fractals {
  const count = m.fractalCount;
  const type = new Int8Array(count),
    mergedIndex = new Int32Array(count),
    rawIndex = new Int32Array(count),
    price = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const k = m.fractalIndex[j]!;
    const top = m.fx[k] === 1;
    type[j] = top ? 1 : -1;
    mergedIndex[j] = mergedBase + k;
    rawIndex[j] = top ? m.highApex[k]! : m.lowApex[k]!;
    price[j] = top ? m.high[k]! : m.low[k]!;
  }
  return { count, type, mergedIndex, rawIndex, price };
}

/** Fractals as objects (convenience; the columns are the primary form). */
export function fractalList(f: Fractals): Fractal[] {
  return Array.from({ length: f.count }, (_, i) => ({
    type: f.type[i] === 1 ? 'top' : 'bottom',
    mergedIndex: f.mergedIndex[i]!,
    rawIndex: f.rawIndex[i]!,
    price: f.price[i]!,
  }));
}

/**
 * One pen. `mergedBase` / `rawBase` are the global indices of merged bar 0 and of timestamp[0] when
 * the columns hold only part of the series (a streaming window); raw indices in `m` are global.
 */
export function shapePen(m: MergedColumns, r: PenRecord, index: number, timestamp: Float64Array, mergedBase = 0, rawBase = 0): Pen {
  const up = r.dir === 1;
  const startRaw = apexOf(m, r.startK, !up);
  const endRaw = apexOf(m, r.endK, up);
  return {
    index,
    direction: up ? 'up' : 'down',
    startMerged: mergedBase + r.startK,
    endMerged: mergedBase + r.endK,
    startRaw,
    endRaw,
    startPrice: extremeOf(m, r.startK, !up),
    endPrice: extremeOf(m, r.endK, up),
    startTime: timestamp[startRaw - rawBase]!,
    endTime: timestamp[endRaw - rawBase]!,
    confirmed: r.confirmed,
  };
}

function shapeSegments(records: readonly SegmentRecord[], pens: readonly Pen[]): Segment[] {
  return records.map((s, index) => shapeSegment(s, index, pens[s.startPen]!, pens[s.endPen]!));
}

/** One segment from its first and last pen (`a`, `b`: their `index` is the global pen index). */
export function shapeSegment(s: SegmentRecord, index: number, a: Pen, b: Pen): Segment {
  return {
    index,
    direction: s.dir === 1 ? 'up' : 'down',
    startPen: a.index,
    endPen: b.index,
    startRaw: a.startRaw,
    endRaw: b.endRaw,
    startPrice: a.startPrice,
    endPrice: b.endPrice,
    startTime: a.startTime,
    endTime: b.endTime,
    confirmed: s.confirmed,
    endCase: s.endCase,
  };
}
