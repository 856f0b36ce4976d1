// The batch pipeline; twin of src/engines/ts/pipeline.ts. The host calls prepare(n), writes
// high/low/close, calls run(...), then reads the result through layout(). Every run starts from an
// empty heap. Merging, fractals and pens run as one loop over the bars (mergeAll).
import { alloc, getF64, setF64, setI32, setI8 } from './mem';
import { addFractal, BOTTOM, DOWN, mCount, mDir, mEnd, mFractalCount, mFractals, mFx, mHigh, mHighApex, mLow, mLowApex, mStart, mergeInit, setCount, TOP, UP } from './merge';
import { penAddVirtualTail, penInit, penOnClassified, pCount, pDir, pEnd, pFlags, pStart } from './pens';
import { added, buildSegments, buildSegments0 } from './segments';
import { firstValid, macdFirstClose, macdSmaSeed } from './macd';

let n: i32 = 0;
let inHigh: usize = 0;
let inLow: usize = 0;
let inClose: usize = 0;
let dif: usize = 0;
let dea: usize = 0;
let hist: usize = 0;
let table: usize = 0;

// Stage bits of run(); the host always passes all four.
const MERGE: i32 = 1, PENS: i32 = 2, SEGMENTS: i32 = 4, MACD: i32 = 8;

/** Resets the heap and reserves room for n bars; returns the address of high[0] (low and close follow). */
export function prepare(bars: i32): usize {
  __reset();
  n = bars;
  table = alloc(32 << 2);
  inHigh = alloc(bars << 3);
  inLow = alloc(bars << 3);
  inClose = alloc(bars << 3);
  return inHigh;
}

/** Byte offset from high[0] to low[0] and to close[0] (allocations are padded to 16 bytes). */
export function lowOffset(): usize { return inLow - inHigh; }
export function closeOffset(): usize { return inClose - inHigh; }

/**
 * Runs the pipeline. penDef: 0 new_3kline, 1 traditional; fxCheck: 0 strict, 1 half, 2 loss;
 * seed: 0 first_close, 1 sma. `stages` selects MERGE (merged bars + fractals), PENS, SEGMENTS and
 * MACD; each of pens and segments needs the stages before it. Subsets exist for benchmarks.
 */
export function run(penDef: i32, minK: i32, fxCheck: i32, endIsPeak: i32, fast: i32, slow: i32, signal: i32, seed: i32, scale: f64, stages: i32): void {
  mergeInit(n);
  penInit(n + 1, penDef == 1, minK, fxCheck, endIsPeak != 0);
  if ((stages & MERGE) != 0) mergeAll(n, inHigh, inLow, (stages & PENS) != 0);
  penAddVirtualTail();
  if ((stages & SEGMENTS) != 0) buildSegments();
  else buildSegments0();
  dif = alloc(n << 3);
  dea = alloc(n << 3);
  hist = alloc(n << 3);
  if ((stages & MACD) == 0) return;
  if (seed == 1) macdSmaSeed(n, inClose, dif, dea, hist, fast, slow, signal, scale);
  else macdFirstClose(n, inClose, dif, dea, hist, fast, slow, signal, scale);
}

/** Address of an i32 table: counts and addresses of every output column (see src/engines/wasm/engine.ts). */
export function layout(): usize {
  const t = table;
  setI32(t, 0, mCount);
  setI32(t, 1, <i32>mHigh);
  setI32(t, 2, <i32>mLow);
  setI32(t, 3, <i32>mDir);
  setI32(t, 4, <i32>mFx);
  setI32(t, 5, <i32>mStart);
  setI32(t, 6, <i32>mEnd);
  setI32(t, 7, pCount);
  setI32(t, 8, <i32>pStart);
  setI32(t, 9, <i32>pEnd);
  setI32(t, 10, <i32>pDir);
  setI32(t, 11, <i32>pFlags);
  added.layout(t, 12);
  setI32(t, 18, <i32>dif);
  setI32(t, 19, <i32>dea);
  setI32(t, 20, <i32>hist);
  setI32(t, 21, firstValid);
  setI32(t, 22, <i32>mHighApex);
  setI32(t, 23, <i32>mLowApex);
  setI32(t, 24, mFractalCount);
  setI32(t, 25, <i32>mFractals);
  return t;
}

/**
 * Merges all n raw bars. The open merged bar lives in locals and is written back when the next one
 * opens (and at the end); a new bar is written with its initial values at once, because the
 * fractal of the bar before it, and the pen checks made at that moment, use those values.
 * With `withPens`, the pen stage is fed every merged bar classified as a fractal.
 */
function mergeAll(n: i32, inHigh: usize, inLow: usize, withPens: bool): void {
  let kh = getF64(inHigh, 0), kl = getF64(inLow, 0), kd = UP, k = 0, ah = 0, al = 0;
  setF64(mHigh, 0, kh);
  setF64(mLow, 0, kl);
  setI8(mDir, 0, UP);
  setI8(mFx, 0, 0);
  setI32(mStart, 0, 0);
  for (let i = 1; i < n; i++) {
    const h = getF64(inHigh, i), l = getF64(inLow, i);
    if ((kh >= h && kl <= l) || (kh <= h && kl >= l)) {
      // A flat bar touching the extreme in the merge direction leaves the merged bar unchanged.
      if (kd == UP) {
        if (h != l || h != kh) {
          kh = h > kh ? h : kh;
          kl = l > kl ? l : kl;
        }
      } else if (h != l || l != kl) {
        kh = h < kh ? h : kh;
        kl = l < kl ? l : kl;
      }
      if (h == kh) ah = i;
      if (l == kl) al = i;
      continue;
    }
    // Close bar k, open bar k + 1.
    setF64(mHigh, k, kh);
    setF64(mLow, k, kl);
    setI32(mEnd, k, i - 1);
    setI32(mHighApex, k, ah);
    setI32(mLowApex, k, al);
    kd = h > kh ? UP : DOWN;
    k++;
    setF64(mHigh, k, h);
    setF64(mLow, k, l);
    setI8(mDir, k, kd);
    setI8(mFx, k, 0);
    setI32(mStart, k, i);
    if (k >= 2) {
      const f = k - 1;
      const ph = getF64(mHigh, f - 1), pl = getF64(mLow, f - 1);
      const fh = getF64(mHigh, f), fl = getF64(mLow, f);
      let fx = 0;
      if (ph < fh && h < fh && pl < fl && l < fl) fx = TOP;
      else if (ph > fh && h > fh && pl > fl && l > fl) fx = BOTTOM;
      if (fx != 0) {
        setI8(mFx, f, fx);
        addFractal(f);
        if (withPens) penOnClassified(f);
      }
    }
    kh = h;
    kl = l;
    ah = i;
    al = i;
  }
  setF64(mHigh, k, kh);
  setF64(mLow, k, kl);
  setI32(mEnd, k, n - 1);
  setI32(mHighApex, k, ah);
  setI32(mLowApex, k, al);
  setCount(k + 1);
}
