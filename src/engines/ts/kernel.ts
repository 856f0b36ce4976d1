// The per-bar state machines of streaming analysis (merged bars, fractals, pens with their
// provisional tail, MACD) and the resumable segment stage, behind one interface so the TS engine
// and the WASM engine can drive the same StreamingAnalyzer.
import { MacdStream, type MacdMark, type MacdPoint, type MacdSaved } from './macd-stream.js';
import { MergedBarStore, type MergedMark } from './merge.js';
import type { AnalysisOptions } from '../../core/options.js';
import type { MergedColumns, PenRecord, SegmentRecord } from '../../core/records.js';
import { PenBuilder, type PenMark } from './pens.js';
import type { SegPen } from './feature-sequence.js';
import { buildSegmentsFrom, segPenOf, SegmentState } from './segments.js';
import { StreamEvents, type EventSource } from './events.js';

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
  // The segment view of the final pens (kept across bars); `at` holds the pens of the last push
  // from the last confirmed one on (tail) and the segments on them (finals 0..baseLen-1, then added).
  const segPens: SegPen[] = [];
  const segState = new SegmentState();
  const at: EventSource = { m, pens: pens.pens, tail: [], finals: segState.final, baseLen: 0, added: [] };
  let last: KernelMark | null = null;
  // Resumes the segment stage on the pens now: every pen before the last confirmed one is final,
  // and a segment becomes final once everything its detection read is.
  const runSegments = () => {
    const nFinal = Math.max(0, pens.pens.length - 1);
    segPens.length = Math.min(segPens.length, nFinal);
    for (let j = segPens.length; j < nFinal; j++) segPens.push(segPenOf(pens.pens[j]!, m));
    for (const r of at.tail) segPens.push(segPenOf(r, m));
    const list = buildSegmentsFrom(segPens, segState, nFinal);
    segPens.length = nFinal;
    at.baseLen = list.baseLen;
    at.added = list.extra;
  };
  const events = new StreamEvents(at);
  return {
    engine: 'ts',
    push(raw, high, low, close, replaced) {
      if (replaced) {
        const k = last!;
        events.rewind(k.pens.count, k.segs.count);
        m.restore(k.merged);
        pens.restore(k.pens);
        macd.restore(k.macd);
        segState.final.length = k.segs.count;
        segState.resumeBegin = k.segs.resumeBegin;
        segPens.length = Math.min(segPens.length, Math.max(0, pens.pens.length - 1));
      } else {
        last = { merged: m.mark(), pens: pens.mark(), macd: macd.mark(), segs: { count: segState.final.length, resumeBegin: segState.resumeBegin } };
      }
      const point = macd.push(close);
      if (m.push(raw, high, low) && m.count >= 3) pens.onClassified(m.count - 2);
      at.tail = pens.tail();
      events.step(replaced, runSegments);
      return point;
    },
    eventCount: () => events.events.count,
    eventRecords: () => events.events.data,
    eventOffset: () => 0,
    merged: () => m,
    penCount: () => pens.pens.length,
    pen: (j) => ({ ...pens.pens[j]! }),
    tail: () => at.tail.map((r) => ({ ...r })),
    segments: () => ({ from: at.baseLen, extra: at.added.map((r) => ({ ...r })) }),
    finalSegmentCount: () => segState.final.length,
    finalSegment: (j) => segState.final[j]!,
    lastMark: () => last,
    dropBefore(dm, dp, ds) {
      const fractals = m.fractalCount;
      m.dropBefore(dm);
      if (last !== null) {
        const k = last;
        last = {
          merged: { ...k.merged, count: k.merged.count - dm, fractalCount: k.merged.fractalCount - (fractals - m.fractalCount) },
          pens: { ...k.pens, count: k.pens.count - dp, lastEndK: k.pens.lastEndK - dm, lastEnd: k.pens.lastEnd - dm },
          macd: k.macd,
          segs: { count: k.segs.count - ds, resumeBegin: k.segs.resumeBegin - dp },
        };
      }
      pens.dropBefore(dm, dp);
      segPens.splice(0, dp);
      const fin = segState.final;
      fin.splice(0, ds);
      for (const r of fin) {
        r.startPen -= dp;
        r.endPen -= dp;
      }
      segState.resumeBegin -= dp;
      for (const r of at.tail) {
        r.startK -= dm;
        r.endK -= dm;
      }
      at.baseLen = Math.max(0, at.baseLen - ds);
      for (const r of at.added) {
        r.startPen -= dp;
        r.endPen -= dp;
      }
      events.drop(dm, dp, ds);
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
        mark: last,
      };
    },
    load(s, bases) {
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
      last = s.mark;
      at.tail = pens.tail();
      events.load(bases.merged, bases.pens, bases.segments, runSegments);
    },
  };
}, { engine: 'ts' as const });
