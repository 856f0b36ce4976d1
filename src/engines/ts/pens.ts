// Stage 3: pens (笔), fed one classified merged bar at a time.
import { BOTTOM, DOWN, TOP, UP, type PenRecord } from '../../core/records.js';
import type { PenMark } from '../../core/stream-kernel.js';
import type { MergedBarStore } from './merge.js';
import type { PenOptions } from '../../core/options.js';

/** Progress of the search for a virtual pen's end from fractal `s` over the closed bars up to `scanned`. */
interface VirtualSearch {
  s: number;
  scanned: number;
  /** Highest high (from a bottom) or lowest low (from a top) of bars s+1..scanned. */
  extreme: number;
  /** Latest closed bar that can end the virtual pen, or -1. */
  best: number;
}

/**
 * Builds confirmed pens from fractals. Call `onClassified(k)` each time merged bar k has just been
 * classified (i.e. merged bar k+1 was opened); `withVirtualTail()` adds the provisional tail.
 */
export class PenBuilder {
  readonly pens: PenRecord[] = [];
  /** Fractals seen before the first pen exists, oldest first. */
  private readonly free: number[] = [];
  private lastEnd = -1;
  private search: VirtualSearch = { s: -1, scanned: -1, extreme: 0, best: -1 };

  constructor(
    private readonly m: MergedBarStore,
    private readonly opt: PenOptions,
  ) {}

  onClassified(k: number): void {
    const fx = this.m.fx[k]!;
    if (fx === 0) return;
    const pens = this.pens;
    if (pens.length === 0) {
      for (const s of this.free) {
        if (this.m.fx[s] !== fx && canMakePen(this.m, this.opt, s, k, false)) {
          this.addPen(s, k);
          return;
        }
      }
      this.free.push(k);
      this.lastEnd = k;
      return;
    }
    if (fx === this.m.fx[this.lastEnd]) {
      // Same type as the current end: extend the last pen if this fractal is at least as extreme.
      const last = pens[pens.length - 1]!;
      if (last.dir === UP ? this.m.high[k]! >= this.m.high[last.endK]! : this.m.low[k]! <= this.m.low[last.endK]!) {
        last.endK = k;
        this.lastEnd = k;
      }
    } else if (canMakePen(this.m, this.opt, this.lastEnd, k, false)) {
      this.addPen(this.lastEnd, k);
    }
  }

  private addPen(s: number, k: number): void {
    this.pens.push({ startK: s, endK: k, dir: this.m.fx[s] === BOTTOM ? UP : DOWN, confirmed: true, wasConfirmed: true });
    this.lastEnd = k;
  }

  /** The confirmed pens plus the provisional tail (see `tail`). Pens before the last are shared, not copied. */
  withVirtualTail(): PenRecord[] {
    const n = this.pens.length;
    return n === 0 ? [] : this.pens.slice(0, n - 1).concat(this.tail());
  }

  /**
   * The pens from the last confirmed one on, as they stand at the last merged bar: the last pen
   * extended (provisionally) to a more extreme last bar, or followed by a virtual pen to the latest
   * bar that could end one. Empty before the first pen. Copies: callers may keep them.
   */
  tail(): PenRecord[] {
    const n = this.pens.length;
    if (n === 0) return [];
    const last = { ...this.pens[n - 1]! };
    const lastK = this.m.count - 1;
    if (lastK === last.endK) return [last];
    const m = this.m;
    if (last.dir === UP ? m.high[lastK]! >= m.high[last.endK]! : m.low[lastK]! <= m.low[last.endK]!) {
      last.endK = lastK;
      last.confirmed = false;
      return [last];
    }
    // The latest bar that could end a virtual pen from last.endK: the open last bar, else the latest
    // closed one. Closed bars never change, so they are checked once (see VirtualSearch).
    const v = this.virtualSearch(last.endK, lastK);
    const end = canMakePen(this.m, this.opt, last.endK, lastK, true, v.extreme) ? lastK : v.best;
    return end < 0 ? [last] : [last, { startK: last.endK, endK: end, dir: -last.dir, confirmed: false, wasConfirmed: false }];
  }

  /** Brings the search from fractal s up to the closed bars before `lastK` (restarting when s changed or bars were taken back). */
  private virtualSearch(s: number, lastK: number): VirtualSearch {
    let v = this.search;
    if (v.s !== s || v.scanned >= lastK)
      v = this.search = { s, scanned: s, extreme: this.m.fx[s] === BOTTOM ? -Infinity : Infinity, best: -1 };
    const { high, low } = this.m;
    const up = this.m.fx[s] === BOTTOM;
    for (let t = v.scanned + 1; t < lastK; t++) {
      if (canMakePen(this.m, this.opt, s, t, true, v.extreme)) v.best = t;
      v.extreme = up ? Math.max(v.extreme, high[t]!) : Math.min(v.extreme, low[t]!);
      v.scanned = t;
    }
    return v;
  }

  /** Drops the first `pens` pens and re-indexes after the merged store dropped `merged` bars (streaming window). */
  dropBefore(merged: number, pens: number): void {
    this.pens.splice(0, pens);
    for (const p of this.pens) {
      p.startK -= merged;
      p.endK -= merged;
    }
    for (let i = 0; i < this.free.length; i++) this.free[i]! -= merged;
    this.lastEnd -= merged;
    this.search = { s: -1, scanned: -1, extreme: 0, best: -1 };
  }

  /** The builder's state, for saving; `load` restores it into a builder over the same merged bars. */
  save(): { pens: PenRecord[]; free: number[]; lastEnd: number } {
    return { pens: this.pens.map((p) => ({ ...p })), free: [...this.free], lastEnd: this.lastEnd };
  }

  load(s: { pens: PenRecord[]; free: number[]; lastEnd: number }): void {
    this.pens.length = 0;
    for (const p of s.pens) this.pens.push(p);
    this.free.length = 0;
    for (const f of s.free) this.free.push(f);
    this.lastEnd = s.lastEnd;
    this.search = { s: -1, scanned: -1, extreme: 0, best: -1 };
  }

  /** What `onClassified` may change, so a caller can take back the last bar. */
  mark(): PenMark {
    const last = this.pens[this.pens.length - 1];
    return { count: this.pens.length, lastEndK: last?.endK ?? -1, lastEnd: this.lastEnd, free: this.free.length };
  }

  restore(k: PenMark): void {
    this.pens.length = k.count;
    if (k.count > 0) this.pens[k.count - 1]!.endK = k.lastEndK;
    this.lastEnd = k.lastEnd;
    this.free.length = k.free;
  }
}

/** The merged-bar columns the pen rule reads (the TS store, or an engine's result with fractal types). */
export interface PenRuleBars {
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  /** TOP, BOTTOM or 0 per merged bar. */
  readonly fx: ArrayLike<number>;
  readonly rawStart: ArrayLike<number>;
  readonly rawEnd: ArrayLike<number>;
}

/**
 * Can a pen run from fractal s to merged bar f (a fractal of the opposite type, or any bar when
 * virtual)? `between` is the highest high (up pen) or lowest low (down pen) of the bars strictly
 * between s and f when the caller knows it.
 */
export function canMakePen(m: PenRuleBars, opt: PenOptions, s: number, f: number, virtual: boolean, between?: number): boolean {
  const span = f - s;
  if (opt.definition === 'traditional') {
    if (span < 4) return false;
  } else {
    if (span < 3) return false;
    // Merged bars cover consecutive raw bars, so the raw bars strictly between are a difference.
    if (m.rawStart[f]! - m.rawEnd[s]! - 1 < opt.minKlinesBetweenTurns) return false;
  }
  if (!fractalsSeparated(m, opt.fractalCheck, s, f, virtual)) return false;
  if (opt.endIsPeak && between !== undefined) {
    if (m.fx[s] === BOTTOM ? between > m.high[f]! : between < m.low[f]!) return false;
  } else if (opt.endIsPeak) {
    if (m.fx[s] === BOTTOM) {
      const cap = m.high[f]!;
      for (let k = s + 1; k < f; k++) if (m.high[k]! > cap) return false;
    } else {
      const floor = m.low[f]!;
      for (let k = s + 1; k < f; k++) if (m.low[k]! < floor) return false;
    }
  }
  return true;
}

/** The fractal check (strict / half / loss) between start fractal s and end bar f. */
function fractalsSeparated(m: PenRuleBars, check: PenOptions['fractalCheck'], s: number, f: number, virtual: boolean): boolean {
  const { high, low } = m;
  // A virtual end has no following bar yet, so strict falls back to [pre, f].
  const withNext = check === 'strict' && !virtual;
  const fromPre = check !== 'loss';
  if (m.fx[s] === TOP) {
    let endHigh = high[f]!;
    if (fromPre) endHigh = Math.max(endHigh, high[f - 1]!);
    if (withNext) endHigh = Math.max(endHigh, high[f + 1]!);
    let startLow = low[s]!;
    if (check === 'strict') startLow = Math.min(startLow, low[s - 1]!, low[s + 1]!);
    else if (check === 'half') startLow = Math.min(startLow, low[s + 1]!);
    return high[s]! > endHigh && low[f]! < startLow;
  }
  let endLow = low[f]!;
  if (fromPre) endLow = Math.min(endLow, low[f - 1]!);
  if (withNext) endLow = Math.min(endLow, low[f + 1]!);
  let startHigh = high[s]!;
  if (check === 'strict') startHigh = Math.max(startHigh, high[s - 1]!, high[s + 1]!);
  else if (check === 'half') startHigh = Math.max(startHigh, high[s + 1]!);
  return low[s]! < endLow && high[f]! > startHigh;
}
