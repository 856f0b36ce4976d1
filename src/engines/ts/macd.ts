// Stage 5: MACD. Two seeding conventions, each reproducing its reference bit for bit; in batch
// (computeMacd) and one bar at a time (MacdStream), with the same operations in the same order.
import { resolveOptions, type MacdOptions } from '../../core/options.js';
import type { MacdMark, MacdSaved } from '../../core/stream-kernel.js';
import { macdSeries } from '../../core/macd-series.js';
import type { MacdPoint, MacdSeries } from '../../core/types.js';

/**
 * MACD over `close` (the exported one): options not given take their defaults, and bad ones are a
 * ConfigError, as in analyze().
 */
export function computeMacd(close: Float64Array, options: Partial<MacdOptions> = {}): MacdSeries {
  return macdOf(close, resolveOptions({ macd: options }).macd);
}

/** MACD over `close` with options already resolved. Operation order is fixed: the WASM engine must produce identical bits. */
export function macdOf(close: Float64Array, o: MacdOptions): MacdSeries {
  return o.seed === 'sma' ? macdSmaSeed(close, o) : macdFirstClose(close, o);
}

/** Chinese convention (chan.py): EMAs start at close[0], DIF[0] = DEA[0] = 0. */
function macdFirstClose(close: Float64Array, o: MacdOptions): MacdSeries {
  const n = close.length;
  const dif = new Float64Array(n),
    dea = new Float64Array(n);
  const scale = o.histogramScale;
  if (n === 0) return macdSeries(dif, dea, 0, scale);
  const fn = o.fast,
    sn = o.slow,
    gn = o.signal;
  let fast = close[0]!,
    slow = close[0]!,
    d = 0,
    e = 0;
  for (let i = 1; i < n; i++) {
    const x = close[i]!;
    fast = (2 * x + (fn - 1) * fast) / (fn + 1);
    slow = (2 * x + (sn - 1) * slow) / (sn + 1);
    d = fast - slow;
    e = (2 * d + (gn - 1) * e) / (gn + 1);
    dif[i] = d;
    dea[i] = e;
  }
  return macdSeries(dif, dea, 0, scale);
}

/**
 * TA-Lib convention: the slow EMA is seeded with the SMA of the first `slow` closes, the fast EMA at
 * the same bar with the SMA of the last `fast` closes, DEA with the SMA of the first `signal` DIF
 * values. Values before index slow + signal - 2 are NaN.
 */
function macdSmaSeed(close: Float64Array, o: MacdOptions): MacdSeries {
  const n = close.length;
  const dif = new Float64Array(n).fill(NaN),
    dea = new Float64Array(n).fill(NaN);
  const fn = o.fast,
    sn = o.slow,
    gn = o.signal,
    scale = o.histogramScale;
  const firstDif = sn - 1;
  const firstValid = sn + gn - 2;
  if (n <= firstValid) return macdSeries(dif, dea, n, scale);
  const kf = 2 / (fn + 1),
    ks = 2 / (sn + 1),
    kg = 2 / (gn + 1);
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
  for (let i = firstValid + 1; i < n; i++) {
    const x = close[i]!;
    fast = (x - fast) * kf + fast;
    slow = (x - slow) * ks + slow;
    const d = fast - slow;
    e = (d - e) * kg + e;
    dif[i] = d;
    dea[i] = e;
  }
  dif.fill(NaN, 0, firstValid);
  return macdSeries(dif, dea, firstValid, scale);
}

/** MACD one bar at a time: every value equals computeMacd's bit for bit. */
export class MacdStream {
  count = 0;
  fast = 0;
  slow = 0;
  dea = 0;
  /** sma seed: the first `slow` closes, then the DIF values that seed DEA (bounded by slow + signal). */
  private readonly seedCloses: number[] = [];
  private readonly seedDifs: number[] = [];

  constructor(readonly o: MacdOptions) {}

  mark(): MacdMark {
    return { count: this.count, fast: this.fast, slow: this.slow, dea: this.dea };
  }

  restore(m: MacdMark): void {
    this.count = m.count;
    this.fast = m.fast;
    this.slow = m.slow;
    this.dea = m.dea;
    if (this.seedCloses.length > m.count) this.seedCloses.length = m.count;
    const difsBefore = Math.max(0, m.count - (this.o.slow - 1));
    if (this.seedDifs.length > difsBefore) this.seedDifs.length = difsBefore;
  }

  save(): MacdSaved {
    return {
      count: this.count,
      floats: Float64Array.from([this.fast, this.slow, this.dea, ...this.seedCloses, ...this.seedDifs]),
      seedCloses: this.seedCloses.length,
    };
  }

  load(s: MacdSaved): void {
    this.count = s.count;
    [this.fast, this.slow, this.dea] = [s.floats[0]!, s.floats[1]!, s.floats[2]!];
    const rest = Array.from(s.floats.subarray(3));
    this.seedCloses.splice(0, Infinity, ...rest.slice(0, s.seedCloses));
    this.seedDifs.splice(0, Infinity, ...rest.slice(s.seedCloses));
  }

  push(x: number): MacdPoint {
    return this.o.seed === 'sma' ? this.pushSma(x) : this.pushFirstClose(x);
  }

  private pushFirstClose(x: number): MacdPoint {
    const { fast: fn, slow: sn, signal: gn, histogramScale: scale } = this.o;
    const i = this.count++;
    if (i === 0) {
      this.fast = this.slow = x;
      this.dea = 0;
      return { dif: 0, dea: 0, histogram: scale * (0 - 0) };
    }
    this.fast = (2 * x + (fn - 1) * this.fast) / (fn + 1);
    this.slow = (2 * x + (sn - 1) * this.slow) / (sn + 1);
    const d = this.fast - this.slow;
    this.dea = (2 * d + (gn - 1) * this.dea) / (gn + 1);
    return { dif: d, dea: this.dea, histogram: scale * (d - this.dea) };
  }

  private pushSma(x: number): MacdPoint {
    const { fast: fn, slow: sn, signal: gn, histogramScale: scale } = this.o;
    const i = this.count++;
    const firstDif = sn - 1,
      firstValid = sn + gn - 2;
    const kf = 2 / (fn + 1),
      ks = 2 / (sn + 1),
      kg = 2 / (gn + 1);
    if (i < sn) this.seedCloses.push(x);
    if (i < firstDif) return NONE;
    if (i === firstDif) {
      const c = this.seedCloses;
      let sum = 0;
      for (let j = 0; j < sn; j++) sum += c[j]!;
      this.slow = sum / sn;
      sum = 0;
      for (let j = sn - fn; j < sn; j++) sum += c[j]!;
      this.fast = sum / fn;
    } else {
      this.fast = (x - this.fast) * kf + this.fast;
      this.slow = (x - this.slow) * ks + this.slow;
    }
    const d = this.fast - this.slow;
    if (i < firstValid) {
      this.seedDifs.push(d);
      return NONE;
    }
    if (i === firstValid) {
      this.seedDifs.push(d);
      let sum = 0;
      for (let j = 0; j < gn; j++) sum += this.seedDifs[j]!;
      this.dea = sum / gn;
    } else {
      this.dea = (d - this.dea) * kg + this.dea;
    }
    return { dif: d, dea: this.dea, histogram: scale * (d - this.dea) };
  }
}

const NONE: MacdPoint = { dif: NaN, dea: NaN, histogram: NaN };
