// Storage of the merged bars (columns in linear memory), inclusion one raw bar at a time and fractal
// classification; twin of src/engines/ts/merge.ts (MergedBarStore). The batch pipeline fuses the same
// rules with the pen stage in one loop (pipeline.ts: mergeAll).
import { alloc, regrow } from './mem';

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
/** Last raw bar whose high (low) equals the merged high (low). */
export let mHighApex: usize = 0;
export let mLowApex: usize = 0;
/** Merged indices of the fractals, in order. */
export let mFractals: usize = 0;
export let mFractalCount: i32 = 0;

export function mergeInit(capacity: i32): void {
  mCount = 0;
  mTouched = capacity; // only grown columns are written ahead (see prefault)
  mHigh = alloc(capacity << 3);
  mLow = alloc(capacity << 3);
  mStart = alloc(capacity << 2);
  mEnd = alloc(capacity << 2);
  mHighApex = alloc(capacity << 2);
  mLowApex = alloc(capacity << 2);
  mFractals = alloc(capacity << 2);
  mFractalCount = 0;
  mDir = alloc(capacity);
  mFx = alloc(capacity);
}

export function setCount(c: i32): void {
  mCount = c;
}

export function addFractal(k: i32): void {
  store<i32>(mFractals + ((<usize>mFractalCount) << 2), k);
  mFractalCount++;
}

// ---- Streaming: one raw bar at a time into growable columns (mirrors src/engines/ts/merge.ts). ----

export let mCap: i32 = 0;
/** Rows below this have been written in every column (see prefault). */
let mTouched: i32 = 0;
const PREFAULT_ROWS: i32 = 2048;

/** Makes room for `cap` merged bars (the bump heap cannot free: old columns are abandoned). */
export function mergeReserve(cap: i32): void {
  if (cap <= mCap) return;
  if (mCap == 0) {
    mergeInit(cap);
    mCap = cap;
    return;
  }
  const n = mCount;
  mHigh = regrow(mHigh, n << 3, cap << 3);
  mLow = regrow(mLow, n << 3, cap << 3);
  mDir = regrow(mDir, n, cap);
  mFx = regrow(mFx, n, cap);
  mStart = regrow(mStart, n << 2, cap << 2);
  mEnd = regrow(mEnd, n << 2, cap << 2);
  mHighApex = regrow(mHighApex, n << 2, cap << 2);
  mLowApex = regrow(mLowApex, n << 2, cap << 2);
  mFractals = regrow(mFractals, mFractalCount << 2, cap << 2);
  mCap = cap;
  mTouched = mFractalCount; // the copies wrote rows below n, and below this in the fractal column
}

/**
 * Writes the unused rows up to PREFAULT_ROWS ahead of row `n` (the merged count) once, in every
 * column. The first write to a fresh page of a grown column is a page fault (~4 us measured on this
 * VM); taken one page at a time they land right at the p99 of appends (see src/core/prefault.ts).
 */
function prefault(n: i32): void {
  const to = min(mCap, n + PREFAULT_ROWS);
  const rows = <usize>(to - n),
    f = max(mTouched, mFractalCount);
  memory.fill(mHigh + ((<usize>n) << 3), 0, rows << 3);
  memory.fill(mLow + ((<usize>n) << 3), 0, rows << 3);
  memory.fill(mDir + <usize>n, 0, rows);
  memory.fill(mFx + <usize>n, 0, rows);
  memory.fill(mStart + ((<usize>n) << 2), 0, rows << 2);
  memory.fill(mEnd + ((<usize>n) << 2), 0, rows << 2);
  memory.fill(mHighApex + ((<usize>n) << 2), 0, rows << 2);
  memory.fill(mLowApex + ((<usize>n) << 2), 0, rows << 2);
  memory.fill(mFractals + ((<usize>f) << 2), 0, (<usize>(to - f)) << 2);
  mTouched = to;
}

/** Adds raw bar `raw`; returns true when it opened a new merged bar (the one before it is then classified). */
export function mergePush(raw: i32, h: f64, l: f64): bool {
  const n = mCount;
  if (n == mCap) mergeReserve(mCap * 2);
  if (n >= mTouched) prefault(n);
  if (n == 0) {
    mergeOpen(raw, h, l, UP);
    return true;
  }
  const k = n - 1;
  const kh = load<f64>(mHigh + ((<usize>k) << 3)),
    kl = load<f64>(mLow + ((<usize>k) << 3));
  if ((kh >= h && kl <= l) || (kh <= h && kl >= l)) {
    store<i32>(mEnd + ((<usize>k) << 2), raw);
    let nh = kh,
      nl = kl;
    // A flat bar touching the extreme in the merge direction leaves the merged bar unchanged.
    if (<i32>load<i8>(mDir + <usize>k) == UP) {
      if (h != l || h != kh) {
        nh = h > kh ? h : kh;
        nl = l > kl ? l : kl;
      }
    } else if (h != l || l != kl) {
      nh = h < kh ? h : kh;
      nl = l < kl ? l : kl;
    }
    store<f64>(mHigh + ((<usize>k) << 3), nh);
    store<f64>(mLow + ((<usize>k) << 3), nl);
    if (h == nh) store<i32>(mHighApex + ((<usize>k) << 2), raw);
    if (l == nl) store<i32>(mLowApex + ((<usize>k) << 2), raw);
    return false;
  }
  mergeOpen(raw, h, l, h > kh ? UP : DOWN);
  if (n >= 2) mergeClassify(n - 1);
  return true;
}

function mergeOpen(raw: i32, h: f64, l: f64, d: i32): void {
  const i = mCount++;
  store<f64>(mHigh + ((<usize>i) << 3), h);
  store<f64>(mLow + ((<usize>i) << 3), l);
  store<i8>(mDir + <usize>i, <i8>d);
  store<i8>(mFx + <usize>i, 0);
  store<i32>(mStart + ((<usize>i) << 2), raw);
  store<i32>(mEnd + ((<usize>i) << 2), raw);
  store<i32>(mHighApex + ((<usize>i) << 2), raw);
  store<i32>(mLowApex + ((<usize>i) << 2), raw);
}

function mergeClassify(i: i32): void {
  const ph = load<f64>(mHigh + ((<usize>(i - 1)) << 3)),
    pl = load<f64>(mLow + ((<usize>(i - 1)) << 3));
  const h = load<f64>(mHigh + ((<usize>i) << 3)),
    l = load<f64>(mLow + ((<usize>i) << 3));
  const nh = load<f64>(mHigh + ((<usize>(i + 1)) << 3)),
    nl = load<f64>(mLow + ((<usize>(i + 1)) << 3));
  let f = 0;
  if (ph < h && nh < h && pl < l && nl < l) f = TOP;
  else if (ph > h && nh > h && pl > l && nl > l) f = BOTTOM;
  if (f != 0) {
    store<i8>(mFx + <usize>i, <i8>f);
    addFractal(i);
  }
}

/** Takes back the last raw bar: the values saved before it (see MergedBarStore.restore). */
export function mergeRestore(count: i32, high: f64, low: f64, rawEnd: i32, highApex: i32, lowApex: i32, fx: i32, fractalCount: i32): void {
  mCount = count;
  mFractalCount = fractalCount;
  const k = count - 1;
  if (k < 0) return;
  store<f64>(mHigh + ((<usize>k) << 3), high);
  store<f64>(mLow + ((<usize>k) << 3), low);
  store<i32>(mEnd + ((<usize>k) << 2), rawEnd);
  store<i32>(mHighApex + ((<usize>k) << 2), highApex);
  store<i32>(mLowApex + ((<usize>k) << 2), lowApex);
  store<i8>(mFx + <usize>k, <i8>fx);
}

/** Drops merged bars before `k` (streaming window). */
export function mergeDrop(k: i32): void {
  if (k <= 0) return;
  const n = mCount - k;
  memory.copy(mHigh, mHigh + ((<usize>k) << 3), (<usize>n) << 3);
  memory.copy(mLow, mLow + ((<usize>k) << 3), (<usize>n) << 3);
  memory.copy(mDir, mDir + <usize>k, <usize>n);
  memory.copy(mFx, mFx + <usize>k, <usize>n);
  memory.copy(mStart, mStart + ((<usize>k) << 2), (<usize>n) << 2);
  memory.copy(mEnd, mEnd + ((<usize>k) << 2), (<usize>n) << 2);
  memory.copy(mHighApex, mHighApex + ((<usize>k) << 2), (<usize>n) << 2);
  memory.copy(mLowApex, mLowApex + ((<usize>k) << 2), (<usize>n) << 2);
  mCount = n;
  let j = 0;
  for (let i = 0; i < mFractalCount; i++) {
    const f = load<i32>(mFractals + ((<usize>i) << 2)) - k;
    if (f >= 0) {
      store<i32>(mFractals + ((<usize>j) << 2), f);
      j++;
    }
  }
  mFractalCount = j;
}

/** After the host wrote `count` merged bars and `fractals` fractal indices into the columns (restore from a blob). */
export function mergeSetCounts(count: i32, fractals: i32): void {
  mCount = count;
  mFractalCount = fractals;
}
