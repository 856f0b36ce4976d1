// The engine-neutral records both engines hand over: merged-bar columns, pens and segments as
// indices. result.ts shapes them into the public AnalysisResult.
import type { SegmentCase } from './types.js';

/** Direction of a merged bar, pen or segment. */
export const UP = 1;
export const DOWN = -1;
/** Fractal type of a merged bar. */
export const TOP = 1;
export const BOTTOM = -1;

/**
 * Merged-bar columns as an engine hands them over: high, low, dir, rawStart and rawEnd are owned
 * exact-length arrays (they become the public result); the others may be views the engine reuses.
 */
export interface MergedColumns {
  readonly count: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly dir: Int8Array;
  readonly fx: Int8Array;
  readonly rawStart: Int32Array;
  readonly rawEnd: Int32Array;
  /** Last raw bar whose high (low) equals the merged high (low). */
  readonly highApex: Int32Array;
  readonly lowApex: Int32Array;
  /** Merged indices of the fractals, in order (`fractalCount` of them). */
  readonly fractalIndex: Int32Array;
  readonly fractalCount: number;
}

/** The raw bar of merged bar k's extreme: its high's apex (`top`) or its low's: where a pen turns. */
export const apexOf = (m: MergedColumns, k: number, top: boolean): number => (top ? m.highApex[k]! : m.lowApex[k]!);

/** Merged bar k's extreme: its high (`top`) or its low. */
export const extremeOf = (m: MergedColumns, k: number, top: boolean): number => (top ? m.high[k]! : m.low[k]!);

/** A pen as merged-bar indices. `dir` is UP or DOWN. */
export interface PenRecord {
  startK: number;
  endK: number;
  dir: number;
  confirmed: boolean;
  /** Was confirmed before becoming the virtual tail (chan.py's is_used_to_be_sure); feeds segments. */
  wasConfirmed: boolean;
}

/** A segment as pen indices. */
export interface SegmentRecord {
  startPen: number;
  endPen: number;
  dir: number;
  confirmed: boolean;
  endCase: SegmentCase;
}
