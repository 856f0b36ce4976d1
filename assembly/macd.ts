// MACD; mirrors src/engines/ts/macd.ts operation for operation (bit-identical results).
import { getF64, setF64 } from './mem';

export let firstValid: i32 = 0;

export function macdFirstClose(n: i32, close: usize, dif: usize, dea: usize, hist: usize, fn: i32, sn: i32, gn: i32, scale: f64): void {
  firstValid = 0;
  const fnm = <f64>(fn - 1),
    fnp = <f64>(fn + 1);
  const snm = <f64>(sn - 1),
    snp = <f64>(sn + 1);
  const gnm = <f64>(gn - 1),
    gnp = <f64>(gn + 1);
  let fast = getF64(close, 0),
    slow = fast,
    d: f64 = 0,
    e: f64 = 0;
  setF64(dif, 0, 0);
  setF64(dea, 0, 0);
  setF64(hist, 0, scale * (d - e));
  for (let i = 1; i < n; i++) {
    const x = getF64(close, i);
    fast = (2 * x + fnm * fast) / fnp;
    slow = (2 * x + snm * slow) / snp;
    d = fast - slow;
    e = (2 * d + gnm * e) / gnp;
    setF64(dif, i, d);
    setF64(dea, i, e);
    setF64(hist, i, scale * (d - e));
  }
}

function fillNaN(p: usize, from: i32, to: i32): void {
  for (let i = from; i < to; i++) setF64(p, i, NaN);
}

export function macdSmaSeed(n: i32, close: usize, dif: usize, dea: usize, hist: usize, fn: i32, sn: i32, gn: i32, scale: f64): void {
  const firstDif = sn - 1;
  const fv = sn + gn - 2;
  if (n <= fv) {
    fillNaN(dif, 0, n);
    fillNaN(dea, 0, n);
    fillNaN(hist, 0, n);
    firstValid = n;
    return;
  }
  firstValid = fv;
  fillNaN(dea, 0, fv);
  fillNaN(hist, 0, fv);
  const kf = 2 / <f64>(fn + 1),
    ks = 2 / <f64>(sn + 1),
    kg = 2 / <f64>(gn + 1);
  let sum: f64 = 0;
  for (let i = 0; i < sn; i++) sum += getF64(close, i);
  let slow = sum / <f64>sn;
  sum = 0;
  for (let i = sn - fn; i < sn; i++) sum += getF64(close, i);
  let fast = sum / <f64>fn;
  setF64(dif, firstDif, fast - slow);
  for (let i = sn; i <= fv; i++) {
    const x = getF64(close, i);
    fast = (x - fast) * kf + fast;
    slow = (x - slow) * ks + slow;
    setF64(dif, i, fast - slow);
  }
  sum = 0;
  for (let i = firstDif; i <= fv; i++) sum += getF64(dif, i);
  let e = sum / <f64>gn;
  setF64(dea, fv, e);
  setF64(hist, fv, scale * (getF64(dif, fv) - e));
  for (let i = fv + 1; i < n; i++) {
    const x = getF64(close, i);
    fast = (x - fast) * kf + fast;
    slow = (x - slow) * ks + slow;
    const d = fast - slow;
    e = (d - e) * kg + e;
    setF64(dif, i, d);
    setF64(dea, i, e);
    setF64(hist, i, scale * (d - e));
  }
  fillNaN(dif, 0, fv);
}

// ---- Streaming: one close at a time (mirrors MacdStream in src/engines/ts/macd.ts operation for operation). ----

let sFn: i32 = 12,
  sSn: i32 = 26,
  sGn: i32 = 9,
  sSma: bool = false;
let sScale: f64 = 2;
export let sCount: i32 = 0;
export let sFast: f64 = 0;
export let sSlow: f64 = 0;
export let sDea: f64 = 0;
/** sma seed: the first `slow` closes, then the DIF values that seed DEA. */
export let seedCloses: usize = 0;
export let seedDifs: usize = 0;
/** The last point: dif, dea, histogram. */
export let macdOut: usize = 0;

export function macdStreamInit(fn: i32, sn: i32, gn: i32, sma: bool, scale: f64): void {
  sFn = fn;
  sSn = sn;
  sGn = gn;
  sSma = sma;
  sScale = scale;
  sCount = 0;
  seedCloses = heap.alloc(<usize>max(sn << 3, 16));
  seedDifs = heap.alloc(<usize>max(gn << 3, 16));
  macdOut = heap.alloc(32);
}

function out(d: f64, e: f64, h: f64): void {
  setF64(macdOut, 0, d);
  setF64(macdOut, 1, e);
  setF64(macdOut, 2, h);
}

export function macdPush(x: f64): void {
  const i = sCount++;
  if (!sSma) {
    if (i == 0) {
      sFast = x;
      sSlow = x;
      sDea = 0;
      out(0, 0, sScale * (0.0 - 0.0));
      return;
    }
    sFast = (2 * x + <f64>(sFn - 1) * sFast) / <f64>(sFn + 1);
    sSlow = (2 * x + <f64>(sSn - 1) * sSlow) / <f64>(sSn + 1);
    const d = sFast - sSlow;
    sDea = (2 * d + <f64>(sGn - 1) * sDea) / <f64>(sGn + 1);
    out(d, sDea, sScale * (d - sDea));
    return;
  }
  const firstDif = sSn - 1,
    fv = sSn + sGn - 2;
  const kf = 2 / <f64>(sFn + 1),
    ks = 2 / <f64>(sSn + 1),
    kg = 2 / <f64>(sGn + 1);
  if (i < sSn) setF64(seedCloses, i, x);
  if (i < firstDif) {
    out(NaN, NaN, NaN);
    return;
  }
  if (i == firstDif) {
    let sum: f64 = 0;
    for (let j = 0; j < sSn; j++) sum += getF64(seedCloses, j);
    sSlow = sum / <f64>sSn;
    sum = 0;
    for (let j = sSn - sFn; j < sSn; j++) sum += getF64(seedCloses, j);
    sFast = sum / <f64>sFn;
  } else {
    sFast = (x - sFast) * kf + sFast;
    sSlow = (x - sSlow) * ks + sSlow;
  }
  const d = sFast - sSlow;
  if (i <= fv) setF64(seedDifs, i - firstDif, d);
  if (i < fv) {
    out(NaN, NaN, NaN);
    return;
  }
  if (i == fv) {
    let sum: f64 = 0;
    for (let j = 0; j < sGn; j++) sum += getF64(seedDifs, j);
    sDea = sum / <f64>sGn;
  } else {
    sDea = (d - sDea) * kg + sDea;
  }
  out(d, sDea, sScale * (d - sDea));
}

/** Restores the state saved before a bar (the seed buffers are indexed by bar, so they need no undo). */
export function macdRestore(count: i32, fast: f64, slow: f64, dea: f64): void {
  sCount = count;
  sFast = fast;
  sSlow = slow;
  sDea = dea;
}
