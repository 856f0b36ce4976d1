// Streaming entry: one instance per analyzer, fed one bar at a time. Merged bars, fractals, pens, MACD
// and segments (resumed after the final ones) keep their state in linear memory between calls; the
// host (src/wasm/wasm-stream-kernel.ts) reads results through streamLayout().
import { alloc, setI32 } from './mem';
import { mCap, mCount, mDir, mEnd, mFractalCount, mFractals, mFx, mHigh, mHighApex, mLow, mLowApex, mStart, mergePush, mergeReserve } from './merged';
import { penFreeCount, penFreeList, penLastEnd, penOnClassified, penReserve, penStreamInit, penTail, pCount, pDir, pEnd, pFlags, pStart, tailBuf } from './pens';
import { added, baseLen, finals, resumeBegin, segStreamInit, segStreamUpdate } from './segments';
import { macdOut, macdPush, macdStreamInit, sCount, sDea, seedCloses, seedDifs, sFast, sSlow } from './macd';

const LAYOUT_SLOTS = 40;
let table: usize = 0;
let stateF: usize = 0;

/** penDef: 0 new_3kline, 1 traditional; fxCheck: 0 strict, 1 half, 2 loss; seed: 0 first_close, 1 sma. */
export function streamInit(capacity: i32, penDef: i32, minK: i32, fxCheck: i32, endIsPeak: i32, fast: i32, slow: i32, signal: i32, seed: i32, scale: f64): void {
  table = alloc(LAYOUT_SLOTS << 2);
  stateF = alloc(4 << 3);
  mergeReserve(capacity);
  penStreamInit(capacity, penDef == 1, minK, fxCheck, endIsPeak != 0);
  macdStreamInit(fast, slow, signal, seed == 1, scale);
  segStreamInit(64);
}

/** Feeds raw bar `raw`; the MACD point is then at slot 20 of the layout table (updated here). */
export function streamPush(raw: i32, high: f64, low: f64, close: f64): void {
  macdPush(close);
  penReserve();
  if (mergePush(raw, high, low) && mCount >= 3) penOnClassified(mCount - 2);
  streamLayout();
}

/** The provisional tail into the tail buffer (see penTail); returns how many pens. Updates the layout table. */
export function streamTail(): i32 {
  const n = penTail();
  streamLayout();
  return n;
}

/** Segments on the current pens, after streamTail returned `nTail`. Updates the layout table. */
export function streamSegments(nTail: i32): void {
  segStreamUpdate(nTail);
  streamLayout();
}

/** Addresses and counts the host reads (re-read after any call: columns may move when they grow). */
export function streamLayout(): usize {
  const t = table;
  setI32(t, 0, mCount);
  setI32(t, 1, <i32>mHigh);
  setI32(t, 2, <i32>mLow);
  setI32(t, 3, <i32>mDir);
  setI32(t, 4, <i32>mFx);
  setI32(t, 5, <i32>mStart);
  setI32(t, 6, <i32>mEnd);
  setI32(t, 7, <i32>mHighApex);
  setI32(t, 8, <i32>mLowApex);
  setI32(t, 9, <i32>mFractals);
  setI32(t, 10, mFractalCount);
  setI32(t, 11, pCount);
  setI32(t, 12, <i32>pStart);
  setI32(t, 13, <i32>pEnd);
  setI32(t, 14, <i32>pDir);
  setI32(t, 15, <i32>pFlags);
  setI32(t, 16, <i32>penFreeList());
  setI32(t, 17, penFreeCount());
  setI32(t, 18, penLastEnd());
  setI32(t, 19, <i32>tailBuf);
  setI32(t, 20, <i32>macdOut);
  setI32(t, 21, sCount);
  setI32(t, 22, <i32>stateF);
  setI32(t, 23, <i32>seedCloses);
  setI32(t, 24, <i32>seedDifs);
  setI32(t, 25, mCap);
  finals.layout(t, 26);
  setI32(t, 32, baseLen);
  added.layout(t, 33);
  setI32(t, 39, resumeBegin);
  store<f64>(stateF, sFast);
  store<f64>(stateF + 8, sSlow);
  store<f64>(stateF + 16, sDea);
  return t;
}
