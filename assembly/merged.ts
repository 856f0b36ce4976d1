// Storage of the merged bars (columns in linear memory) and the direction/fractal constants.
import { alloc } from './mem';

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
  store<i32>(mFractals + (<usize>mFractalCount << 2), k);
  mFractalCount++;
}

// ---- Streaming: one raw bar at a time into growable columns (mirrors src/core/merge.ts). ----

export let mCap: i32 = 0;

function moveI32(p: usize, n: i32, cap: i32): usize {
  const q = alloc(cap << 2);
  memory.copy(q, p, <usize>n << 2);
  return q;
}

/** Makes room for `cap` merged bars (the bump heap cannot free: old columns are abandoned). */
export function mergeReserve(cap: i32): void {
  if (cap <= mCap) return;
  if (mCap == 0) {
    mergeInit(cap);
    mCap = cap;
    return;
  }
  const n = mCount;
  let q = alloc(cap << 3); memory.copy(q, mHigh, <usize>n << 3); mHigh = q;
  q = alloc(cap << 3); memory.copy(q, mLow, <usize>n << 3); mLow = q;
  q = alloc(cap); memory.copy(q, mDir, <usize>n); mDir = q;
  q = alloc(cap); memory.copy(q, mFx, <usize>n); mFx = q;
  mStart = moveI32(mStart, n, cap);
  mEnd = moveI32(mEnd, n, cap);
  mHighApex = moveI32(mHighApex, n, cap);
  mLowApex = moveI32(mLowApex, n, cap);
  mFractals = moveI32(mFractals, mFractalCount, cap);
  mCap = cap;
}

/** Adds raw bar `raw`; returns true when it opened a new merged bar (the one before it is then classified). */
export function mergePush(raw: i32, h: f64, l: f64): bool {
  const n = mCount;
  if (n == mCap) mergeReserve(mCap * 2);
  if (n == 0) {
    mergeOpen(raw, h, l, UP);
    return true;
  }
  const k = n - 1;
  const kh = load<f64>(mHigh + (<usize>k << 3)), kl = load<f64>(mLow + (<usize>k << 3));
  if ((kh >= h && kl <= l) || (kh <= h && kl >= l)) {
    store<i32>(mEnd + (<usize>k << 2), raw);
    let nh = kh, nl = kl;
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
    store<f64>(mHigh + (<usize>k << 3), nh);
    store<f64>(mLow + (<usize>k << 3), nl);
    if (h == nh) store<i32>(mHighApex + (<usize>k << 2), raw);
    if (l == nl) store<i32>(mLowApex + (<usize>k << 2), raw);
    return false;
  }
  mergeOpen(raw, h, l, h > kh ? UP : DOWN);
  if (n >= 2) mergeClassify(n - 1);
  return true;
}

function mergeOpen(raw: i32, h: f64, l: f64, d: i32): void {
  const i = mCount++;
  store<f64>(mHigh + (<usize>i << 3), h);
  store<f64>(mLow + (<usize>i << 3), l);
  store<i8>(mDir + <usize>i, <i8>d);
  store<i8>(mFx + <usize>i, 0);
  store<i32>(mStart + (<usize>i << 2), raw);
  store<i32>(mEnd + (<usize>i << 2), raw);
  store<i32>(mHighApex + (<usize>i << 2), raw);
  store<i32>(mLowApex + (<usize>i << 2), raw);
}

function mergeClassify(i: i32): void {
  const ph = load<f64>(mHigh + (<usize>(i - 1) << 3)), pl = load<f64>(mLow + (<usize>(i - 1) << 3));
  const h = load<f64>(mHigh + (<usize>i << 3)), l = load<f64>(mLow + (<usize>i << 3));
  const nh = load<f64>(mHigh + (<usize>(i + 1) << 3)), nl = load<f64>(mLow + (<usize>(i + 1) << 3));
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
  store<f64>(mHigh + (<usize>k << 3), high);
  store<f64>(mLow + (<usize>k << 3), low);
  store<i32>(mEnd + (<usize>k << 2), rawEnd);
  store<i32>(mHighApex + (<usize>k << 2), highApex);
  store<i32>(mLowApex + (<usize>k << 2), lowApex);
  store<i8>(mFx + <usize>k, <i8>fx);
}

/** Drops merged bars before `k` (streaming window). */
export function mergeDrop(k: i32): void {
  if (k <= 0) return;
  const n = mCount - k;
  memory.copy(mHigh, mHigh + (<usize>k << 3), <usize>n << 3);
  memory.copy(mLow, mLow + (<usize>k << 3), <usize>n << 3);
  memory.copy(mDir, mDir + <usize>k, <usize>n);
  memory.copy(mFx, mFx + <usize>k, <usize>n);
  memory.copy(mStart, mStart + (<usize>k << 2), <usize>n << 2);
  memory.copy(mEnd, mEnd + (<usize>k << 2), <usize>n << 2);
  memory.copy(mHighApex, mHighApex + (<usize>k << 2), <usize>n << 2);
  memory.copy(mLowApex, mLowApex + (<usize>k << 2), <usize>n << 2);
  mCount = n;
  let j = 0;
  for (let i = 0; i < mFractalCount; i++) {
    const f = load<i32>(mFractals + (<usize>i << 2)) - k;
    if (f >= 0) store<i32>(mFractals + (<usize>(j++) << 2), f);
  }
  mFractalCount = j;
}

/** After the host wrote `count` merged bars and `fractals` fractal indices into the columns (restore from a blob). */
export function mergeSetCounts(count: i32, fractals: i32): void {
  mCount = count;
  mFractalCount = fractals;
}
