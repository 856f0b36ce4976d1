// Inclusion (merged bars) and fractal classification; mirrors src/core/merge.ts.
import { alloc, getF64, getI32, getI8, setF64, setI32, setI8 } from './mem';

export const UP: i32 = 1;
export const DOWN: i32 = -1;
export const TOP: i32 = 1;
export const BOTTOM: i32 = -1;

export let mCount: i32 = 0;
export let mHigh: usize = 0;
export let mLow: usize = 0;
export let mDir: usize = 0;
export let mFx: usize = 0;
export let mStart: usize = 0;
export let mEnd: usize = 0;

export function mergeInit(capacity: i32): void {
  mCount = 0;
  mHigh = alloc(capacity << 3);
  mLow = alloc(capacity << 3);
  mStart = alloc(capacity << 2);
  mEnd = alloc(capacity << 2);
  mDir = alloc(capacity);
  mFx = alloc(capacity);
}

// @ts-ignore: decorator
@inline function open(raw: i32, h: f64, l: f64, d: i32): void {
  const i = mCount++;
  setF64(mHigh, i, h);
  setF64(mLow, i, l);
  setI8(mDir, i, d);
  setI8(mFx, i, 0);
  setI32(mStart, i, raw);
  setI32(mEnd, i, raw);
}

function classify(i: i32): void {
  const ph = getF64(mHigh, i - 1), pl = getF64(mLow, i - 1);
  const h = getF64(mHigh, i), l = getF64(mLow, i);
  const nh = getF64(mHigh, i + 1), nl = getF64(mLow, i + 1);
  if (ph < h && nh < h && pl < l && nl < l) setI8(mFx, i, TOP);
  else if (ph > h && nh > h && pl > l && nl > l) setI8(mFx, i, BOTTOM);
}

/** Adds raw bar `raw`; returns true when it opened a new merged bar. */
// @ts-ignore: decorator
@inline export function mergePush(raw: i32, h: f64, l: f64): bool {
  const n = mCount;
  if (n == 0) {
    open(raw, h, l, UP);
    return true;
  }
  const k = n - 1;
  const kh = getF64(mHigh, k), kl = getF64(mLow, k);
  if ((kh >= h && kl <= l) || (kh <= h && kl >= l)) {
    setI32(mEnd, k, raw);
    // A flat bar touching the extreme in the merge direction leaves the merged bar unchanged.
    if (getI8(mDir, k) == UP) {
      if (h != l || h != kh) {
        setF64(mHigh, k, h > kh ? h : kh);
        setF64(mLow, k, l > kl ? l : kl);
      }
    } else if (h != l || l != kl) {
      setF64(mHigh, k, h < kh ? h : kh);
      setF64(mLow, k, l < kl ? l : kl);
    }
    return false;
  }
  open(raw, h, l, h > kh ? UP : DOWN);
  if (n >= 2) classify(n - 1);
  return true;
}

export function getMergedHigh(k: i32): f64 { return getF64(mHigh, k); }
export function getMergedLow(k: i32): f64 { return getF64(mLow, k); }
export function getFx(k: i32): i32 { return getI8(mFx, k); }
export function getRawStart(k: i32): i32 { return getI32(mStart, k); }
export function getRawEnd(k: i32): i32 { return getI32(mEnd, k); }
