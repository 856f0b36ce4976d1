// The WASM engine's streaming kernel: one module instance per analyzer, its state in linear memory
// between bars (assembly/stream.ts). Portable (no Node API).
import type { MacdPoint } from '../core/macd-stream.js';
import type { AnalysisOptions } from '../core/options.js';
import type { PenRecord } from '../core/pens.js';
import type { SegmentRecord } from '../core/segments.js';
import { copyMerged, pasteMerged, type KernelMark, type KernelState, type MergedView, type SegmentUpdate, type StreamKernel, type StreamKernelFactory } from '../core/stream-kernel.js';
import { mergedMark } from '../core/merge.js';
import { instantiate } from './wasm-engine.js';

interface StreamExports {
  readonly memory: WebAssembly.Memory;
  streamInit(cap: number, penDef: number, minK: number, fxCheck: number, endIsPeak: number, fast: number, slow: number, signal: number, seed: number, scale: number): void;
  streamPush(raw: number, high: number, low: number, close: number): void;
  streamLayout(): number;
  streamTail(): number;
  streamSegments(nTail: number): void;
  segRestore(count: number, resumeBegin: number): void;
  segDrop(dp: number, ds: number): void;
  segSetState(count: number, resumeBegin: number): void;
  penTail(): number;
  penRestore(count: number, lastEndK: number, lastEnd: number, free: number): void;
  penDrop(dm: number, dp: number): void;
  penSetState(pens: number, free: number, lastEnd: number): void;
  mergeRestore(count: number, high: number, low: number, rawEnd: number, highApex: number, lowApex: number, fx: number, fractalCount: number): void;
  mergeDrop(k: number): void;
  mergeSetCounts(count: number, fractals: number): void;
  mergeReserve(cap: number): void;
  macdRestore(count: number, fast: number, slow: number, dea: number): void;
}

// Slots of the streamLayout() table.
const L = {
  mCount: 0, mHigh: 1, mLow: 2, mDir: 3, mFx: 4, mStart: 5, mEnd: 6, mHighApex: 7, mLowApex: 8, mFractals: 9, mFractalCount: 10,
  pCount: 11, pStart: 12, pEnd: 13, pDir: 14, pFlags: 15, free: 16, freeCount: 17, lastEnd: 18, tail: 19, macdOut: 20,
  macdCount: 21, macdState: 22, seedCloses: 23, seedDifs: 24, mCap: 25,
  fCount: 26, fStart: 27, fEnd: 28, fDir: 29, fConfirmed: 30, fCase: 31, baseLen: 32, gCount: 33, gStart: 34, gEnd: 35, gDir: 36,
  gConfirmed: 37, gCase: 38, resumeBegin: 39,
} as const;
const LAYOUT_SLOTS = 40;

const FX_CHECK = { strict: 0, half: 1, loss: 2 } as const;
const INITIAL_CAPACITY = 1024;

/** A kernel factory over a compiled module (each analyzer gets its own instance). */
export function createWasmStreamKernel(source: WebAssembly.Module | BufferSource): StreamKernelFactory {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  return Object.assign((o: AnalysisOptions) => new WasmStreamKernel(instantiate(module).ex as unknown as StreamExports, o), { engine: 'wasm' as const });
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
  /** Pens the last tail() call wrote to the tail buffer. */
  private nTail = 0;

  constructor(
    private readonly ex: StreamExports,
    private readonly o: AnalysisOptions,
  ) {
    const p = o.pen, m = o.macd;
    ex.streamInit(INITIAL_CAPACITY, p.definition === 'traditional' ? 1 : 0, p.minKlinesBetweenTurns, FX_CHECK[p.fractalCheck], p.endIsPeak ? 1 : 0, m.fast, m.slow, m.signal, m.seed === 'sma' ? 1 : 0, m.histogramScale);
    this.refresh();
  }

  /**
   * Re-creates the memory views when the memory grew. streamPush and streamTail rewrite the layout
   * table themselves; after other calls, `rewrite` has it rewritten first.
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
      this.t = this.i32.subarray(addr >> 2, (addr >> 2) + LAYOUT_SLOTS);
    }
  }

  push(raw: number, high: number, low: number, close: number): MacdPoint {
    this.ex.streamPush(raw, high, low, close);
    this.refresh();
    const o = this.t[L.macdOut]! >> 3;
    return { dif: this.f64[o]!, dea: this.f64[o + 1]!, histogram: this.f64[o + 2]! };
  }

  merged(): MergedView {
    const t = this.t;
    const cap = t[L.mCap]!;
    if (this.view === null || t[L.mHigh] !== this.viewHigh || cap !== this.viewCap) {
      const f = (slot: number) => this.f64.subarray(t[slot]! >> 3, (t[slot]! >> 3) + cap);
      const i = (slot: number) => this.i32.subarray(t[slot]! >> 2, (t[slot]! >> 2) + cap);
      const b = (slot: number) => this.i8.subarray(t[slot]!, t[slot]! + cap);
      const cols = { high: f(L.mHigh), low: f(L.mLow), dir: b(L.mDir), fx: b(L.mFx), rawStart: i(L.mStart), rawEnd: i(L.mEnd), highApex: i(L.mHighApex), lowApex: i(L.mLowApex), fractalIndex: i(L.mFractals) };
      const self = this;
      this.view = {
        ...cols,
        get count() {
          return self.t[L.mCount]!;
        },
        get fractalCount() {
          return self.t[L.mFractalCount]!;
        },
      };
      this.viewHigh = t[L.mHigh]!;
      this.viewCap = cap;
    }
    return this.view;
  }

  /** Size of this analyzer's linear memory (it grows only when a column outgrows its capacity). */
  get memoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }

  penCount(): number {
    return this.t[L.pCount]!;
  }

  pen(j: number): PenRecord {
    const t = this.t;
    const flags = this.i8[t[L.pFlags]! + j]!;
    return {
      startK: this.i32[(t[L.pStart]! >> 2) + j]!,
      endK: this.i32[(t[L.pEnd]! >> 2) + j]!,
      dir: this.i8[t[L.pDir]! + j]!,
      confirmed: (flags & 1) !== 0,
      wasConfirmed: (flags & 2) !== 0,
    };
  }

  tail(): PenRecord[] {
    const n = (this.nTail = this.ex.streamTail());
    this.refresh();
    const b = this.t[L.tail]! >> 2;
    const out: PenRecord[] = [];
    for (let j = 0; j < n; j++) {
      const f = this.i32[b + 4 * j + 3]!;
      out.push({ startK: this.i32[b + 4 * j]!, endK: this.i32[b + 4 * j + 1]!, dir: this.i32[b + 4 * j + 2]!, confirmed: (f & 1) !== 0, wasConfirmed: (f & 2) !== 0 });
    }
    return out;
  }

  segments(): SegmentUpdate {
    this.ex.streamSegments(this.nTail);
    this.refresh();
    const t = this.t;
    const extra: SegmentRecord[] = [];
    for (let j = 0; j < t[L.gCount]!; j++) extra.push(this.segmentAt(L.gStart, L.gEnd, L.gDir, L.gConfirmed, L.gCase, j));
    return { from: t[L.baseLen]!, extra };
  }

  finalSegmentCount(): number {
    return this.t[L.fCount]!;
  }

  finalSegment(j: number): SegmentRecord {
    return this.segmentAt(L.fStart, L.fEnd, L.fDir, L.fConfirmed, L.fCase, j);
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

  mark(): KernelMark {
    const t = this.t, i32 = this.i32;
    const pc = t[L.pCount]!;
    const s = t[L.macdState]! >> 3;
    const mc = t[L.mCount]!, k = mc - 1;
    return {
      // Read directly (this runs on every append; the view's getters cost more than the rest).
      merged:
        mc === 0
          ? mergedMark(this.merged())
          : {
              count: mc,
              high: this.f64[(t[L.mHigh]! >> 3) + k]!,
              low: this.f64[(t[L.mLow]! >> 3) + k]!,
              rawEnd: i32[(t[L.mEnd]! >> 2) + k]!,
              highApex: i32[(t[L.mHighApex]! >> 2) + k]!,
              lowApex: i32[(t[L.mLowApex]! >> 2) + k]!,
              fx: this.i8[t[L.mFx]! + k]!,
              fractalCount: t[L.mFractalCount]!,
            },
      pens: { count: pc, lastEndK: pc > 0 ? this.i32[(t[L.pEnd]! >> 2) + pc - 1]! : -1, lastEnd: t[L.lastEnd]!, free: t[L.freeCount]! },
      macd: { count: t[L.macdCount]!, fast: this.f64[s]!, slow: this.f64[s + 1]!, dea: this.f64[s + 2]! },
      segs: { count: t[L.fCount]!, resumeBegin: t[L.resumeBegin]! },
    };
  }

  restore(k: KernelMark): void {
    const m = k.merged;
    // Before any bar the mark holds no merged bar: values are ignored (count 0).
    this.ex.mergeRestore(m.count, m.high ?? 0, m.low ?? 0, m.rawEnd ?? 0, m.highApex ?? 0, m.lowApex ?? 0, m.fx ?? 0, m.fractalCount);
    this.ex.penRestore(k.pens.count, k.pens.lastEndK, k.pens.lastEnd, k.pens.free);
    this.ex.macdRestore(k.macd.count, k.macd.fast, k.macd.slow, k.macd.dea);
    this.ex.segRestore(k.segs.count, k.segs.resumeBegin);
    this.refresh(true);
  }

  dropBefore(dm: number, dp: number, ds: number): void {
    this.ex.mergeDrop(dm);
    this.ex.penDrop(dm, dp);
    this.ex.segDrop(dp, ds);
    this.refresh(true);
  }

  save(): KernelState {
    const t = this.t;
    const m = this.merged();
    const pc = t[L.pCount]!;
    const pens: PenRecord[] = [];
    for (let j = 0; j < pc; j++) pens.push(this.pen(j));
    const free = Array.from(this.i32.subarray(t[L.free]! >> 2, (t[L.free]! >> 2) + t[L.freeCount]!));
    const mk = this.mark().macd;
    const { slow: sn, signal: gn, seed } = this.o.macd;
    const sma = seed === 'sma';
    const nCloses = sma ? Math.min(mk.count, sn) : 0;
    const nDifs = sma ? Math.max(0, Math.min(mk.count, sn + gn - 1) - (sn - 1)) : 0;
    const closes = this.f64.subarray(t[L.seedCloses]! >> 3, (t[L.seedCloses]! >> 3) + nCloses);
    const difs = this.f64.subarray(t[L.seedDifs]! >> 3, (t[L.seedDifs]! >> 3) + nDifs);
    const segments: SegmentRecord[] = [];
    for (let j = 0; j < t[L.fCount]!; j++) segments.push(this.finalSegment(j));
    return {
      merged: copyMerged(m),
      fractals: m.fractalIndex.slice(0, m.fractalCount),
      pens,
      free,
      lastEnd: t[L.lastEnd]!,
      macd: { count: mk.count, floats: Float64Array.from([mk.fast, mk.slow, mk.dea, ...closes, ...difs]), seedCloses: nCloses },
      segments,
      resumeBegin: t[L.resumeBegin]!,
    };
  }

  load(s: KernelState): void {
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
      this.i32[(t[L.pStart]! >> 2) + j] = p.startK;
      this.i32[(t[L.pEnd]! >> 2) + j] = p.endK;
      this.i8[t[L.pDir]! + j] = p.dir;
      this.i8[t[L.pFlags]! + j] = (p.confirmed ? 1 : 0) | (p.wasConfirmed ? 2 : 0);
    });
    this.i32.set(s.free, t[L.free]! >> 2);
    const f = s.macd.floats;
    this.ex.macdRestore(s.macd.count, f[0]!, f[1]!, f[2]!);
    this.refresh(true);
    this.f64.set(f.subarray(3, 3 + s.macd.seedCloses), this.t[L.seedCloses]! >> 3);
    this.f64.set(f.subarray(3 + s.macd.seedCloses), this.t[L.seedDifs]! >> 3);
    this.ex.segSetState(s.segments.length, s.resumeBegin);
    this.refresh(true);
    const u = this.t;
    s.segments.forEach((r, j) => {
      this.i32[(u[L.fStart]! >> 2) + j] = r.startPen;
      this.i32[(u[L.fEnd]! >> 2) + j] = r.endPen;
      this.i8[u[L.fDir]! + j] = r.dir;
      this.i8[u[L.fConfirmed]! + j] = r.confirmed ? 1 : 0;
      this.i8[u[L.fCase]! + j] = r.endCase ?? 0;
    });
  }
}
