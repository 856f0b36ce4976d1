// Turns an engine's raw output (merged-bar columns, pen and segment records, MACD) into the public
// AnalysisResult. Both engines share this code, so equal raw output means equal results.
import type { PenRecord } from './pens.js';
import type { SegmentRecord } from './segments.js';
import type { AnalysisResult, Bars, Fractal, Fractals, MacdSeries, MergedBars, Pen, Segment } from './types.js';

/** Merged-bar columns; arrays may be longer than `count`. */
export interface MergedColumns {
  readonly count: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly dir: Int8Array;
  readonly fx: Int8Array;
  readonly rawStart: Int32Array;
  readonly rawEnd: Int32Array;
}

export interface RawAnalysis {
  readonly merged: MergedColumns;
  readonly pens: readonly PenRecord[];
  readonly segments: readonly SegmentRecord[];
  readonly macd: MacdSeries;
}

/** Apex raw bar of merged bar k: the last raw bar whose high (top) or low (bottom) equals the merged extreme. */
export function apexRaw(m: MergedColumns, k: number, isHigh: boolean, bars: Bars): number {
  const start = m.rawStart[k]!;
  const col = isHigh ? bars.high : bars.low;
  const v = isHigh ? m.high[k]! : m.low[k]!;
  for (let r = m.rawEnd[k]!; r > start; r--) if (col[r] === v) return r;
  return start;
}

export function shapeResult(bars: Bars, raw: RawAnalysis): AnalysisResult {
  const pens = shapePens(raw, bars);
  return {
    barCount: bars.high.length,
    merged: copyMerged(raw.merged),
    fractals: shapeFractals(raw.merged, bars),
    pens,
    segments: shapeSegments(raw.segments, pens),
    macd: raw.macd,
  };
}

function copyMerged(m: MergedColumns): MergedBars {
  const n = m.count;
  return {
    count: n,
    high: m.high.slice(0, n),
    low: m.low.slice(0, n),
    dir: m.dir.slice(0, n),
    rawStart: m.rawStart.slice(0, n),
    rawEnd: m.rawEnd.slice(0, n),
  };
}

function shapeFractals(m: MergedColumns, bars: Bars): Fractals {
  const fx = m.fx;
  let count = 0;
  for (let k = 0; k < m.count; k++) if (fx[k] !== 0) count++;
  const out = {
    count,
    type: new Int8Array(count),
    mergedIndex: new Int32Array(count),
    rawIndex: new Int32Array(count),
    price: new Float64Array(count),
  };
  for (let k = 0, j = 0; k < m.count; k++) {
    const f = fx[k]!;
    if (f === 0) continue;
    const top = f === 1;
    out.type[j] = f;
    out.mergedIndex[j] = k;
    out.rawIndex[j] = apexRaw(m, k, top, bars);
    out.price[j++] = top ? m.high[k]! : m.low[k]!;
  }
  return out;
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

function shapePens(raw: RawAnalysis, bars: Bars): Pen[] {
  const m = raw.merged;
  return raw.pens.map((r, index) => {
    const up = r.dir === 1;
    const startRaw = apexRaw(m, r.startK, !up, bars);
    const endRaw = apexRaw(m, r.endK, up, bars);
    return {
      index,
      direction: up ? 'up' : 'down',
      startMerged: r.startK,
      endMerged: r.endK,
      startRaw,
      endRaw,
      startPrice: up ? m.low[r.startK]! : m.high[r.startK]!,
      endPrice: up ? m.high[r.endK]! : m.low[r.endK]!,
      startTime: bars.timestamp[startRaw]!,
      endTime: bars.timestamp[endRaw]!,
      confirmed: r.confirmed,
    };
  });
}

function shapeSegments(records: readonly SegmentRecord[], pens: readonly Pen[]): Segment[] {
  return records.map((s, index) => {
    const a = pens[s.startPen]!, b = pens[s.endPen]!;
    return {
      index,
      direction: s.dir === 1 ? 'up' : 'down',
      startPen: s.startPen,
      endPen: s.endPen,
      startRaw: a.startRaw,
      endRaw: b.endRaw,
      startPrice: a.startPrice,
      endPrice: b.endPrice,
      startTime: a.startTime,
      endTime: b.endTime,
      confirmed: s.confirmed,
      endCase: s.endCase,
    };
  });
}
