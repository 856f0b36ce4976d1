// The MACD of a batch result. Its histogram is scale * (DIF - DEA), so it is made from the DIF and
// DEA columns when first read (then kept): a result nobody reads it from holds 8 bytes per bar less,
// and the engines copy or compute one column less. The value is the same as a histogram computed
// with the EMAs, bit for bit: the same operation on the same numbers.
import type { MacdSeries } from './types.js';

/** The series; `histogram` is an own enumerable getter, so spreading, JSON and structured clone see it. */
export function macdSeries(dif: Float64Array, dea: Float64Array, firstValid: number, scale: number): MacdSeries {
  let histogram: Float64Array | undefined;
  return {
    dif,
    dea,
    get histogram(): Float64Array {
      return (histogram ??= histogramOf(dif, dea, scale));
    },
    firstValid,
  };
}

/** scale * (dif - dea) for every bar (NaN where either is). */
function histogramOf(dif: Float64Array, dea: Float64Array, scale: number): Float64Array {
  const n = dif.length,
    h = new Float64Array(n);
  for (let i = 0; i < n; i++) h[i] = scale * (dif[i]! - dea[i]!);
  return h;
}
