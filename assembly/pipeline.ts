// The batch pipeline; twin of src/engines/ts/pipeline.ts. The host calls prepare(n), writes
// high/low/close, calls run(...), then reads the result through layout(). Every run starts from an
// empty heap. Merging, fractals and pens run as one loop over the bars (mergeAll).
import { alloc, getF64, setF64, setI32, setI8 } from './mem';
import {
  slot_dea,
  slot_dif,
  slot_firstValid,
  slot_hist,
  slot_lBegin,
  slot_lBeginRaw,
  slot_lConfirmed,
  slot_lEnd,
  slot_lEndRaw,
  slot_lHigh,
  slot_lLow,
  slot_lPeak,
} from './layout';
import { layoutTable, writeStageSlots } from './table';
import { firstValid, macdFirstClose, macdSmaSeed } from './macd';
import { addFractal, BOTTOM, DOWN, mDir, mEnd, mFx, mHigh, mHighApex, mLow, mLowApex, mStart, mergeInit, setCount, TOP, UP } from './merge';
import { lBegin, lBeginRaw, lConfirmed, lEnd, lEndRaw, lHigh, lLow, lPeak, buildPenLines, clearPenLines } from './pen-lines';
import { penAddVirtualTail, penInit, penOnClassified } from './pens';
import { buildSegments, buildSegments0, buildSegmentsOfSegments } from './segments';
import { buildStructures, clearStructures, STRUCTURE_OPTIONS, writeStructureSlots } from './structures';

let n: i32 = 0;
let inHigh: usize = 0;
let inLow: usize = 0;
let inClose: usize = 0;
let inOptions: usize = 0;
let dif: usize = 0;
let dea: usize = 0;
let hist: usize = 0;
let table: usize = 0;

// Stage bits of run(); the engine passes all six (STRUCTURES when they are on), benchmarks subsets.
const MERGE: i32 = 1,
  PENS: i32 = 2,
  SEGMENTS: i32 = 4,
  MACD: i32 = 8,
  LINES: i32 = 16,
  STRUCTURES: i32 = 32;

/** Resets the heap and reserves room for n bars; returns the address of high[0] (low and close follow). */
export function prepare(bars: i32): usize {
  __reset();
  n = bars;
  table = layoutTable();
  inHigh = alloc(bars << 3);
  inLow = alloc(bars << 3);
  inClose = alloc(bars << 3);
  inOptions = alloc(STRUCTURE_OPTIONS << 3);
  return inHigh;
}

/** Byte offset from high[0] to low[0] and to close[0] (allocations are padded to 16 bytes). */
export function lowOffset(): usize {
  return inLow - inHigh;
}
export function closeOffset(): usize {
  return inClose - inHigh;
}
/** `bytes` of the run's heap (the structure tests' lines; see structures.ts: levelStructures). */
export function scratch(bytes: i32): usize {
  return alloc(bytes);
}

/** Byte offset from high[0] to the structure options (structures.ts: STRUCTURE_OPTIONS f64). */
export function structureOptionsOffset(): usize {
  return inOptions - inHigh;
}

/**
 * Runs the pipeline. penDef: 0 new_3kline, 1 traditional; fxCheck: 0 strict, 1 half, 2 loss;
 * seed: 0 first_close, 1 sma. `stages` selects MERGE (merged bars + fractals), PENS, SEGMENTS, MACD
 * LINES (the pens as lines: the result's pen columns and the structures' pens) and STRUCTURES
 * (pivots and points, with the options the host wrote); each needs the stages before it. Subsets
 * exist for benchmarks.
 */
export function run(
  penDef: i32,
  minK: i32,
  fxCheck: i32,
  endIsPeak: i32,
  fast: i32,
  slow: i32,
  signal: i32,
  seed: i32,
  scale: f64,
  stages: i32,
): void {
  mergeInit(n);
  penInit(n + 1, penDef == 1, minK, fxCheck, endIsPeak != 0);
  if ((stages & MERGE) != 0) mergeAll(n, inHigh, inLow, (stages & PENS) != 0);
  penAddVirtualTail();
  if ((stages & SEGMENTS) != 0) {
    buildSegments();
    buildSegmentsOfSegments(inHigh, inLow);
  } else buildSegments0();
  dif = alloc(n << 3);
  dea = alloc(n << 3);
  hist = alloc(n << 3);
  clearPenLines();
  clearStructures();
  if ((stages & MACD) == 0) return;
  if (seed == 1) macdSmaSeed(n, inClose, dif, dea, hist, fast, slow, signal, scale);
  else macdFirstClose(n, inClose, dif, dea, hist, fast, slow, signal, scale);
  if ((stages & LINES) == 0) return;
  buildPenLines(hist);
  if ((stages & STRUCTURES) != 0) buildStructures(inOptions, inHigh, inLow);
}

/** The output table (layout.ts): merged bars, pens, segments and the MACD columns of the last run. */
export function layout(): usize {
  const t = table;
  writeStageSlots(t);
  setI32(t, slot_dif, <i32>dif);
  setI32(t, slot_dea, <i32>dea);
  setI32(t, slot_hist, <i32>hist);
  setI32(t, slot_firstValid, firstValid);
  setI32(t, slot_lBegin, <i32>lBegin);
  setI32(t, slot_lEnd, <i32>lEnd);
  setI32(t, slot_lLow, <i32>lLow);
  setI32(t, slot_lHigh, <i32>lHigh);
  setI32(t, slot_lBeginRaw, <i32>lBeginRaw);
  setI32(t, slot_lEndRaw, <i32>lEndRaw);
  setI32(t, slot_lConfirmed, <i32>lConfirmed);
  setI32(t, slot_lPeak, <i32>lPeak);
  writeStructureSlots(t);
  return t;
}

/**
 * Merges all n raw bars. The open merged bar lives in locals and is written back when the next one
 * opens (and at the end); a new bar is written with its initial values at once, because the
 * fractal of the bar before it, and the pen checks made at that moment, use those values.
 * With `withPens`, the pen stage is fed every merged bar classified as a fractal.
 */
function mergeAll(n: i32, inHigh: usize, inLow: usize, withPens: bool): void {
  let kh = getF64(inHigh, 0),
    kl = getF64(inLow, 0),
    kd = UP,
    k = 0,
    ah = 0,
    al = 0;
  setF64(mHigh, 0, kh);
  setF64(mLow, 0, kl);
  setI8(mDir, 0, UP);
  setI8(mFx, 0, 0);
  setI32(mStart, 0, 0);
  for (let i = 1; i < n; i++) {
    const h = getF64(inHigh, i),
      l = getF64(inLow, i);
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
      const ph = getF64(mHigh, f - 1),
        pl = getF64(mLow, f - 1);
      const fh = getF64(mHigh, f),
        fl = getF64(mLow, f);
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
