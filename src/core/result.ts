// Turns an engine's raw output (merged-bar columns, pen and segment records, MACD) into the public
// AnalysisResult. Both engines share this code, so equal raw output means equal results.
import type { MergedColumns, PenRecord, SegmentRecord } from './records.js';
import type { AnalysisResult, Bars, Fractal, Fractals, MacdSeries, Pen, Segment } from './types.js';

export interface RawAnalysis {
  readonly merged: MergedColumns;
  readonly pens: readonly PenRecord[];
  readonly segments: readonly SegmentRecord[];
  readonly macd: MacdSeries;
}

export function shapeResult(bars: Bars, raw: RawAnalysis): AnalysisResult {
  const m = raw.merged;
  const pens = shapePens(m, raw.pens, bars.timestamp);
  return {
    barCount: bars.high.length,
    merged: { count: m.count, high: m.high, low: m.low, dir: m.dir, rawStart: m.rawStart, rawEnd: m.rawEnd },
    fractals: shapeFractals(m),
    pens,
    segments: shapeSegments(raw.segments, pens),
    macd: raw.macd,
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

function shapePens(m: MergedColumns, records: readonly PenRecord[], timestamp: Float64Array): Pen[] {
  const out: Pen[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) out[index] = shapePen(m, records[index]!, index, timestamp);
  return out;
}

/**
 * One pen. `mergedBase` / `rawBase` are the global indices of merged bar 0 and of timestamp[0] when
 * the columns hold only part of the series (a streaming window); raw indices in `m` are global.
 */
export function shapePen(m: MergedColumns, r: PenRecord, index: number, timestamp: Float64Array, mergedBase = 0, rawBase = 0): Pen {
  const up = r.dir === 1;
  const startRaw = up ? m.lowApex[r.startK]! : m.highApex[r.startK]!;
  const endRaw = up ? m.highApex[r.endK]! : m.lowApex[r.endK]!;
  return {
    index,
    direction: up ? 'up' : 'down',
    startMerged: mergedBase + r.startK,
    endMerged: mergedBase + r.endK,
    startRaw,
    endRaw,
    startPrice: up ? m.low[r.startK]! : m.high[r.startK]!,
    endPrice: up ? m.high[r.endK]! : m.low[r.endK]!,
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
