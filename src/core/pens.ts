// Stage 3: pens (笔), fed one classified merged bar at a time.
import { BOTTOM, DOWN, TOP, UP, type MergedBarStore } from './merge.js';
import type { PenOptions } from './options.js';

/** A pen as merged-bar indices. `dir` is UP or DOWN. */
export interface PenRecord {
  startK: number;
  endK: number;
  dir: number;
  confirmed: boolean;
  /** Was confirmed before becoming the virtual tail (chan.py's is_used_to_be_sure); feeds segments. */
  wasConfirmed: boolean;
}

export interface PenMark {
  readonly count: number;
  readonly lastEndK: number;
  readonly lastEnd: number;
  readonly free: number;
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
        if (this.m.fx[s] !== fx && this.canMakePen(s, k, false)) {
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
    } else if (this.canMakePen(this.lastEnd, k, false)) {
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
    for (let t = lastK; t > last.endK; t--) {
      if (this.canMakePen(last.endK, t, true)) return [last, { startK: last.endK, endK: t, dir: -last.dir, confirmed: false, wasConfirmed: false }];
    }
    return [last];
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

  /** Can a pen run from fractal s to merged bar f (a fractal of the opposite type, or any bar when virtual)? */
  private canMakePen(s: number, f: number, virtual: boolean): boolean {
    const m = this.m;
    const span = f - s;
    if (this.opt.definition === 'traditional') {
      if (span < 4) return false;
    } else {
      if (span < 3) return false;
      let inside = 0;
      for (let k = s + 1; k < f; k++) inside += m.rawEnd[k]! - m.rawStart[k]! + 1;
      if (inside < this.opt.minKlinesBetweenTurns) return false;
    }
    if (!this.fractalsSeparated(s, f, virtual)) return false;
    if (this.opt.endIsPeak) {
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
  private fractalsSeparated(s: number, f: number, virtual: boolean): boolean {
    const { high, low } = this.m;
    const check = this.opt.fractalCheck;
    // A virtual end has no following bar yet, so strict falls back to [pre, f].
    const withNext = check === 'strict' && !virtual;
    const fromPre = check !== 'loss';
    if (this.m.fx[s] === TOP) {
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
}
