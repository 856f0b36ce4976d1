// Inclusion (merged bars) and fractal classification over all raw bars; mirrors src/engines/ts/merge.ts.
import { getF64, setF64, setI32, setI8 } from './mem';
import { BOTTOM, DOWN, TOP, UP, mDir, mEnd, mFx, mHigh, mHighApex, mLow, mLowApex, mStart, addFractal, setCount } from './merged';
import { penOnClassified } from './pens';

/**
 * Merges all n raw bars. The open merged bar lives in locals and is written back when the next one
 * opens (and at the end); a new bar is written with its initial values at once, because the
 * fractal of the bar before it, and the pen checks made at that moment, use those values.
 * With `withPens`, the pen stage is fed every merged bar classified as a fractal.
 */
export function mergeAll(n: i32, inHigh: usize, inLow: usize, withPens: bool): void {
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
