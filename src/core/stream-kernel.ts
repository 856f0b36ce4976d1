// The per-bar state machines of streaming analysis (merged bars, fractals, pens with their
// provisional tail, MACD), behind one interface so the TS engine and the WASM engine can drive the
// same StreamingAnalyzer. The segment stage runs on pens in the analyzer, for both engines.
import { MacdStream, type MacdMark, type MacdPoint, type MacdSaved } from './macd-stream.js';
import { MergedBarStore, type MergedMark } from './merge.js';
import type { AnalysisOptions } from './options.js';
import { PenBuilder, type PenMark, type PenRecord } from './pens.js';

/** Merged-bar columns (views, valid until the next kernel call). Raw indices are global. */
export interface MergedView {
  readonly count: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly dir: Int8Array;
  readonly fx: Int8Array;
  readonly rawStart: Int32Array;
  readonly rawEnd: Int32Array;
  readonly highApex: Int32Array;
  readonly lowApex: Int32Array;
  readonly fractalIndex: Int32Array;
  readonly fractalCount: number;
}

/** The state before the last bar, so that bar can be replaced. Plain data (saved in blobs). */
export interface KernelMark {
  readonly merged: MergedMark;
  readonly pens: PenMark;
  readonly macd: MacdMark;
}

/** Everything a kernel holds, engine-neutral (for save/restore). */
export interface KernelState {
  readonly merged: {
    readonly count: number;
    readonly high: Float64Array;
    readonly low: Float64Array;
    readonly dir: Int8Array;
    readonly fx: Int8Array;
    readonly rawStart: Int32Array;
    readonly rawEnd: Int32Array;
    readonly highApex: Int32Array;
    readonly lowApex: Int32Array;
  };
  readonly fractals: Int32Array;
  readonly pens: PenRecord[];
  readonly free: number[];
  readonly lastEnd: number;
  readonly macd: MacdSaved;
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
      const c = m.count;
      const p = pens.save();
      return {
        merged: {
          count: c,
          high: m.high.slice(0, c),
          low: m.low.slice(0, c),
          dir: m.dir.slice(0, c),
          fx: m.fx.slice(0, c),
          rawStart: m.rawStart.slice(0, c),
          rawEnd: m.rawEnd.slice(0, c),
          highApex: m.highApex.slice(0, c),
          lowApex: m.lowApex.slice(0, c),
        },
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
      for (const k of ['high', 'low', 'dir', 'fx', 'rawStart', 'rawEnd', 'highApex', 'lowApex'] as const) (m[k] as Float64Array).set(s.merged[k] as Float64Array);
      m.fractalIndex.set(s.fractals);
      m.fractalCount = s.fractals.length;
      pens.load({ pens: s.pens, free: s.free, lastEnd: s.lastEnd });
      macd.load(s.macd);
    },
  };
}, { engine: 'ts' as const });
