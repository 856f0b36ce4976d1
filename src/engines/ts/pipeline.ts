// The TS engine's batch pipeline: validate, feed every stage, shape the output.
import { macdOf } from './macd.js';
import { reusedStore, type MergedBarStore } from './merge.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions, type PenOptions } from '../../core/options.js';
import type { PenRecord } from '../../core/records.js';
import { shapeResult, type RawAnalysis } from '../../core/result.js';
import { penLineColumns } from './pen-lines.js';
import { PenBuilder } from './pens.js';
import { buildSegments, segmentsAsLines, segmentView } from './segments.js';
import type { AnalysisResult, Bars, MergedBars } from '../../core/types.js';
import { validateBars } from '../../core/validate.js';

/** Full analysis of `bars` (validated first; throws BarValidationError / ConfigError). */
export function analyze(bars: Bars, options: PartialAnalysisOptions | AnalysisOptions = {}): AnalysisResult {
  const opt = resolveOptions(options);
  validateBars(bars);
  return shapeResult(bars, analyzeRaw(bars, opt), opt.structures);
}

/** Merged bars, fractals and pens (with the provisional tail) of valid bars; the store is reused by the next call. */
export function mergeAndPens(bars: Bars, penOptions: PenOptions): { merged: MergedBarStore; pens: PenRecord[] } {
  const n = bars.high.length;
  const merged = reusedStore(n);
  const penBuilder = new PenBuilder(merged, penOptions);
  merged.pushBars(bars.high, bars.low, 0, n, (k) => penBuilder.onClassified(k));
  return { merged, pens: penBuilder.withVirtualTail() };
}

/** The merged bars alone (inclusion, no later stage) of valid bars. */
export function mergeBars(bars: Bars): MergedBars {
  const merged = reusedStore(bars.high.length);
  merged.pushBars(bars.high, bars.low, 0, bars.high.length, () => undefined);
  return merged.columns();
}

/**
 * The stages without validation or shaping (input must already be valid). The merged columns' fx,
 * apexes and fractal indices are the reused store's: valid until the next call (as the WASM engine's
 * raw views of its linear memory).
 */
export function analyzeRaw(bars: Bars, opt: AnalysisOptions): RawAnalysis {
  const { merged, pens } = mergeAndPens(bars, opt.pen);
  // One object literal (not a spread: the stages read it in their loops).
  const { count, high, low, dir, rawStart, rawEnd } = merged.columns();
  const columns = {
    count,
    high,
    low,
    dir,
    rawStart,
    rawEnd,
    fx: merged.fx,
    highApex: merged.highApex,
    lowApex: merged.lowApex,
    fractalIndex: merged.fractalIndex,
    fractalCount: merged.fractalCount,
  };
  const segments = buildSegments(segmentView(pens, merged));
  // Segments of segments: the segment rules on the segments.
  const segmentsOfSegments = buildSegments(segmentsAsLines(segments, pens, columns, bars));
  const macd = macdOf(bars.close, opt.macd);
  return { merged: columns, pens: penLineColumns(columns, pens, macd, opt.macd.histogramScale), segments, segmentsOfSegments, macd };
}
