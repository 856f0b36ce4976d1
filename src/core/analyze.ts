// The batch pipeline: validate, then feed every stage, then shape the output.
import type { SegPen } from './feature-sequence.js';
import { computeMacd } from './macd.js';
import { MergedBarStore, UP } from './merge.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from './options.js';
import { PenBuilder, type PenRecord } from './pens.js';
import { buildSegments } from './segments.js';
import type { AnalysisResult, Bars, Fractal, Pen, Segment } from './types.js';
import { validateBars } from './validate.js';

/** Full analysis of `bars` (validated first; throws BarValidationError / ConfigError). */
export function analyze(bars: Bars, options: PartialAnalysisOptions | AnalysisOptions = {}): AnalysisResult {
  const opt = resolveOptions(options);
  validateBars(bars);
  const n = bars.high.length;
  const merged = new MergedBarStore(n);
  const penBuilder = new PenBuilder(merged, opt.pen);
  const { high, low } = bars;
  for (let i = 0; i < n; i++) {
    if (merged.push(i, high[i]!, low[i]!) && merged.count >= 3) penBuilder.onClassified(merged.count - 2);
  }
  const penRecords = penBuilder.withVirtualTail();
  const pens = shapePens(penRecords, merged, bars);
  return {
    barCount: n,
    merged: merged.snapshot(),
    fractals: shapeFractals(merged, bars),
    pens,
    segments: shapeSegments(pens, penRecords),
    macd: computeMacd(bars.close, opt.macd),
  };
}

function shapeFractals(m: MergedBarStore, bars: Bars): Fractal[] {
  const out: Fractal[] = [];
  for (let k = 0; k < m.count; k++) {
    const fx = m.fx[k]!;
    if (fx === 0) continue;
    const top = fx === 1;
    out.push({
      type: top ? 'top' : 'bottom',
      mergedIndex: k,
      rawIndex: m.apex(k, top, bars.high, bars.low),
      price: top ? m.high[k]! : m.low[k]!,
    });
  }
  return out;
}

function shapePens(records: readonly PenRecord[], m: MergedBarStore, bars: Bars): Pen[] {
  return records.map((r, index) => {
    const up = r.dir === UP;
    const startRaw = m.apex(r.startK, !up, bars.high, bars.low);
    const endRaw = m.apex(r.endK, up, bars.high, bars.low);
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

function shapeSegments(pens: readonly Pen[], records: readonly PenRecord[]): Segment[] {
  const segPens: SegPen[] = pens.map((p, i) => {
    const up = p.direction === 'up';
    return {
      dir: up ? 1 : -1,
      high: up ? p.endPrice : p.startPrice,
      low: up ? p.startPrice : p.endPrice,
      beginVal: p.startPrice,
      endVal: p.endPrice,
      sure: records[i]!.wasConfirmed,
    };
  });
  return buildSegments(segPens).map((s, index) => {
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
