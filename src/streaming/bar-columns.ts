// The growable columns a streaming analyzer keeps its bars and MACD values in, and their row-major
// copy for a saved state. Their rows are written once, at the end (only replaceLast rewrites the last
// one), so views of them can be handed out instead of copies: the columns are copied on this side,
// once, before a row such a view shows is written again (copy on write).
import { prefault, PREFAULT_ROWS } from '../core/prefault.js';

/** The bar columns' order: timestamp, open, high, low, close, volume; and the MACD columns': DIF, DEA, histogram. */
export const T = 0,
  O = 1,
  H = 2,
  L = 3,
  C = 4,
  V = 5;
export const DIF = 0,
  DEA = 1,
  HIST = 2;

/** Growable Float64Array columns. */
export class Columns {
  count = 0;
  cols: Float64Array[];
  /** Rows below this have been written in every column (see prefault.ts; only grown columns are). */
  private touched: number;
  /** Rows below this are seen by views handed out (shared): they are never written again in these buffers. */
  private sharedRows = 0;
  constructor(width: number, capacity = 1024) {
    this.cols = Array.from({ length: width }, () => new Float64Array(capacity));
    this.touched = capacity;
  }
  row(i: number, values: readonly number[]): void {
    this.reserve(i);
    for (let j = 0; j < values.length; j++) this.cols[j]![i] = values[j]!;
  }
  /** Room for row i (the first unused one, or the last one when it is rewritten). */
  reserve(i: number): void {
    if (i < this.sharedRows) this.unshare();
    if (i >= this.cols[0]!.length) {
      this.touched = this.cols[0]!.length;
      this.sharedRows = 0;
      this.cols = this.cols.map((c) => {
        const d = new Float64Array(c.length * 2);
        d.set(c);
        return d;
      });
    }
    if (i >= this.touched) this.touched = prefault(this.cols, i, Math.min(this.cols[0]!.length, i + PREFAULT_ROWS));
  }
  get capacity(): number {
    return this.cols[0]!.length;
  }
  view(j: number): Float64Array {
    return this.cols[j]!.subarray(0, this.count);
  }
  /** Column j's rows so far, as a view that never changes: read-only (a write into it would reach these columns). */
  shared(j: number): Float64Array {
    this.sharedRows = Math.max(this.sharedRows, this.count);
    return this.view(j);
  }
  dropBefore(k: number): void {
    if (this.sharedRows > 0) this.unshare();
    for (const c of this.cols) c.copyWithin(0, k, this.count);
    this.count -= k;
  }
  /** Moves these columns to buffers of their own, leaving the old ones to the views handed out. */
  private unshare(): void {
    this.cols = this.cols.map((c) => c.slice());
    this.sharedRows = 0;
  }
}

/** Row-major copy of the first n rows of columns. */
export function interleave(cols: Float64Array[], n: number): Float64Array {
  const w = cols.length;
  const out = new Float64Array(w * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) out[i * w + j] = cols[j]![i]!;
  return out;
}
