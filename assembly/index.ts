// WASM entry: the host calls prepare(n), writes high/low/close, calls run(...), then reads the
// result through layout(). Every run starts from an empty heap.
import { alloc, setI32 } from './mem';
import { mergeAll } from './merge';
import { mCount, mDir, mEnd, mFractalCount, mFractals, mFx, mHigh, mHighApex, mLow, mLowApex, mStart, mergeInit } from './merged';
import { penAddVirtualTail, penInit, pCount, pDir, pEnd, pFlags, pStart } from './pens';
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

// Streaming (a separate instance per analyzer; never mixed with prepare/run in one instance).
export { streamInit, streamStep, streamLoaded, streamDrop, streamLayout } from './kernel';
export { penSetState } from './pens';
export { mergeSetCounts, mergeReserve } from './merged';
export { macdRestore } from './macd';
export { segSetState } from './segments';
