// Streaming entry: one instance per analyzer, fed one bar at a time. Merged bars, fractals, pens, MACD
// and segments (resumed after the final ones) keep their state in linear memory between calls; the
// host (src/engines/wasm/kernel.ts) reads results through streamLayout().
import { alloc, getF64, getI32, getI8, setF64, setI32 } from './mem';
import {
  slot_baseLen,
  slot_events,
  slot_free,
  slot_freeCount,
  slot_lastEnd,
  slot_macdCount,
  slot_macdOut,
  slot_macdState,
  slot_markF,
  slot_markI,
  slot_nTail,
  slot_resumeBegin,
  slot_seedCloses,
  slot_seedDifs,
  slot_tail,
} from './layout';
import { layoutTable, writeStageSlots } from './table';
import {
  mCount,
  mEnd,
  mFractalCount,
  mFx,
  mHigh,
  mHighApex,
  mLow,
  mLowApex,
  mergeDrop,
  mergePush,
  mergeReserve,
  mergeRestore,
} from './merge';
import { eventBuf, eventsDrop, eventsInit, eventsLoad, eventsRewind, eventsStep } from './events';
import {
  penDrop,
  penRestore,
  penFreeCount,
  penFreeList,
  penLastEnd,
  penOnClassified,
  penReserve,
  penStreamInit,
  penTail,
  pCount,
  pEnd,
  tailBuf,
} from './pens';
import { baseLen, finals, resumeBegin, segDrop, segRestore, segStreamInit } from './segments';
import { macdOut, macdPush, macdRestore, macdStreamInit, sCount, sDea, seedCloses, seedDifs, sFast, sSlow } from './macd';

let table: usize = 0;
let stateF: usize = 0;
/** Pens in tailBuf after the last step. */
let nTail: i32 = 0;
// The state before the last bar, so a replacing step can go back to it (see KernelMark in
// src/engines/ts/kernel.ts). i32 slots: merged count, rawEnd, highApex, lowApex, fx and fractal
// count; pen count, last pen's endK, lastEnd, free count; MACD count; final segments, resumeBegin;
// set (1 once a bar was pushed). f64 slots: merged high, low; MACD fast, slow, dea.
const MARK_I = 14,
  MARK_F = 5;
let markI: usize = 0;
let markF: usize = 0;

/** penDef: 0 new_3kline, 1 traditional; fxCheck: 0 strict, 1 half, 2 loss; seed: 0 first_close, 1 sma. */
export function streamInit(
  capacity: i32,
  penDef: i32,
  minK: i32,
  fxCheck: i32,
  endIsPeak: i32,
  fast: i32,
  slow: i32,
  signal: i32,
  seed: i32,
  scale: f64,
): void {
  table = layoutTable();
  stateF = alloc(4 << 3);
  markI = alloc(MARK_I << 2);
  markF = alloc(MARK_F << 3);
  mergeReserve(capacity);
  penStreamInit(capacity, penDef == 1, minK, fxCheck, endIsPeak != 0);
  macdStreamInit(fast, slow, signal, seed == 1, scale);
  segStreamInit(64);
  eventsInit();
  nTail = 0;
}

/**
 * Feeds raw bar `raw` through every stage, then compares the pens and segments with those
 * published before (see events.ts). Returns the number of event records; the MACD point is at
 * slot_macdOut of the layout table (updated here). `replaced`: this bar replaces the last one (the state
 * goes back to the mark saved before it; the host checks that there is one).
 */
export function streamStep(raw: i32, high: f64, low: f64, close: f64, replaced: i32): i32 {
  if (replaced != 0) restoreMark();
  else saveMark();
  macdPush(close);
  penReserve();
  if (mergePush(raw, high, low) && mCount >= 3) penOnClassified(mCount - 2);
  nTail = penTail();
  eventsStep(nTail, replaced != 0);
  streamLayout();
  return eventBuf.count;
}

/** After a restore from a blob (counts and columns written): the tail, segments and published state. */
export function streamLoaded(mergedBase: i32, penBase: i32, segBase: i32): void {
  nTail = penTail();
  eventsLoad(mergedBase, penBase, segBase, nTail);
  streamLayout();
}

/** Drops the first dm merged bars, dp pens and ds final segments (streaming window). */
export function streamDrop(dm: i32, dp: i32, ds: i32): void {
  const fractals = mFractalCount;
  mergeDrop(dm);
  // The mark follows (its raw indices are global).
  const i = markI;
  setI32(i, 0, getI32(i, 0) - dm);
  setI32(i, 5, getI32(i, 5) - (fractals - mFractalCount));
  setI32(i, 6, getI32(i, 6) - dp);
  setI32(i, 7, getI32(i, 7) - dm);
  setI32(i, 8, getI32(i, 8) - dm);
  setI32(i, 11, getI32(i, 11) - ds);
  setI32(i, 12, getI32(i, 12) - dp);
  penDrop(dm, dp);
  for (let j = 0; j < nTail << 2; j += 4) {
    setI32(tailBuf, j, getI32(tailBuf, j) - dm);
    setI32(tailBuf, j + 1, getI32(tailBuf, j + 1) - dm);
  }
  segDrop(dp, ds);
  eventsDrop(dm, dp, ds);
  streamLayout();
}

function saveMark(): void {
  const i = markI,
    f = markF,
    k = mCount - 1;
  setI32(i, 0, mCount);
  if (k >= 0) {
    setF64(f, 0, getF64(mHigh, k));
    setF64(f, 1, getF64(mLow, k));
    setI32(i, 1, getI32(mEnd, k));
    setI32(i, 2, getI32(mHighApex, k));
    setI32(i, 3, getI32(mLowApex, k));
    setI32(i, 4, getI8(mFx, k));
  }
  setI32(i, 5, mFractalCount);
  setI32(i, 6, pCount);
  setI32(i, 7, pCount > 0 ? getI32(pEnd, pCount - 1) : -1);
  setI32(i, 8, penLastEnd());
  setI32(i, 9, penFreeCount());
  setI32(i, 10, sCount);
  setF64(f, 2, sFast);
  setF64(f, 3, sSlow);
  setF64(f, 4, sDea);
  setI32(i, 11, finals.count);
  setI32(i, 12, resumeBegin);
  setI32(i, 13, 1);
}

function restoreMark(): void {
  const i = markI,
    f = markF;
  eventsRewind(getI32(i, 6), getI32(i, 11));
  mergeRestore(getI32(i, 0), getF64(f, 0), getF64(f, 1), getI32(i, 1), getI32(i, 2), getI32(i, 3), getI32(i, 4), getI32(i, 5));
  penRestore(getI32(i, 6), getI32(i, 7), getI32(i, 8), getI32(i, 9));
  macdRestore(getI32(i, 10), getF64(f, 2), getF64(f, 3), getF64(f, 4));
  segRestore(getI32(i, 11), getI32(i, 12));
}

/** Addresses and counts the host reads (re-read after any call: columns may move when they grow). */
export function streamLayout(): usize {
  const t = table;
  writeStageSlots(t);
  setI32(t, slot_free, <i32>penFreeList());
  setI32(t, slot_freeCount, penFreeCount());
  setI32(t, slot_lastEnd, penLastEnd());
  setI32(t, slot_tail, <i32>tailBuf);
  setI32(t, slot_nTail, nTail);
  setI32(t, slot_macdOut, <i32>macdOut);
  setI32(t, slot_macdCount, sCount);
  setI32(t, slot_macdState, <i32>stateF);
  setI32(t, slot_seedCloses, <i32>seedCloses);
  setI32(t, slot_seedDifs, <i32>seedDifs);
  setI32(t, slot_baseLen, baseLen);
  setI32(t, slot_resumeBegin, resumeBegin);
  setI32(t, slot_events, <i32>eventBuf.p);
  setI32(t, slot_markI, <i32>markI);
  setI32(t, slot_markF, <i32>markF);
  store<f64>(stateF, sFast);
  store<f64>(stateF + 8, sSlow);
  store<f64>(stateF + 16, sDea);
  return t;
}
