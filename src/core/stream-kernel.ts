// The per-bar state machines of streaming analysis (merged bars, fractals, pens with their
// provisional tail, MACD) and the resumable segment stage, behind one interface so the TS engine
// and the WASM engine can drive the same StreamingAnalyzer.
import { MacdStream, type MacdMark, type MacdPoint, type MacdSaved } from './macd-stream.js';
import { MergedBarStore, type MergedMark } from './merge.js';
import type { AnalysisOptions } from './options.js';
import type { MergedColumns } from './shape.js';
import { PenBuilder, type PenMark, type PenRecord } from './pens.js';
import { segPenOf } from './analyze.js';
import type { SegPen } from './feature-sequence.js';
import { buildSegmentsFrom, SegmentState, type SegmentRecord } from './segments.js';

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

/** Segments on the current pens: final segments 0..from-1, then `extra` (copies). */
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

export interface StreamKernel {
  readonly engine: 'ts' | 'wasm';
  /** Feeds raw bar `raw` (a global index) and returns its MACD point. */
  push(raw: number, high: number, low: number, close: number): MacdPoint;
  merged(): MergedView;
  penCount(): number;
  /** Pen j (a copy). */
  pen(j: number): PenRecord;
  /** The pens from the last confirmed one on, with the provisional tail (copies). */
  tail(): PenRecord[];
  /**
   * Resumes the segment stage on the pens as of the last `tail()` call: every pen before the last
   * confirmed one is final, and a segment becomes final once everything its detection read is.
   */
  segments(): SegmentUpdate;
  finalSegmentCount(): number;
  /** Final segment j (do not modify). */
  finalSegment(j: number): SegmentRecord;
  mark(): KernelMark;
  restore(m: KernelMark): void;
  /** Drops the first `merged` merged bars, `pens` pens and `segments` final segments (streaming window). */
  dropBefore(merged: number, pens: number, segments: number): void;
  save(): KernelState;
  load(s: KernelState): void;
}

/** Creates a kernel per analyzer; `engine` names it (saved blobs record it). */
export interface StreamKernelFactory {
  (options: AnalysisOptions): StreamKernel;
  readonly engine: 'ts' | 'wasm';
}

/** The TS engine's kernel. */
export const tsStreamKernel: StreamKernelFactory = Object.assign((options: AnalysisOptions): StreamKernel => {
  const m = new MergedBarStore();
  const pens = new PenBuilder(m, options.pen);
  const macd = new MacdStream(options.macd);
  // The segment view of the final pens (kept across bars), and the pens of the last tail() call.
  const segPens: SegPen[] = [];
  const segState = new SegmentState();
  let tailPens: PenRecord[] = [];
  return {
    engine: 'ts',
    push(raw, high, low, close) {
      const point = macd.push(close);
      if (m.push(raw, high, low) && m.count >= 3) pens.onClassified(m.count - 2);
      return point;
    },
    merged: () => m,
    penCount: () => pens.pens.length,
    pen: (j) => ({ ...pens.pens[j]! }),
    tail: () => (tailPens = pens.tail()),
    segments() {
      const nFinal = Math.max(0, pens.pens.length - 1);
      segPens.length = Math.min(segPens.length, nFinal);
      for (let j = segPens.length; j < nFinal; j++) segPens.push(segPenOf(pens.pens[j]!, m));
      for (const r of tailPens) segPens.push(segPenOf(r, m));
      const list = buildSegmentsFrom(segPens, segState, nFinal);
      segPens.length = nFinal;
      return { from: list.baseLen, extra: list.extra };
    },
    finalSegmentCount: () => segState.final.length,
    finalSegment: (j) => segState.final[j]!,
    mark: () => ({ merged: m.mark(), pens: pens.mark(), macd: macd.mark(), segs: { count: segState.final.length, resumeBegin: segState.resumeBegin } }),
    restore(k) {
      m.restore(k.merged);
      pens.restore(k.pens);
      macd.restore(k.macd);
      segState.final.length = k.segs.count;
      segState.resumeBegin = k.segs.resumeBegin;
      segPens.length = Math.min(segPens.length, Math.max(0, pens.pens.length - 1));
    },
    dropBefore(dm, dp, ds) {
      m.dropBefore(dm);
      pens.dropBefore(dm, dp);
      segPens.splice(0, dp);
      const fin = segState.final;
      fin.splice(0, ds);
      for (const r of fin) {
        r.startPen -= dp;
        r.endPen -= dp;
      }
      segState.resumeBegin -= dp;
    },
    save() {
      const p = pens.save();
      return {
        merged: copyMerged(m),
        fractals: m.fractalIndex.slice(0, m.fractalCount),
        pens: p.pens,
        free: p.free,
        lastEnd: p.lastEnd,
        macd: macd.save(),
        segments: segState.final.map((r) => ({ ...r })),
        resumeBegin: segState.resumeBegin,
      };
    },
    load(s) {
      const c = s.merged.count;
      m.reserve(c);
      m.count = c;
      pasteMerged(m, s.merged);
      m.fractalIndex.set(s.fractals);
      m.fractalCount = s.fractals.length;
      pens.load({ pens: s.pens, free: s.free, lastEnd: s.lastEnd });
      macd.load(s.macd);
      segPens.length = 0; // rebuilt from the pens at the next segments() call
      segState.final.length = 0;
      for (const r of s.segments) segState.final.push({ ...r });
      segState.resumeBegin = s.resumeBegin;
    },
  };
}, { engine: 'ts' as const });
