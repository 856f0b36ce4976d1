// The WASM engine's streaming kernel: one module instance per analyzer, its state in linear memory
// between bars (assembly/kernel.ts). Portable (no Node API).
import type { MacdPoint } from '../../core/types.js';
import type { AnalysisOptions } from '../../core/options.js';
import type { PenRecord, SegmentRecord } from '../../core/records.js';
import {
  copyMerged,
  pasteMerged,
  type KernelBases,
  type KernelMark,
  type KernelState,
  type MergedView,
  type SegmentUpdate,
  type StreamKernel,
  type StreamKernelFactory,
} from '../../core/stream-kernel.js';
import { instantiate } from './engine.js';
import type { Layout } from './layout.js';

interface StreamExports {
  readonly memory: WebAssembly.Memory;
  streamInit(
    cap: number,
    penDef: number,
    minK: number,
    fxCheck: number,
    endIsPeak: number,
    fast: number,
    slow: number,
    signal: number,
    seed: number,
    scale: number,
  ): void;
  streamStep(raw: number, high: number, low: number, close: number, replaced: number): number;
  streamLoaded(mergedBase: number, penBase: number, segBase: number): void;
  streamDrop(dm: number, dp: number, ds: number): void;
  streamLayout(): number;
  segSetState(count: number, resumeBegin: number): void;
  penSetState(pens: number, free: number, lastEnd: number): void;
  mergeSetCounts(count: number, fractals: number): void;
  mergeReserve(cap: number): void;
  macdRestore(count: number, fast: number, slow: number, dea: number): void;
}

// The mark's slots (see assembly/kernel.ts): i32 and f64.
const MARK_SET = 13;

const FX_CHECK = { strict: 0, half: 1, loss: 2 } as const;
const INITIAL_CAPACITY = 1024;

/** A kernel factory over a compiled module (each analyzer gets its own instance). */
export function createWasmStreamKernel(source: WebAssembly.Module | BufferSource): StreamKernelFactory {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  return Object.assign(
    (o: AnalysisOptions) => {
      const { ex, L } = instantiate(module);
      return new WasmStreamKernel(ex as unknown as StreamExports, L, o);
    },
    { engine: 'wasm' as const },
  );
}

export class WasmStreamKernel implements StreamKernel {
  readonly engine = 'wasm';
  private buffer: ArrayBuffer | null = null;
  private i32 = new Int32Array(0);
  private f64 = new Float64Array(0);
  private i8 = new Int8Array(0);
  /** The layout table, re-read after every call that may move columns. */
  private t = new Int32Array(0);
  private view: MergedView | null = null;
  private tableAddr = -1;
  private viewHigh = -1;
  private viewCap = -1;
  /** Events of the last push. */
  private nEvents = 0;

  constructor(
    private readonly ex: StreamExports,
    private readonly L: Layout,
    private readonly o: AnalysisOptions,
  ) {
    const p = o.pen,
      m = o.macd;
    ex.streamInit(
      INITIAL_CAPACITY,
      p.definition === 'traditional' ? 1 : 0,
      p.minKlinesBetweenTurns,
      FX_CHECK[p.fractalCheck],
      p.endIsPeak ? 1 : 0,
      m.fast,
      m.slow,
      m.signal,
      m.seed === 'sma' ? 1 : 0,
      m.histogramScale,
    );
    this.refresh();
  }

  /**
   * Re-creates the memory views when the memory grew. streamStep, streamLoaded and streamDrop rewrite
   * the layout table themselves; after other calls, `rewrite` has it rewritten first.
   */
  private refresh(rewrite = false): void {
    if (rewrite || this.tableAddr < 0) this.tableAddr = this.ex.streamLayout();
    const addr = this.tableAddr;
    // Growing the memory detaches the old buffer (byteLength 0); reading memory.buffer on every
    // call costs more than this check.
    if (this.buffer === null || this.buffer.byteLength === 0) {
      const buf = this.ex.memory.buffer;
      this.buffer = buf;
      this.i32 = new Int32Array(buf);
      this.f64 = new Float64Array(buf);
      this.i8 = new Int8Array(buf);
      this.view = null;
      this.t = this.i32.subarray(addr >> 2, (addr >> 2) + this.L.size);
    }
  }

  push(raw: number, high: number, low: number, close: number, replaced: boolean): MacdPoint {
    this.nEvents = this.ex.streamStep(raw, high, low, close, replaced ? 1 : 0);
    this.refresh();
    const o = this.t[this.L.macdOut]! >> 3;
    return { dif: this.f64[o]!, dea: this.f64[o + 1]!, histogram: this.f64[o + 2]! };
  }

  eventCount(): number {
    return this.nEvents;
  }

  eventRecords(): Float64Array {
    return this.f64;
  }

  eventOffset(): number {
    return this.t[this.L.events]! >> 3;
  }

  merged(): MergedView {
    const t = this.t;
    const cap = t[this.L.mCap]!;
    if (this.view === null || t[this.L.mHigh] !== this.viewHigh || cap !== this.viewCap) {
      const f = (slot: number) => this.f64.subarray(t[slot]! >> 3, (t[slot]! >> 3) + cap);
      const i = (slot: number) => this.i32.subarray(t[slot]! >> 2, (t[slot]! >> 2) + cap);
      const b = (slot: number) => this.i8.subarray(t[slot]!, t[slot]! + cap);
      const cols = {
        high: f(this.L.mHigh),
        low: f(this.L.mLow),
        dir: b(this.L.mDir),
        fx: b(this.L.mFx),
        rawStart: i(this.L.mStart),
        rawEnd: i(this.L.mEnd),
        highApex: i(this.L.mHighApex),
        lowApex: i(this.L.mLowApex),
        fractalIndex: i(this.L.mFractals),
      };
      const self = this;
      this.view = {
        ...cols,
        get count() {
          return self.t[self.L.mCount]!;
        },
        get fractalCount() {
          return self.t[self.L.mFractalCount]!;
        },
      };
      this.viewHigh = t[this.L.mHigh]!;
      this.viewCap = cap;
    }
    return this.view;
  }

  /** Size of this analyzer's linear memory (it grows only when a column outgrows its capacity). */
  get memoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }

  penCount(): number {
    return this.t[this.L.pCount]!;
  }

  pen(j: number): PenRecord {
    const t = this.t;
    const flags = this.i8[t[this.L.pFlags]! + j]!;
    return {
      startK: this.i32[(t[this.L.pStart]! >> 2) + j]!,
      endK: this.i32[(t[this.L.pEnd]! >> 2) + j]!,
      dir: this.i8[t[this.L.pDir]! + j]!,
      confirmed: (flags & 1) !== 0,
      wasConfirmed: (flags & 2) !== 0,
    };
  }

  tail(): PenRecord[] {
    const n = this.t[this.L.nTail]!;
    const b = this.t[this.L.tail]! >> 2;
    const out: PenRecord[] = [];
    for (let j = 0; j < n; j++) {
      const f = this.i32[b + 4 * j + 3]!;
      out.push({
        startK: this.i32[b + 4 * j]!,
        endK: this.i32[b + 4 * j + 1]!,
        dir: this.i32[b + 4 * j + 2]!,
        confirmed: (f & 1) !== 0,
        wasConfirmed: (f & 2) !== 0,
      });
    }
    return out;
  }

  segments(): SegmentUpdate {
    const t = this.t;
    const extra: SegmentRecord[] = [];
    for (let j = 0; j < t[this.L.gCount]!; j++)
      extra.push(this.segmentAt(this.L.gStart, this.L.gEnd, this.L.gDir, this.L.gConfirmed, this.L.gCase, j));
    return { from: t[this.L.baseLen]!, extra };
  }

  finalSegmentCount(): number {
    return this.t[this.L.fCount]!;
  }

  finalSegment(j: number): SegmentRecord {
    return this.segmentAt(this.L.fStart, this.L.fEnd, this.L.fDir, this.L.fConfirmed, this.L.fCase, j);
  }

  /** Segment j of the columns in the given layout slots. */
  private segmentAt(start: number, end: number, dir: number, confirmed: number, endCase: number, j: number): SegmentRecord {
    const t = this.t;
    const c = this.i8[t[endCase]! + j]!;
    return {
      startPen: this.i32[(t[start]! >> 2) + j]!,
      endPen: this.i32[(t[end]! >> 2) + j]!,
      dir: this.i8[t[dir]! + j]!,
      confirmed: this.i8[t[confirmed]! + j] === 1,
      endCase: c === 0 ? null : (c as 1 | 2),
    };
  }

  lastMark(): KernelMark | null {
    const t = this.t,
      I = this.i32,
      F = this.f64;
    const i = t[this.L.markI]! >> 2,
      f = t[this.L.markF]! >> 3;
    if (I[i + MARK_SET] !== 1) return null;
    return {
      merged: {
        count: I[i]!,
        high: F[f]!,
        low: F[f + 1]!,
        rawEnd: I[i + 1]!,
        highApex: I[i + 2]!,
        lowApex: I[i + 3]!,
        fx: I[i + 4]!,
        fractalCount: I[i + 5]!,
      },
      pens: { count: I[i + 6]!, lastEndK: I[i + 7]!, lastEnd: I[i + 8]!, free: I[i + 9]! },
      macd: { count: I[i + 10]!, fast: F[f + 2]!, slow: F[f + 3]!, dea: F[f + 4]! },
      segs: { count: I[i + 11]!, resumeBegin: I[i + 12]! },
    };
  }

  /** Writes a mark (or none) into the kernel's mark slots. */
  private setMark(k: KernelMark | null): void {
    const t = this.t,
      I = this.i32,
      F = this.f64;
    const i = t[this.L.markI]! >> 2,
      f = t[this.L.markF]! >> 3;
    I[i + MARK_SET] = k === null ? 0 : 1;
    if (k === null) return;
    const m = k.merged;
    I.set(
      [
        m.count,
        m.rawEnd,
        m.highApex,
        m.lowApex,
        m.fx,
        m.fractalCount,
        k.pens.count,
        k.pens.lastEndK,
        k.pens.lastEnd,
        k.pens.free,
        k.macd.count,
        k.segs.count,
        k.segs.resumeBegin,
      ],
      i,
    );
    F.set([m.high, m.low, k.macd.fast, k.macd.slow, k.macd.dea], f);
  }

  dropBefore(dm: number, dp: number, ds: number): void {
    this.ex.streamDrop(dm, dp, ds);
    this.refresh();
  }

  save(): KernelState {
    const t = this.t;
    const m = this.merged();
    const pc = t[this.L.pCount]!;
    const pens: PenRecord[] = [];
    for (let j = 0; j < pc; j++) pens.push(this.pen(j));
    const free = Array.from(this.i32.subarray(t[this.L.free]! >> 2, (t[this.L.free]! >> 2) + t[this.L.freeCount]!));
    const o = t[this.L.macdState]! >> 3;
    const mk = { count: t[this.L.macdCount]!, fast: this.f64[o]!, slow: this.f64[o + 1]!, dea: this.f64[o + 2]! };
    const { slow: sn, signal: gn, seed } = this.o.macd;
    const sma = seed === 'sma';
    const nCloses = sma ? Math.min(mk.count, sn) : 0;
    const nDifs = sma ? Math.max(0, Math.min(mk.count, sn + gn - 1) - (sn - 1)) : 0;
    const closes = this.f64.subarray(t[this.L.seedCloses]! >> 3, (t[this.L.seedCloses]! >> 3) + nCloses);
    const difs = this.f64.subarray(t[this.L.seedDifs]! >> 3, (t[this.L.seedDifs]! >> 3) + nDifs);
    const segments: SegmentRecord[] = [];
    for (let j = 0; j < t[this.L.fCount]!; j++) segments.push(this.finalSegment(j));
    return {
      merged: copyMerged(m),
      fractals: m.fractalIndex.slice(0, m.fractalCount),
      pens,
      free,
      lastEnd: t[this.L.lastEnd]!,
      macd: { count: mk.count, floats: Float64Array.from([mk.fast, mk.slow, mk.dea, ...closes, ...difs]), seedCloses: nCloses },
      segments,
      resumeBegin: t[this.L.resumeBegin]!,
      mark: this.lastMark(),
    };
  }

  load(s: KernelState, bases: KernelBases): void {
    const c = s.merged.count;
    this.ex.mergeReserve(Math.max(c + 1, INITIAL_CAPACITY));
    this.ex.mergeSetCounts(c, s.fractals.length);
    this.ex.penSetState(s.pens.length, s.free.length, s.lastEnd);
    this.refresh(true);
    const m = this.merged();
    pasteMerged(m, s.merged);
    m.fractalIndex.set(s.fractals);
    const t = this.t;
    s.pens.forEach((p, j) => {
      this.i32[(t[this.L.pStart]! >> 2) + j] = p.startK;
      this.i32[(t[this.L.pEnd]! >> 2) + j] = p.endK;
      this.i8[t[this.L.pDir]! + j] = p.dir;
      this.i8[t[this.L.pFlags]! + j] = (p.confirmed ? 1 : 0) | (p.wasConfirmed ? 2 : 0);
    });
    this.i32.set(s.free, t[this.L.free]! >> 2);
    const f = s.macd.floats;
    this.ex.macdRestore(s.macd.count, f[0]!, f[1]!, f[2]!);
    this.refresh(true);
    this.f64.set(f.subarray(3, 3 + s.macd.seedCloses), this.t[this.L.seedCloses]! >> 3);
    this.f64.set(f.subarray(3 + s.macd.seedCloses), this.t[this.L.seedDifs]! >> 3);
    this.ex.segSetState(s.segments.length, s.resumeBegin);
    this.refresh(true);
    const u = this.t;
    s.segments.forEach((r, j) => {
      this.i32[(u[this.L.fStart]! >> 2) + j] = r.startPen;
      this.i32[(u[this.L.fEnd]! >> 2) + j] = r.endPen;
      this.i8[u[this.L.fDir]! + j] = r.dir;
      this.i8[u[this.L.fConfirmed]! + j] = r.confirmed ? 1 : 0;
      this.i8[u[this.L.fCase]! + j] = r.endCase ?? 0;
    });
    this.setMark(s.mark);
    this.ex.streamLoaded(bases.merged, bases.pens, bases.segments);
    this.refresh();
    this.nEvents = 0;
  }
}
