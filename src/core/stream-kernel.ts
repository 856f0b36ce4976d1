// The streaming-kernel contract: the per-bar stages of StreamingAnalyzer behind one interface, so
// the TS engine (engines/ts/kernel.ts) and the WASM engine (engines/wasm/kernel.ts) drive the same
// analyzer. The kernel keeps every stage's state between bars and the state before the last bar.
import type { AnalysisOptions } from './options.js';
import type { MergedColumns, PenRecord, SegmentRecord } from './records.js';
import type { MacdPoint } from './types.js';

/** What the merge stage may change with one raw bar, so it can be taken back. */
export interface MergedMark {
  readonly count: number;
  readonly high: number;
  readonly low: number;
  readonly rawEnd: number;
  readonly highApex: number;
  readonly lowApex: number;
  readonly fx: number;
  readonly fractalCount: number;
}

/** What the pen stage may change with one merged bar. */
export interface PenMark {
  readonly count: number;
  readonly lastEndK: number;
  readonly lastEnd: number;
  readonly free: number;
}

/** The MACD state before a bar, enough to take the bar back. */
export interface MacdMark {
  readonly count: number;
  readonly fast: number;
  readonly slow: number;
  readonly dea: number;
}

/** Everything a MACD stream holds, for saving (floats kept as Float64Array so every bit survives). */
export interface MacdSaved {
  readonly count: number;
  readonly floats: Float64Array;
  readonly seedCloses: number;
}

/** Merged-bar columns (views, valid until the next kernel call). Raw indices are global. */
export type MergedView = MergedColumns;

/** The state before the last bar, so that bar can be replaced. Plain data (saved in blobs). */
export interface KernelMark {
  readonly merged: MergedMark;
  readonly pens: PenMark;
  readonly macd: MacdMark;
  readonly segs: SegmentMark;
}

/** The segment stage's state: how many final segments, and the pen where the search resumes. */
export interface SegmentMark {
  readonly count: number;
  readonly resumeBegin: number;
}

/** Segments on the current pens: final segments 0..from-1, then `extra`. */
export interface SegmentUpdate {
  readonly from: number;
  readonly extra: SegmentRecord[];
}

/** Everything a kernel holds, engine-neutral (for save/restore). */
export interface KernelState {
  readonly merged: MergedCopy;
  readonly fractals: Int32Array;
  readonly pens: PenRecord[];
  readonly free: number[];
  readonly lastEnd: number;
  readonly macd: MacdSaved;
  readonly segments: SegmentRecord[];
  readonly resumeBegin: number;
  readonly mark: KernelMark | null;
}

type MergedCopy = Omit<MergedColumns, 'fractalIndex' | 'fractalCount'>;
const MERGED_COLUMNS = ['high', 'low', 'dir', 'fx', 'rawStart', 'rawEnd', 'highApex', 'lowApex'] as const;

/** Exact-length copies of the merged columns. */
export function copyMerged(m: MergedView): MergedCopy {
  const c = m.count;
  const out: Record<string, unknown> = { count: c };
  for (const k of MERGED_COLUMNS) out[k] = m[k].slice(0, c);
  return out as unknown as MergedCopy;
}

/** Writes saved merged columns into a kernel's (large enough) columns. */
export function pasteMerged(into: MergedView, from: MergedCopy): void {
  for (const k of MERGED_COLUMNS) (into[k] as Float64Array).set(from[k] as Float64Array);
}

/** Global indices of the first merged bar, pen and segment a kernel holds (non-zero once a window dropped data). */
export interface KernelBases {
  readonly merged: number;
  readonly pens: number;
  readonly segments: number;
}

export interface StreamKernel {
  readonly engine: 'ts' | 'wasm';
  /**
   * Feeds raw bar `raw` (a global index) through every stage and returns its MACD point. The pens
   * (then, if they changed, the segments: the stage resumes after the final ones) are compared with
   * those after the previous push, and the changes written as event records (engines/ts/events.ts).
   * `replaced`: this bar replaces the last one; the state first goes back to `lastMark()` (the
   * caller checks there is one). Otherwise the state before this bar becomes the mark.
   */
  push(raw: number, high: number, low: number, close: number, replaced: boolean): MacdPoint;
  /**
   * The last push's event records: `eventCount()` records of EVENT_SLOTS numbers in `eventRecords()`
   * from index `eventOffset()` on (valid until the next call; no per-bar view is made).
   */
  eventCount(): number;
  eventRecords(): Float64Array;
  eventOffset(): number;
  merged(): MergedView;
  penCount(): number;
  /** Pen j (a copy). */
  pen(j: number): PenRecord;
  /** The pens from the last confirmed one on, with the provisional tail, as of the last push (copies). */
  tail(): PenRecord[];
  /** The segments on the pens as of the last push: final segments 0..from-1, then `extra` (copies). */
  segments(): SegmentUpdate;
  finalSegmentCount(): number;
  /** Final segment j (do not modify). */
  finalSegment(j: number): SegmentRecord;
  /** The state before the last bar pushed (null before any). */
  lastMark(): KernelMark | null;
  /** Drops the first `merged` merged bars, `pens` pens and `segments` final segments (streaming window); the mark follows. */
  dropBefore(merged: number, pens: number, segments: number): void;
  save(): KernelState;
  /** Restores a saved state held from `bases` on, and recomputes the provisional part (no events). */
  load(s: KernelState, bases: KernelBases): void;
  /** Bytes the kernel holds (its linear memory, or its columns and records): for memory budgets. */
  readonly memoryBytes: number;
}

/** Creates a kernel per analyzer; `engine` names it (saved blobs record it). */
export interface StreamKernelFactory {
  (options: AnalysisOptions): StreamKernel;
  readonly engine: 'ts' | 'wasm';
}
