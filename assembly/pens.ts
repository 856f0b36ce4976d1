// Pens from fractals; mirrors src/core/pens.ts.
import { BOTTOM, DOWN, TOP, UP, mCount, mFx, mHigh, mLow, mStart, mEnd } from './merged';
import { alloc, getF64, getI32, getI8, setI32, setI8 } from './mem';

// Options (set by penInit).
let traditional: bool = false;
let minKlines: i32 = 3;
let fxCheck: i32 = 0; // 0 strict, 1 half, 2 loss
let endIsPeak: bool = true;

export let pCount: i32 = 0;
export let pStart: usize = 0; // merged index of the start fractal
export let pEnd: usize = 0;
export let pDir: usize = 0;
/** bit 0: confirmed, bit 1: was confirmed before becoming the virtual tail. */
export let pFlags: usize = 0;
let freeList: usize = 0;
let freeCount: i32 = 0;
let lastEnd: i32 = -1;

export function penInit(capacity: i32, trad: bool, minK: i32, check: i32, peak: bool): void {
  traditional = trad;
  minKlines = minK;
  fxCheck = check;
  endIsPeak = peak;
  pCount = 0;
  freeCount = 0;
  lastEnd = -1;
  pStart = alloc(capacity << 2);
  pEnd = alloc(capacity << 2);
  pDir = alloc(capacity);
  pFlags = alloc(capacity);
  freeList = alloc(capacity << 2);
}

function addPen(s: i32, k: i32, dir: i32, flags: i32): void {
  const i = pCount++;
  setI32(pStart, i, s);
  setI32(pEnd, i, k);
  setI8(pDir, i, dir);
  setI8(pFlags, i, flags);
}

/** Merged bar k has just been classified. */
export function penOnClassified(k: i32): void {
  const fx = getI8(mFx, k);
  if (fx == 0) return;
  if (pCount == 0) {
    for (let j = 0; j < freeCount; j++) {
      const s = getI32(freeList, j);
      if (getI8(mFx, s) != fx && canMakePen(s, k, false)) {
        addPen(s, k, getI8(mFx, s) == BOTTOM ? UP : DOWN, 3);
        lastEnd = k;
        return;
      }
    }
    setI32(freeList, freeCount++, k);
    lastEnd = k;
    return;
  }
  if (fx == getI8(mFx, lastEnd)) {
    const last = pCount - 1;
    const e = getI32(pEnd, last);
    if (getI8(pDir, last) == UP ? getF64(mHigh, k) >= getF64(mHigh, e) : getF64(mLow, k) <= getF64(mLow, e)) {
      setI32(pEnd, last, k);
      lastEnd = k;
    }
  } else if (canMakePen(lastEnd, k, false)) {
    addPen(lastEnd, k, getI8(mFx, lastEnd) == BOTTOM ? UP : DOWN, 3);
    lastEnd = k;
  }
}

/** Appends the provisional tail in place (the run is one-shot). */
export function penAddVirtualTail(): void {
  if (pCount == 0) return;
  const lastK = mCount - 1;
  const last = pCount - 1;
  const e = getI32(pEnd, last);
  if (lastK == e) return;
  const dir = getI8(pDir, last);
  if (dir == UP ? getF64(mHigh, lastK) >= getF64(mHigh, e) : getF64(mLow, lastK) <= getF64(mLow, e)) {
    setI32(pEnd, last, lastK);
    setI8(pFlags, last, 2);
    return;
  }
  for (let t = lastK; t > e; t--) {
    if (canMakePen(e, t, true)) {
      addPen(e, t, -dir, 0);
      return;
    }
  }
}

function canMakePen(s: i32, f: i32, virtual: bool): bool {
  const span = f - s;
  if (traditional) {
    if (span < 4) return false;
  } else {
    if (span < 3) return false;
    let inside = 0;
    for (let k = s + 1; k < f; k++) inside += getI32(mEnd, k) - getI32(mStart, k) + 1;
    if (inside < minKlines) return false;
  }
  if (!fractalsSeparated(s, f, virtual)) return false;
  if (endIsPeak) {
    if (getI8(mFx, s) == BOTTOM) {
      const cap = getF64(mHigh, f);
      for (let k = s + 1; k < f; k++) if (getF64(mHigh, k) > cap) return false;
    } else {
      const floor = getF64(mLow, f);
      for (let k = s + 1; k < f; k++) if (getF64(mLow, k) < floor) return false;
    }
  }
  return true;
}

function fractalsSeparated(s: i32, f: i32, virtual: bool): bool {
  const withNext = fxCheck == 0 && !virtual;
  const fromPre = fxCheck != 2;
  if (getI8(mFx, s) == TOP) {
    let endHigh = getF64(mHigh, f);
    if (fromPre) endHigh = max<f64>(endHigh, getF64(mHigh, f - 1));
    if (withNext) endHigh = max<f64>(endHigh, getF64(mHigh, f + 1));
    let startLow = getF64(mLow, s);
    if (fxCheck == 0) startLow = min<f64>(startLow, min<f64>(getF64(mLow, s - 1), getF64(mLow, s + 1)));
    else if (fxCheck == 1) startLow = min<f64>(startLow, getF64(mLow, s + 1));
    return getF64(mHigh, s) > endHigh && getF64(mLow, f) < startLow;
  }
  let endLow = getF64(mLow, f);
  if (fromPre) endLow = min<f64>(endLow, getF64(mLow, f - 1));
  if (withNext) endLow = min<f64>(endLow, getF64(mLow, f + 1));
  let startHigh = getF64(mHigh, s);
  if (fxCheck == 0) startHigh = max<f64>(startHigh, max<f64>(getF64(mHigh, s - 1), getF64(mHigh, s + 1)));
  else if (fxCheck == 1) startHigh = max<f64>(startHigh, getF64(mHigh, s + 1));
  return getF64(mLow, s) < endLow && getF64(mHigh, f) > startHigh;
}
