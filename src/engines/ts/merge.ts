// Stage 1 + 2: inclusion (merged bars) and fractal classification, fed one raw bar at a time.

import { PREFAULT_ROWS, prefault } from '../../core/prefault.js';
import { BOTTOM, DOWN, TOP, UP } from '../../core/records.js';
import type { MergedMark } from '../../core/stream-kernel.js';
import type { MergedBars } from '../../core/types.js';

/**
 * Growable columnar store of merged bars. `push` applies the inclusion rule; when a new merged bar
 * opens, the previous one is classified as a fractal against its neighbours as they are at that
 * moment (the new bar holds a single raw bar then), exactly once.
 */
export class MergedBarStore {
  count = 0;
  high: Float64Array;
  low: Float64Array;
  dir: Int8Array;
  /** TOP (1), BOTTOM (-1) or 0; set once, when the following merged bar opens. */
  fx: Int8Array;
  rawStart: Int32Array;
  rawEnd: Int32Array;
  /** Last raw bar whose high (low) equals the merged high (low): where a top (bottom) apex lies. */
  highApex: Int32Array;
  lowApex: Int32Array;
  /** Merged indices of the fractals, in order. */
  fractalIndex: Int32Array;
  fractalCount = 0;
  /** Rows below this have been written in every column (see prefault.ts; only grown columns are). */
  private touched: number;

  constructor(capacity = 1024) {
    const c = Math.max(4, capacity);
    this.touched = c;
    this.high = new Float64Array(c);
    this.low = new Float64Array(c);
    this.dir = new Int8Array(c);
    this.fx = new Int8Array(c);
    this.rawStart = new Int32Array(c);
    this.rawEnd = new Int32Array(c);
    this.highApex = new Int32Array(c);
    this.lowApex = new Int32Array(c);
    this.fractalIndex = new Int32Array(c);
  }

  /**
   * The public columns copied to their length: views would keep the store's capacity (one row per raw
   * bar) alive with a result (measured at 1M bars: 64.1 bytes/bar with views, 60.2 with copies).
   */
  columns(): MergedBars {
    const c = this.count;
    return {
      count: c,
      high: this.high.slice(0, c),
      low: this.low.slice(0, c),
      dir: this.dir.slice(0, c),
      rawStart: this.rawStart.slice(0, c),
      rawEnd: this.rawEnd.slice(0, c),
    };
  }

  /** Adds raw bar `raw`; returns true when it opened a new merged bar. */
  push(raw: number, h: number, l: number): boolean {
    const n = this.count;
    if (n > 0 && include(this, n - 1, raw, h, l)) return false;
    this.open(raw, h, l, n === 0 || h > this.high[n - 1]! ? UP : DOWN);
    if (n >= 2) this.fractalCount = classify(this, n - 1, this.fractalCount);
    return true;
  }

  /**
   * Adds raw bars from..to - 1 of the columns, as `push` for each, with room made first; `opened(k)`
   * is called when merged bar k has just been classified (merged bar k + 1 opened). The batch run's
   * loop: the columns stay in locals, which `push`, one call per bar, cannot keep (docs/perf-notes.md).
   */
  pushBars(high: Float64Array, low: Float64Array, from: number, to: number, opened: (k: number) => void): void {
    this.reserve(this.count + to - from);
    // The columns in a local object: `opened` cannot replace them (as `grow` replaces this's).
    const cols: Columns = {
      high: this.high,
      low: this.low,
      dir: this.dir,
      fx: this.fx,
      rawStart: this.rawStart,
      rawEnd: this.rawEnd,
      highApex: this.highApex,
      lowApex: this.lowApex,
      fractalIndex: this.fractalIndex,
    };
    for (let raw = from; raw < to; raw++) {
      const h = high[raw]!,
        l = low[raw]!,
        n = this.count;
      if (n > 0 && include(cols, n - 1, raw, h, l)) continue;
      openRow(cols, n, raw, h, l, n === 0 || h > cols.high[n - 1]! ? UP : DOWN);
      this.count = n + 1;
      if (n >= 2) {
        this.fractalCount = classify(cols, n - 1, this.fractalCount);
        opened(n - 1);
      }
    }
  }

  /** What `push` may change, so a caller can take back the last raw bar. */
  mark(): MergedMark {
    const k = this.count - 1;
    return {
      count: this.count,
      high: this.high[k]!,
      low: this.low[k]!,
      rawEnd: this.rawEnd[k]!,
      highApex: this.highApex[k]!,
      lowApex: this.lowApex[k]!,
      fx: this.fx[k]!,
      fractalCount: this.fractalCount,
    };
  }

  restore(m: MergedMark): void {
    const k = m.count - 1;
    this.count = m.count;
    this.fractalCount = m.fractalCount;
    if (k < 0) return;
    this.high[k] = m.high;
    this.low[k] = m.low;
    this.rawEnd[k] = m.rawEnd;
    this.highApex[k] = m.highApex;
    this.lowApex[k] = m.lowApex;
    this.fx[k] = m.fx;
  }

  /** Empties the store, keeping its columns (their rows are all rewritten as bars are pushed). */
  clear(): this {
    this.count = 0;
    this.fractalCount = 0;
    return this;
  }

  /** Makes room for `n` merged bars. */
  reserve(n: number): void {
    while (this.high.length < n) this.grow();
  }

  /** Drops merged bars before `k` (streaming window): bar k becomes bar 0. */
  dropBefore(k: number): void {
    if (k <= 0) return;
    const n = this.count;
    for (const a of [this.high, this.low, this.dir, this.fx, this.rawStart, this.rawEnd, this.highApex, this.lowApex])
      a.copyWithin(0, k, n);
    this.count = n - k;
    let j = 0;
    for (let i = 0; i < this.fractalCount; i++) {
      const f = this.fractalIndex[i]! - k;
      if (f >= 0) this.fractalIndex[j++] = f;
    }
    this.fractalCount = j;
  }

  private open(raw: number, h: number, l: number, d: number): void {
    if (this.count === this.high.length) this.grow();
    const i = this.count++;
    if (i >= this.touched) {
      const to = Math.min(this.high.length, i + PREFAULT_ROWS);
      prefault([this.high, this.low, this.dir, this.fx, this.rawStart, this.rawEnd, this.highApex, this.lowApex], i, to);
      this.touched = prefault([this.fractalIndex], Math.max(this.touched, this.fractalCount), to);
    }
    openRow(this, i, raw, h, l, d);
  }

  private grow(): void {
    const c = this.high.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(c);
      b.set(a);
      return b;
    };
    const i8 = (a: Int8Array) => {
      const b = new Int8Array(c);
      b.set(a);
      return b;
    };
    this.high = f64(this.high);
    this.low = f64(this.low);
    this.dir = i8(this.dir);
    this.fx = i8(this.fx);
    this.rawStart = i32(this.rawStart);
    this.rawEnd = i32(this.rawEnd);
    this.highApex = i32(this.highApex);
    this.lowApex = i32(this.lowApex);
    this.fractalIndex = i32(this.fractalIndex);
    this.touched = this.fractalCount; // the copies wrote rows below count, and below this in fractalIndex
  }
}

/** The columns the rules below read and write. */
type Columns = Pick<MergedBarStore, 'high' | 'low' | 'dir' | 'fx' | 'rawStart' | 'rawEnd' | 'highApex' | 'lowApex' | 'fractalIndex'>;

/**
 * The inclusion rule: when raw bar (h, l) and merged bar k contain one another, merges it into bar k
 * (in bar k's direction) and returns true; else returns false (the raw bar opens the next merged bar).
 */
function include(c: Columns, k: number, raw: number, h: number, l: number): boolean {
  const kh = c.high[k]!,
    kl = c.low[k]!;
  if (!((kh >= h && kl <= l) || (kh <= h && kl >= l))) return false;
  c.rawEnd[k] = raw;
  // A flat bar touching the extreme in the merge direction leaves the merged bar unchanged.
  if (c.dir[k] === UP) {
    if (h !== l || h !== kh) {
      c.high[k] = h > kh ? h : kh;
      c.low[k] = l > kl ? l : kl;
    }
  } else if (h !== l || l !== kl) {
    c.high[k] = h < kh ? h : kh;
    c.low[k] = l < kl ? l : kl;
  }
  if (h === c.high[k]) c.highApex[k] = raw;
  if (l === c.low[k]) c.lowApex[k] = raw;
  return true;
}

/** Merged bar i opened by raw bar (h, l) in direction d. */
function openRow(c: Columns, i: number, raw: number, h: number, l: number, d: number): void {
  c.high[i] = h;
  c.low[i] = l;
  c.dir[i] = d;
  c.fx[i] = 0;
  c.rawStart[i] = raw;
  c.rawEnd[i] = raw;
  c.highApex[i] = raw;
  c.lowApex[i] = raw;
}

/**
 * Classifies merged bar i against its neighbours as they are (its next bar just opened): a top or a
 * bottom is marked and listed; returns the fractal count.
 */
function classify(c: Columns, i: number, fractalCount: number): number {
  const ph = c.high[i - 1]!,
    pl = c.low[i - 1]!;
  const h = c.high[i]!,
    l = c.low[i]!;
  const nh = c.high[i + 1]!,
    nl = c.low[i + 1]!;
  let f = 0;
  if (ph < h && nh < h && pl < l && nl < l) f = TOP;
  else if (ph > h && nh > h && pl > l && nl > l) f = BOTTOM;
  if (f === 0) return fractalCount;
  c.fx[i] = f;
  c.fractalIndex[fractalCount] = i;
  return fractalCount + 1;
}

let batchStore: MergedBarStore | undefined;

/**
 * An empty store with room for `n` merged bars, the same one for every batch run of this thread (a
 * run ends before the next starts): the first write to a fresh page of a new column is a page fault,
 * and those of a store per call took about half of the merge's time at 1M bars (~40 MB of columns,
 * docs/perf-notes.md). It keeps the columns of the longest series analysed, as the WASM engine keeps
 * its linear memory.
 */
export function reusedStore(n: number): MergedBarStore {
  if (batchStore === undefined || batchStore.high.length < n) batchStore = new MergedBarStore(n);
  return batchStore.clear();
}
