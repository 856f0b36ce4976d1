// The feature sequence (特征序列) of a segment and the detection of its fractal (segment end); twin
// of src/engines/ts/feature-sequence.ts (chan.py's CEigenFX with exclude_included=True).
// Here also the segment stage's view of the pens (columns in linear memory) and its read tracker.
// WASM-only (streaming; same results as the TS engine): a feed from a final pen is stored and
// reused while everything it read stays final (FeatureFractal.replay, Replay).
import { getF64, getI8, regrow, setF64, setI8 } from './mem';
import { mHigh, mLow } from './merge';

export const COMBINE: i32 = 0, INCLUDED: i32 = 2, UP: i32 = 1, DOWN: i32 = -1;
export const TOP: i32 = 1, BOTTOM: i32 = -1;

// The lines the segment stage reads (pens; or segments, for segments of segments), as columns with
// room for vCap lines.
export let nPens: i32 = 0;
export let vCap: i32 = 0;
/** Streaming: view entries 0..vFinal-1 hold final pens and stay valid between builds. */
export let vFinal: i32 = 0;
export let sDir: usize = 0;
export let sHigh: usize = 0;
export let sLow: usize = 0;
export let sSure: usize = 0;
export let sBegin: usize = 0;
export let sEnd: usize = 0;

// @ts-ignore: decorator
@inline export function dirOf(i: i32): i32 { return getI8(sDir, i); }
// @ts-ignore: decorator
@inline export function highOf(i: i32): f64 { return getF64(sHigh, i); }
// @ts-ignore: decorator
@inline export function lowOf(i: i32): f64 { return getF64(sLow, i); }
// @ts-ignore: decorator
@inline export function beginOf(i: i32): f64 { return getF64(sBegin, i); }
// @ts-ignore: decorator
@inline export function endOf(i: i32): f64 { return getF64(sEnd, i); }
// @ts-ignore: decorator
@inline export function sureOf(i: i32): bool { return getI8(sSure, i) != 0; }

/** Pens before this one never change (0 in a batch run); a result that read only such pens is final. */
export let finalPens: i32 = 0;
/** The furthest pen read (or checked for) in this build (ReadTracker in TS). */
export let maxRead: i32 = -1;

// Growth abandons the old columns on the bump heap (geometric, so at most twice the live size).
export function growView(cap: i32): void {
  if (cap <= vCap) return;
  cap = max(cap, vCap * 2);
  const n = vFinal;
  sDir = regrow(sDir, n, cap);
  sSure = regrow(sSure, n, cap);
  sHigh = regrow(sHigh, n << 3, cap << 3);
  sLow = regrow(sLow, n << 3, cap << 3);
  sBegin = regrow(sBegin, n << 3, cap << 3);
  sEnd = regrow(sEnd, n << 3, cap << 3);
  vCap = cap;
}

/** View entry i of a pen from merged bar s to merged bar e (prices from the merged bars; sure = was confirmed). */
export function viewSet(i: i32, s: i32, e: i32, dir: i32, flags: i32): void {
  const up = dir == UP;
  const b = up ? getF64(mLow, s) : getF64(mHigh, s);
  const v = up ? getF64(mHigh, e) : getF64(mLow, e);
  setI8(sDir, i, up ? UP : DOWN);
  setF64(sHigh, i, up ? v : b);
  setF64(sLow, i, up ? b : v);
  setF64(sBegin, i, b);
  setF64(sEnd, i, v);
  setI8(sSure, i, (flags & 2) != 0 ? 1 : 0);
}

/** View entry i of any line (a segment, for segments of segments). */
export function viewSetLine(i: i32, dir: i32, high: f64, low: f64, begin: f64, end: f64, sure: bool): void {
  setI8(sDir, i, dir);
  setF64(sHigh, i, high);
  setF64(sLow, i, low);
  setF64(sBegin, i, begin);
  setF64(sEnd, i, end);
  setI8(sSure, i, sure ? 1 : 0);
}
class Element {
  first: i32 = 0;
  last: i32 = 0;
  high: f64 = 0;
  low: f64 = 0;
  dir: i32 = 0;
  fx: i32 = 0;
  gap: bool = false;

  set(pen: i32, dir: i32): Element {
    this.first = pen;
    this.last = pen;
    this.high = highOf(pen);
    this.low = lowOf(pen);
    this.dir = dir;
    this.fx = 0;
    this.gap = false;
    return this;
  }

  relation(p: i32, excludeIncluded: bool, allowTopEqual: i32): i32 {
    const ph = highOf(p), pl = lowOf(p);
    if (this.high >= ph && this.low <= pl) return COMBINE;
    if (this.high <= ph && this.low >= pl) {
      if (allowTopEqual == 1 && this.high == ph && this.low > pl) return DOWN;
      if (allowTopEqual == -1 && this.low == pl && this.high < ph) return UP;
      return excludeIncluded ? INCLUDED : COMBINE;
    }
    return this.high > ph ? DOWN : UP;
  }

  tryAdd(pen: i32, excludeIncluded: bool, allowTopEqual: i32): i32 {
    const r = this.relation(pen, excludeIncluded, allowTopEqual);
    if (r == COMBINE) {
      this.last = pen;
      if (this.dir == UP) {
        this.high = max<f64>(this.high, highOf(pen));
        this.low = max<f64>(this.low, lowOf(pen));
      } else {
        this.high = min<f64>(this.high, highOf(pen));
        this.low = min<f64>(this.low, lowOf(pen));
      }
    }
    return r;
  }

  classify(pre: Element, next: Element, allowTopEqual: i32): void {
    if (pre.high < this.high && next.high <= this.high && next.low < this.low) {
      if (allowTopEqual == 1 || next.high < this.high) this.fx = TOP;
    } else if (next.high > this.high && pre.low > this.low && next.low >= this.low) {
      if (allowTopEqual == -1 || next.low > this.low) this.fx = BOTTOM;
    }
    if ((this.fx == TOP && pre.high < this.low) || (this.fx == BOTTOM && pre.low > this.high)) this.gap = true;
  }

  copyFrom(o: Element): void {
    this.first = o.first;
    this.last = o.last;
    this.high = o.high;
    this.low = o.low;
    this.dir = o.dir;
    this.fx = o.fx;
    this.gap = o.gap;
  }

  peakPenIndex(): i32 {
    const byLow = dirOf(this.first) == UP;
    for (let i = this.last; i >= this.first; i -= 2) {
      if (byLow ? lowOf(i) == this.low : highOf(i) == this.high) return i - 1;
    }
    return this.first - 1;
  }
}

export class FeatureFractal {
  has0: bool = false;
  has1: bool = false;
  has2: bool = false;
  e0: Element = new Element();
  e1: Element = new Element();
  e2: Element = new Element();
  lstFirst: i32 = -1;
  lstLast: i32 = -1;
  lastEvidence: i32 = -1;
  lastEvidenceSure: bool = false;
  actualBreakFlag: bool = true;
  dir: i32 = 0;
  /** The reverse-direction sequence of case 2 (created once, on first need). */
  reverse: FeatureFractal | null = null;
  /** The last canBeEnd() result. */
  endTest: i32 = 0;

  /** Back to the state of a new sequence in direction `dir`. */
  restart(dir: i32): FeatureFractal {
    this.dir = dir;
    this.clear();
    this.lastEvidence = -1;
    this.lastEvidenceSure = false;
    this.actualBreakFlag = true;
    return this;
  }

  add(i: i32): bool {
    if (i > maxRead) maxRead = i;
    if (this.lstFirst < 0) this.lstFirst = i;
    this.lstLast = i;
    if (!this.has0) {
      this.e0.set(i, this.dir);
      this.has0 = true;
      return false;
    }
    if (!this.has1) {
      if (this.e0.tryAdd(i, true, 0) != COMBINE) {
        this.e1.set(i, this.dir);
        this.has1 = true;
        if (this.dir == UP ? this.e1.high < this.e0.high : this.e1.low > this.e0.low) return this.reset();
      }
      return false;
    }
    this.lastEvidence = i;
    this.lastEvidenceSure = sureOf(i);
    const allowTopEqual = dirOf(i) == DOWN ? 1 : -1;
    const rel = this.e1.tryAdd(i, false, allowTopEqual);
    if (rel == COMBINE) return false;
    this.e2.set(i, rel);
    this.has2 = true;
    if (!this.actualBreak()) return this.reset();
    this.e1.classify(this.e0, this.e2, allowTopEqual);
    const isFx = this.dir == UP ? this.e1.fx == TOP : this.e1.fx == BOTTOM;
    return isFx ? true : this.reset();
  }

  clear(): void {
    this.has0 = false;
    this.has1 = false;
    this.has2 = false;
    this.lstFirst = -1;
    this.lstLast = -1;
  }

  reset(): bool {
    const from = this.lstFirst + 2, to = this.lstLast;
    this.clear();
    return this.feed(from, to);
  }

  /** Feeds pens from..to (step 2) until the fractal forms; true if it did. */
  feed(from: i32, to: i32): bool {
    if (from < finalPens) return this.replay(from, to);
    for (let i = from; i <= to; i += 2) if (this.add(i)) return true;
    return false;
  }

  /**
   * feed() from a final pen. The outcome of feeding a cleared sequence up to some pen is a function
   * of the pens it read, so a stored one is reused while all of those are final (streaming rebuilds
   * re-feed the same final pens on every bar).
   */
  replay(from: i32, to: i32): bool {
    const key = (from << 1) | (this.dir == UP ? 1 : 0);
    const m = unchecked(replays[key & (REPLAY_SLOTS - 1)]);
    // Run the re-feed from neutral values of what clear() keeps, and merge them after: the stored
    // outcome must not depend on them.
    const outerRead = maxRead, evidence = this.lastEvidence, evidenceSure = this.lastEvidenceSure, flag = this.actualBreakFlag;
    maxRead = -1;
    this.lastEvidence = -2;
    this.actualBreakFlag = true;
    let found = false, i = from;
    if (m.key == key && m.upto <= to) {
      this.copyFrom(m.state);
      maxRead = m.maxRead;
      found = m.found;
      i = m.upto + 2;
    }
    for (; !found && i <= to; i += 2) {
      found = this.add(i);
      // Store at the end, at a found fractal, or near the last final pens (a pen's check reads up
      // to 3 ahead), if nothing else was read; a slot keeps the furthest.
      if (maxRead < finalPens && (found || i + 2 > to || i + 5 >= finalPens)) m.store(key, i, found, this);
    }
    if (outerRead > maxRead) maxRead = outerRead;
    if (this.lastEvidence == -2) {
      this.lastEvidence = evidence;
      this.lastEvidenceSure = evidenceSure;
    }
    this.actualBreakFlag = flag && this.actualBreakFlag;
    return found;
  }

  /** The fields add() and reset() change (not dir or reverse). */
  copyFrom(o: FeatureFractal): void {
    this.has0 = o.has0;
    this.has1 = o.has1;
    this.has2 = o.has2;
    // An element is read only while its flag is set (add() sets both together), so only those are
    // copied: a stored state's unused elements are lines not worth bringing into the cache.
    if (o.has0) this.e0.copyFrom(o.e0);
    if (o.has1) this.e1.copyFrom(o.e1);
    if (o.has2) this.e2.copyFrom(o.e2);
    this.lstFirst = o.lstFirst;
    this.lstLast = o.lstLast;
    this.lastEvidence = o.lastEvidence;
    this.lastEvidenceSure = o.lastEvidenceSure;
    this.actualBreakFlag = o.actualBreakFlag;
  }

  allSure(): bool {
    // Final pens were all confirmed: only later ones need a look.
    let i = this.lstFirst;
    if (i < finalPens) i += ((finalPens - i + 1) >> 1) << 1;
    for (; i <= this.lstLast; i += 2) if (!sureOf(i)) return false;
    return this.lastEvidenceSure;
  }

  actualBreak(): bool {
    const e1 = this.e1, e2 = this.e2;
    const lastOfE1 = e1.last;
    if (this.dir == UP ? e2.low < lowOf(lastOfE1) : e2.high > highOf(lastOfE1)) return true;
    const b = e2.first;
    // Reads (or checks for) pens up to b + 3.
    if (b + 3 > maxRead) maxRead = b + 3;
    if (b + 2 < nPens) {
      const nn = b + 2;
      const broke = dirOf(b) == DOWN ? lowOf(nn) < lowOf(b) : highOf(nn) > highOf(b);
      if (broke) {
        this.lastEvidence = nn;
        this.lastEvidenceSure = sureOf(nn);
        return true;
      }
      if (!sureOf(nn) || b + 3 >= nPens) {
        this.actualBreakFlag = false;
        return true;
      }
      return false;
    }
    if (b + 1 < nPens) {
      const next = b + 1;
      if (this.dir == UP ? highOf(next) > e1.high : lowOf(next) < e1.low) return false;
    }
    this.actualBreakFlag = false;
    return true;
  }

  /** 1: the end is confirmed; 0: not decidable yet (null in the TS engine). */
  canBeEnd(): i32 {
    const test = this.e1.gap ? this.findReverseFractal(this.e1.peakPenIndex() + 2) : this.actualBreakFlag ? 1 : 0;
    this.endTest = test;
    return test;
  }

  findReverseFractal(begin: i32): i32 {
    if (begin > maxRead) maxRead = begin;
    if (begin >= nPens) return 0;
    if (this.reverse === null) this.reverse = new FeatureFractal();
    const ff = (this.reverse as FeatureFractal).restart(-dirOf(begin));
    if (!ff.feed(begin, nPens - 1)) {
      if (nPens > maxRead) maxRead = nPens;
      return 0;
    }
    let test = ff.canBeEnd();
    if (!ff.actualBreakFlag) test = 0;
    this.lastEvidence = ff.e2.last;
    if (test == 1) this.lastEvidenceSure = sureOf(this.lastEvidence) && ff.lastEvidenceSure;
    return test;
  }
}
/** A stored re-feed (FeatureFractal.replay): pens key>>1, key>>1 + 2, .., upto in direction key&1. */
class Replay {
  key: i32 = -1;
  upto: i32 = 0;
  found: bool = false;
  maxRead: i32 = 0;
  state: FeatureFractal = new FeatureFractal();

  store(key: i32, upto: i32, found: bool, ff: FeatureFractal): void {
    if (this.key == key && this.upto >= upto) return;
    this.key = key;
    this.upto = upto;
    this.found = found;
    this.maxRead = maxRead;
    this.state.copyFrom(ff);
  }
}

const REPLAY_SLOTS: i32 = 64;

/** Direct-mapped by key (streaming only: a batch run has no final pens, so it never stores). */
let replays: StaticArray<Replay> = changetype<StaticArray<Replay>>(0);

/** Allocates the re-feed store (streaming only). */
export function replaysInit(): void {
  replays = new StaticArray<Replay>(REPLAY_SLOTS);
  for (let j = 0; j < REPLAY_SLOTS; j++) unchecked((replays[j] = new Replay()));
}

/** Forgets every stored re-feed. */
export function forgetReplays(): void {
  if (changetype<usize>(replays) == 0) return;
  for (let j = 0; j < REPLAY_SLOTS; j++) unchecked(replays[j]).key = -1;
}
