// The per-bar state machines of streaming analysis (merged bars, fractals, pens with their
// provisional tail, MACD), behind one interface so the TS engine and the WASM engine can drive the
// same StreamingAnalyzer. The segment stage runs on pens in the analyzer, for both engines.
import { MacdStream, type MacdMark, type MacdPoint, type MacdSaved } from './macd-stream.js';
import { MergedBarStore, type MergedMark } from './merge.js';
import type { AnalysisOptions } from './options.js';
import type { MergedColumns } from './shape.js';
import { PenBuilder, type PenMark, type PenRecord } from './pens.js';

/** Merged-bar columns (views, valid until the next kernel call). Raw indices are global. */
export type MergedView = MergedColumns;

/** The state before the last bar, so that bar can be replaced. Plain data (saved in blobs). */
export interface KernelMark {
  readonly merged: MergedMark;
  readonly pens: PenMark;
  readonly macd: MacdMark;
}

/** Everything a kernel holds, engine-neutral (for save/restore). */
export interface KernelState {
  readonly merged: MergedCopy;
  readonly fractals: Int32Array;
  readonly pens: PenRecord[];
  readonly free: number[];
  readonly lastEnd: number;
  readonly macd: MacdSaved;
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
  mark(): KernelMark;
  restore(m: KernelMark): void;
  /** Drops the first `merged` merged bars and `pens` pens (streaming window). */
  dropBefore(merged: number, pens: number): void;
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
    tail: () => pens.tail(),
    mark: () => ({ merged: m.mark(), pens: pens.mark(), macd: macd.mark() }),
    restore(k) {
      m.restore(k.merged);
      pens.restore(k.pens);
      macd.restore(k.macd);
    },
    dropBefore(dm, dp) {
      m.dropBefore(dm);
      pens.dropBefore(dm, dp);
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
    },
  };
}, { engine: 'ts' as const });
