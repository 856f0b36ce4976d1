// The pens as lines of the structure rules; twin of src/engines/ts/pen-lines.ts. Per pen: its start
// and end prices, low and high, start and end raw bars (apexes of its merged bars), confirmed flag,
// and its divergence metric, the MACD "peak" (docs/algorithms.md, "Levels and lines"); with the pen
// stage's merged bars, the pen columns of the result.
import { alloc, getF64, getI32, getI8, setF64, setI32, setI8 } from './mem';
import { mEnd, mHigh, mHighApex, mLow, mLowApex, mStart, UP } from './merge';
import { pCount, pDir, pEnd, pFlags, pStart } from './pens';

export let lBegin: usize = 0;
export let lEnd: usize = 0;
export let lLow: usize = 0;
export let lHigh: usize = 0;
export let lBeginRaw: usize = 0;
export let lEndRaw: usize = 0;
export let lConfirmed: usize = 0;
export let lPeak: usize = 0;

/** No columns (a run without the LINES stage): the table's slots then read 0. */
export function clearPenLines(): void {
  lBegin = lEnd = lLow = lHigh = lBeginRaw = lEndRaw = lConfirmed = lPeak = 0;
}

/** The line columns of the pens over the histogram `hist` (one value per raw bar). */
export function buildPenLines(hist: usize): void {
  const n = pCount;
  lBegin = alloc(n << 3);
  lEnd = alloc(n << 3);
  lLow = alloc(n << 3);
  lHigh = alloc(n << 3);
  lBeginRaw = alloc(n << 2);
  lEndRaw = alloc(n << 2);
  lConfirmed = alloc(n);
  lPeak = alloc(n << 3);
  for (let i = 0; i < n; i++) {
    const s = getI32(pStart, i),
      e = getI32(pEnd, i);
    const up = getI8(pDir, i) == UP;
    // An up pen runs from its start bar's low to its end bar's high; a down pen the reverse.
    const begin = up ? getF64(mLow, s) : getF64(mHigh, s),
      end = up ? getF64(mHigh, e) : getF64(mLow, e);
    setF64(lBegin, i, begin);
    setF64(lEnd, i, end);
    setF64(lLow, i, up ? begin : end);
    setF64(lHigh, i, up ? end : begin);
    setI32(lBeginRaw, i, up ? getI32(mLowApex, s) : getI32(mHighApex, s));
    setI32(lEndRaw, i, up ? getI32(mHighApex, e) : getI32(mLowApex, e));
    setI8(lConfirmed, i, getI8(pFlags, i) & 1);
    setF64(lPeak, i, histogramPeak(hist, getI32(mStart, s), getI32(mEnd, e), up));
  }
}

/**
 * The largest histogram value over raw bars from..to (up) or the largest magnitude of a negative one
 * (down), at least 1e-7. NaN never wins (a comparison with NaN is false).
 */
function histogramPeak(hist: usize, from: i32, to: i32, up: bool): f64 {
  let peak: f64 = 1e-7;
  const sign: f64 = up ? 1 : -1;
  for (let r = from; r <= to; r++) {
    const h = sign * getF64(hist, r);
    peak = h > peak ? h : peak;
  }
  return peak;
}
