// Segments by the feature sequence; mirrors src/core/feature-sequence.ts and src/core/segments.ts.
import { alloc, getF64, getI32, getI8, setF64, setI32, setI8 } from './mem';
import { mHigh, mLow } from './merged';
import { pCount, pDir, pEnd, pFlags, pStart } from './pens';

const COMBINE: i32 = 0, INCLUDED: i32 = 2, UP: i32 = 1, DOWN: i32 = -1;
const TOP: i32 = 1, BOTTOM: i32 = -1;

// The pens as the segment stage sees them.
let nPens: i32 = 0;
let sDir: usize = 0;
let sHigh: usize = 0;
let sLow: usize = 0;
let sBegin: usize = 0;
let sEndV: usize = 0;
let sSure: usize = 0;

// @ts-ignore: decorator
@inline function dirOf(i: i32): i32 { return getI8(sDir, i); }
// @ts-ignore: decorator
@inline function highOf(i: i32): f64 { return getF64(sHigh, i); }
// @ts-ignore: decorator
@inline function lowOf(i: i32): f64 { return getF64(sLow, i); }
// @ts-ignore: decorator
@inline function beginOf(i: i32): f64 { return getF64(sBegin, i); }
// @ts-ignore: decorator
@inline function endOf(i: i32): f64 { return getF64(sEndV, i); }
// @ts-ignore: decorator
@inline function sureOf(i: i32): bool { return getI8(sSure, i) != 0; }

// Output.
export let gCount: i32 = 0;
export let gStart: usize = 0;
export let gEnd: usize = 0;
export let gDir: usize = 0;
export let gConfirmed: usize = 0;
export let gCase: usize = 0; // 0 = none, 1, 2

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

  peakPenIndex(): i32 {
    const byLow = dirOf(this.first) == UP;
    for (let i = this.last; i >= this.first; i -= 2) {
      if (byLow ? lowOf(i) == this.low : highOf(i) == this.high) return i - 1;
    }
    return this.first - 1;
  }
}

class FeatureFractal {
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
  dir: i32;

  constructor(dir: i32) {
    this.dir = dir;
  }

  add(i: i32): bool {
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
    for (let i = from; i <= to; i += 2) if (this.add(i)) return true;
    return false;
  }

  allSure(): bool {
    for (let i = this.lstFirst; i <= this.lstLast; i += 2) if (!sureOf(i)) return false;
    return this.lastEvidenceSure;
  }

  actualBreak(): bool {
    const e1 = this.e1, e2 = this.e2;
    const lastOfE1 = e1.last;
    if (this.dir == UP ? e2.low < lowOf(lastOfE1) : e2.high > highOf(lastOfE1)) return true;
    const b = e2.first;
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
    if (this.e1.gap) return this.findReverseFractal(this.e1.peakPenIndex() + 2);
    return this.actualBreakFlag ? 1 : 0;
  }

  findReverseFractal(begin: i32): i32 {
    if (begin >= nPens) return 0;
    const ff = new FeatureFractal(-dirOf(begin));
    for (let i = begin; i < nPens; i += 2) {
      if (!ff.add(i)) continue;
      let test = ff.canBeEnd();
      if (!ff.actualBreakFlag) test = 0;
      this.lastEvidence = ff.e2.last;
      if (test == 1) this.lastEvidenceSure = sureOf(this.lastEvidence) && ff.lastEvidenceSure;
      return test;
    }
    return 0;
  }
}

/** Derives the segment view of the pens (after the virtual tail was added) and allocates the output. */
function segInit(): void {
  const cap = max(nPens, 1);
  sDir = alloc(cap);
  sSure = alloc(cap);
  sHigh = alloc(cap << 3);
  sLow = alloc(cap << 3);
  sBegin = alloc(cap << 3);
  sEndV = alloc(cap << 3);
  for (let i = 0; i < nPens; i++) {
    const up = getI8(pDir, i) == UP;
    const s = getI32(pStart, i), e = getI32(pEnd, i);
    const b = up ? getF64(mLow, s) : getF64(mHigh, s);
    const v = up ? getF64(mHigh, e) : getF64(mLow, e);
    setI8(sDir, i, up ? UP : DOWN);
    setF64(sHigh, i, up ? v : b);
    setF64(sLow, i, up ? b : v);
    setF64(sBegin, i, b);
    setF64(sEndV, i, v);
    setI8(sSure, i, (getI8(pFlags, i) & 2) != 0 ? 1 : 0);
  }
  gCount = 0;
  gStart = alloc(cap << 2);
  gEnd = alloc(cap << 2);
  gDir = alloc(cap);
  gConfirmed = alloc(cap);
  gCase = alloc(cap);
}

/** No segments (benchmarking the earlier stages): empty output. */
export function buildSegments0(): void {
  nPens = 0;
  segInit();
}

export function buildSegments(): void {
  nPens = pCount;
  segInit();
  confirmFrom(0);
  collectLeftover();
}

function lastEndPen(): i32 {
  return getI32(gEnd, gCount - 1);
}

function confirmFrom(begin: i32): void {
  for (;;) {
    const upFx = new FeatureFractal(UP);
    const downFx = new FeatureFractal(DOWN);
    let lastDir = gCount > 0 ? getI8(gDir, gCount - 1) : 0;
    let found: FeatureFractal | null = null;
    for (let i = begin; i < nPens && found === null; i++) {
      const d = dirOf(i);
      if (d == DOWN && lastDir != UP) {
        if (upFx.add(i)) found = upFx;
      } else if (d == UP && lastDir != DOWN) {
        if (downFx.add(i)) found = downFx;
      }
      if (gCount == 0) {
        if (upFx.has1 && d == DOWN) {
          lastDir = DOWN;
          downFx.clear();
        } else if (downFx.has1 && d == UP) {
          upFx.clear();
          lastDir = UP;
        }
        if (!upFx.has1 && lastDir == DOWN && d == DOWN) lastDir = 0;
        else if (!downFx.has1 && lastDir == UP && d == UP) lastDir = 0;
      }
    }
    if (found === null) return;
    const fx: FeatureFractal = found;
    const test = fx.canBeEnd();
    const endPen = fx.e1.peakPenIndex();
    const endCase = fx.e1.gap ? 2 : 1;
    if (!addSegment(endPen, test == 1 && fx.allSure(), 0, true, endCase)) {
      begin = endPen + 1;
      continue;
    }
    if (test != 1) return;
    begin = endPen + 1;
  }
}

function addSegment(end: i32, confirmed: bool, dir: i32, splitFirst: bool, endCase: i32): bool {
  if (gCount == 0 && splitFirst && end >= 3) {
    const isHigh = dirOf(end) == DOWN;
    const peak = findPeak(end - 3, -1, -1, isHigh);
    if (peak >= 0) {
      if (peak == 0 || (dirOf(peak) == DOWN ? lowOf(peak) < lowOf(0) : highOf(peak) > highOf(0))) {
        addSegment(peak, false, dirOf(peak), true, 0);
        addSegment(end, false, 0, true, endCase);
        return true;
      }
    }
  }
  const start = gCount == 0 ? 0 : lastEndPen() + 1;
  const segDir = dir != 0 ? dir : dirOf(end);
  if (end - start < 2) confirmed = false;
  if (confirmed) {
    const ok = segDir == DOWN ? beginOf(start) >= endOf(end) : beginOf(start) <= endOf(end);
    if (!ok) return false;
  }
  const g = gCount++;
  setI32(gStart, g, start);
  setI32(gEnd, g, end);
  setI8(gDir, g, segDir);
  setI8(gConfirmed, g, confirmed ? 1 : 0);
  setI8(gCase, g, endCase);
  return true;
}

function findPeak(from: i32, to: i32, step: i32, isHigh: bool): i32 {
  let best = isHigh ? -Infinity : Infinity;
  let peak = -1;
  for (let i = from; step > 0 ? i < to : i > to; i += step) {
    const d = dirOf(i), v = endOf(i);
    if (isHigh ? d == UP && v >= best : d == DOWN && v <= best) {
      if (i >= 2 && (isHigh ? endOf(i - 2) > v : endOf(i - 2) < v)) continue;
      best = v;
      peak = i;
    }
  }
  return peak;
}

function collectLeftover(): void {
  const n = nPens;
  if (gCount == 0) {
    if (n < 3) return;
    let hi = -Infinity, lo = Infinity;
    for (let i = 0; i < n; i++) {
      if (highOf(i) > hi) hi = highOf(i);
      if (lowOf(i) < lo) lo = lowOf(i);
    }
    const b0 = beginOf(0);
    const up = Math.abs(hi - b0) >= Math.abs(lo - b0);
    const peak = findPeak(0, n, 1, up);
    addSegment(peak, false, up ? UP : DOWN, false, 0);
    collectAsOne();
    return;
  }
  collectAfterLast();
  if (n > 0 && gCount > 0 && n - 1 - lastEndPen() > 2 && getI8(gConfirmed, gCount - 1) == 0) {
    gCount--;
    collectLeftover();
  }
}

function collectAfterLast(): void {
  const lastPen = nPens - 1;
  const endPen = lastEndPen();
  if (lastPen - endPen < 3) return;
  if (dirOf(endPen) == DOWN && endOf(lastPen) <= endOf(endPen)) {
    const peak = findPeak(endPen + 3, nPens, 1, true);
    if (peak >= 0) {
      addSegment(peak, false, UP, true, 0);
      collectLeftover();
    }
  } else if (dirOf(endPen) == UP && endOf(lastPen) >= endOf(endPen)) {
    const peak = findPeak(endPen + 3, nPens, 1, false);
    if (peak >= 0) {
      addSegment(peak, false, DOWN, true, 0);
      collectLeftover();
    }
  } else {
    collectByPeaks(endPen);
  }
}

function collectByPeaks(endPen: i32): void {
  for (;;) {
    const up = dirOf(endPen) == DOWN;
    const peak = findPeak(endPen + 3, nPens, 1, up);
    if (peak < 0 || peak - endPen < 3) break;
    addSegment(peak, false, up ? UP : DOWN, true, 0);
    endPen = lastEndPen();
  }
  collectAsOne();
}

function collectAsOne(): void {
  const endPen = lastEndPen();
  if (endPen + 1 >= nPens) return;
  const tail = nPens - 1;
  addSegment(dirOf(endPen) == dirOf(tail) ? tail - 1 : tail, false, 0, true, 0);
}
