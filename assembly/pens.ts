// Pens from fractals; mirrors src/engines/ts/pens.ts.
import { BOTTOM, DOWN, TOP, UP, mCount, mFx, mHigh, mLow, mStart, mEnd } from './merge';
import { alloc, getF64, getI32, getI8, regrow, setI32, setI8 } from './mem';

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
  vsS = -1;
  pStart = alloc(capacity << 2);
  pEnd = alloc(capacity << 2);
  pDir = alloc(capacity);
  pFlags = alloc(capacity);
  freeList = alloc(capacity << 2);
  tailBuf = alloc(8 << 2);
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
  const n = penTail();
  if (n == 0) return;
  const last = pCount - 1;
  setI32(pEnd, last, getI32(tailBuf, 1));
  setI8(pFlags, last, getI32(tailBuf, 3));
  if (n == 2) addPen(getI32(tailBuf, 4), getI32(tailBuf, 5), getI32(tailBuf, 6), 0);
}

/** `between`: highest high (up pen) / lowest low (down pen) strictly between s and f, when known (else NaN). */
function canMakePen(s: i32, f: i32, virtual: bool, between: f64 = NaN): bool {
  const span = f - s;
  if (traditional) {
    if (span < 4) return false;
  } else {
    if (span < 3) return false;
    // Merged bars cover consecutive raw bars, so the raw bars strictly between are a difference.
    if (getI32(mStart, f) - getI32(mEnd, s) - 1 < minKlines) return false;
  }
  if (!fractalsSeparated(s, f, virtual)) return false;
  if (endIsPeak && !isNaN(between)) {
    if (getI8(mFx, s) == BOTTOM ? between > getF64(mHigh, f) : between < getF64(mLow, f)) return false;
  } else if (endIsPeak) {
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

// ---- Streaming (mirrors PenBuilder.tail / mark / restore / dropBefore in src/engines/ts/pens.ts). ----

let pCap: i32 = 0;
let freeCap: i32 = 0;
/** Virtual-pen search from fractal vsS over the closed bars up to vsScanned (see VirtualSearch in pens.ts). */
let vsS: i32 = -1;
let vsScanned: i32 = -1;
let vsExtreme: f64 = 0;
let vsBest: i32 = -1;
/** Up to two tail pens: startK, endK, dir, flags (bit 0 confirmed, bit 1 was confirmed). */
export let tailBuf: usize = 0;

/** Streaming setup: options and initial capacities. */
export function penStreamInit(cap: i32, trad: bool, minK: i32, check: i32, peak: bool): void {
  penInit(cap, trad, minK, check, peak);
  pCap = cap;
  freeCap = cap;
}

/** Room for `pens` pens and `free` free fractals (old columns are abandoned on the bump heap). */
function penEnsure(pens: i32, free: i32): void {
  if (pens >= pCap) {
    const cap = max(pCap * 2, pens + 1);
    pStart = regrow(pStart, pCount << 2, cap << 2);
    pEnd = regrow(pEnd, pCount << 2, cap << 2);
    pDir = regrow(pDir, pCount, cap);
    pFlags = regrow(pFlags, pCount, cap);
    pCap = cap;
  }
  if (free >= freeCap) {
    const cap = max(freeCap * 2, free + 1);
    freeList = regrow(freeList, freeCount << 2, cap << 2);
    freeCap = cap;
  }
}

/** Room for one more pen and one more free fractal (before feeding a bar). */
export function penReserve(): void {
  penEnsure(pCount + 1, freeCount + 1);
}

/** Writes the tail pens (see PenBuilder.tail) into tailBuf; returns how many (0, 1 or 2). */
export function penTail(): i32 {
  if (pCount == 0) return 0;
  const last = pCount - 1;
  const s = getI32(pStart, last),
    e = getI32(pEnd, last),
    dir = getI8(pDir, last),
    flags = getI8(pFlags, last);
  const lastK = mCount - 1;
  setI32(tailBuf, 0, s);
  setI32(tailBuf, 1, e);
  setI32(tailBuf, 2, dir);
  setI32(tailBuf, 3, flags);
  if (lastK == e) return 1;
  if (dir == UP ? getF64(mHigh, lastK) >= getF64(mHigh, e) : getF64(mLow, lastK) <= getF64(mLow, e)) {
    setI32(tailBuf, 1, lastK);
    setI32(tailBuf, 3, flags & 2);
    return 1;
  }
  // Bring the search over the closed bars up to lastK - 1 (restart when e changed or bars were taken back).
  const up = getI8(mFx, e) == BOTTOM;
  if (vsS != e || vsScanned >= lastK) {
    vsS = e;
    vsScanned = e;
    vsExtreme = up ? -Infinity : Infinity;
    vsBest = -1;
  }
  for (let t = vsScanned + 1; t < lastK; t++) {
    if (canMakePen(e, t, true, vsExtreme)) vsBest = t;
    vsExtreme = up ? max<f64>(vsExtreme, getF64(mHigh, t)) : min<f64>(vsExtreme, getF64(mLow, t));
    vsScanned = t;
  }
  const end = canMakePen(e, lastK, true, vsExtreme) ? lastK : vsBest;
  if (end < 0) return 1;
  setI32(tailBuf, 4, e);
  setI32(tailBuf, 5, end);
  setI32(tailBuf, 6, -dir);
  setI32(tailBuf, 7, 0);
  return 2;
}

export function penRestore(count: i32, lastEndK: i32, lastEndValue: i32, free: i32): void {
  pCount = count;
  if (count > 0) setI32(pEnd, count - 1, lastEndK);
  lastEnd = lastEndValue;
  freeCount = free;
}

/** Drops the first `dp` pens and re-indexes after the merged bars dropped `dm` (streaming window). */
export function penDrop(dm: i32, dp: i32): void {
  const n = pCount - dp;
  for (let i = 0; i < n; i++) {
    setI32(pStart, i, getI32(pStart, i + dp) - dm);
    setI32(pEnd, i, getI32(pEnd, i + dp) - dm);
    setI8(pDir, i, getI8(pDir, i + dp));
    setI8(pFlags, i, getI8(pFlags, i + dp));
  }
  pCount = n;
  for (let i = 0; i < freeCount; i++) setI32(freeList, i, getI32(freeList, i) - dm);
  lastEnd -= dm;
  vsS = -1;
}

/** Capacity for `pens` pens and `free` free fractals, then the counts (restore from a blob: the host writes the columns). */
export function penSetState(pens: i32, free: i32, lastEndValue: i32): void {
  penEnsure(pens + 1, free + 1);
  pCount = pens;
  freeCount = free;
  lastEnd = lastEndValue;
  vsS = -1;
}

export function penLastEnd(): i32 {
  return lastEnd;
}
export function penFreeCount(): i32 {
  return freeCount;
}
export function penFreeList(): usize {
  return freeList;
}
