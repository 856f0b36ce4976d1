// MACD; mirrors src/core/macd.ts operation for operation (bit-identical results).
import { getF64, setF64 } from './mem';

export let firstValid: i32 = 0;

export function macdFirstClose(n: i32, close: usize, dif: usize, dea: usize, hist: usize, fn: i32, sn: i32, gn: i32, scale: f64): void {
  firstValid = 0;
  const fnm = <f64>(fn - 1), fnp = <f64>(fn + 1);
  const snm = <f64>(sn - 1), snp = <f64>(sn + 1);
  const gnm = <f64>(gn - 1), gnp = <f64>(gn + 1);
  let fast = getF64(close, 0), slow = fast, d: f64 = 0, e: f64 = 0;
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
  const kf = 2 / <f64>(fn + 1), ks = 2 / <f64>(sn + 1), kg = 2 / <f64>(gn + 1);
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
