// Stage 5: MACD. Two seeding conventions, each reproducing its reference bit for bit.
import type { MacdOptions } from '../../core/options.js';
import type { MacdSeries } from '../../core/types.js';

/** MACD over `close`. Operation order is fixed: the WASM engine must produce identical bits. */
export function computeMacd(close: Float64Array, o: MacdOptions): MacdSeries {
  return o.seed === 'sma' ? macdSmaSeed(close, o) : macdFirstClose(close, o);
}

/** Chinese convention (chan.py): EMAs start at close[0], DIF[0] = DEA[0] = 0. */
function macdFirstClose(close: Float64Array, o: MacdOptions): MacdSeries {
  const n = close.length;
  const dif = new Float64Array(n), dea = new Float64Array(n), histogram = new Float64Array(n);
  if (n === 0) return { dif, dea, histogram, firstValid: 0 };
  const fn = o.fast, sn = o.slow, gn = o.signal, scale = o.histogramScale;
  let fast = close[0]!, slow = close[0]!, d = 0, e = 0;
  histogram[0] = scale * (d - e);
  for (let i = 1; i < n; i++) {
    const x = close[i]!;
    fast = (2 * x + (fn - 1) * fast) / (fn + 1);
    slow = (2 * x + (sn - 1) * slow) / (sn + 1);
    d = fast - slow;
    e = (2 * d + (gn - 1) * e) / (gn + 1);
    dif[i] = d;
    dea[i] = e;
    histogram[i] = scale * (d - e);
  }
  return { dif, dea, histogram, firstValid: 0 };
}

/**
 * TA-Lib convention: the slow EMA is seeded with the SMA of the first `slow` closes, the fast EMA at
 * the same bar with the SMA of the last `fast` closes, DEA with the SMA of the first `signal` DIF
 * values. Values before index slow + signal - 2 are NaN.
 */
function macdSmaSeed(close: Float64Array, o: MacdOptions): MacdSeries {
  const n = close.length;
  const dif = new Float64Array(n).fill(NaN), dea = new Float64Array(n).fill(NaN), histogram = new Float64Array(n).fill(NaN);
  const fn = o.fast, sn = o.slow, gn = o.signal, scale = o.histogramScale;
  const firstDif = sn - 1;
  const firstValid = sn + gn - 2;
  if (n <= firstValid) return { dif, dea, histogram, firstValid: n };
  const kf = 2 / (fn + 1), ks = 2 / (sn + 1), kg = 2 / (gn + 1);
  let sum = 0;
  for (let i = 0; i < sn; i++) sum += close[i]!;
  let slow = sum / sn;
  sum = 0;
  for (let i = sn - fn; i < sn; i++) sum += close[i]!;
  let fast = sum / fn;
  // DIF values before the signal seed are kept in `dif` only long enough to seed DEA.
  dif[firstDif] = fast - slow;
  for (let i = sn; i <= firstValid; i++) {
    const x = close[i]!;
    fast = (x - fast) * kf + fast;
    slow = (x - slow) * ks + slow;
    dif[i] = fast - slow;
  }
  sum = 0;
  for (let i = firstDif; i <= firstValid; i++) sum += dif[i]!;
  let e = sum / gn;
  dea[firstValid] = e;
  histogram[firstValid] = scale * (dif[firstValid]! - e);
  for (let i = firstValid + 1; i < n; i++) {
    const x = close[i]!;
    fast = (x - fast) * kf + fast;
    slow = (x - slow) * ks + slow;
    const d = fast - slow;
    e = (d - e) * kg + e;
    dif[i] = d;
    dea[i] = e;
    histogram[i] = scale * (d - e);
  }
  dif.fill(NaN, 0, firstValid);
  return { dif, dea, histogram, firstValid };
}
