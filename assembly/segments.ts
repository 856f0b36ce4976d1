// Segments (线段) from pens by the feature sequence, then the provisional leftovers; twin of
// src/engines/ts/segments.ts. One implementation for both uses: a batch run (buildSegments: every
// pen, nothing becomes final) and streaming (segStreamUpdate: resumes after the final segments, as
// SegmentState does in TS). Nothing is allocated per build: the feature sequences are reused
// objects and the columns (segment-columns.ts) grow geometrically (the streaming heap is never
// reset). The stores only streaming uses are in segment-memo.ts.
import { getF64, getI32, getI8 } from './mem';
import { pCount, pDir, pEnd, pFlags, pStart, tailBuf } from './pens';
import {
  beginOf,
  dirOf,
  DOWN,
  endOf,
  FeatureFractal,
  finalPens,
  growView,
  highOf,
  lowOf,
  maxRead,
  nPens,
  sDir,
  sHigh,
  sLow,
  sBegin,
  sEnd,
  sSure,
  UP,
  vCap,
  vFinal,
  viewSet,
  viewSetLine,
} from './feature-sequence';
import { mHigh, mHighApex, mLow, mLowApex } from './merge';
import { forgetStored, memoInit, PEAK_SLOTS, PeakScan, peaks, Scan, SCAN_SLOTS, scans, storePeak } from './segment-memo';
import { SegmentColumns } from './segment-columns';

// Allocated by segStateInit (a batch run resets the heap first, so not at module start).
/** Final segments: no pen to come can change them. */
export let finals: SegmentColumns = changetype<SegmentColumns>(0);
/** The segments this build added (a batch run's whole output). */
export let added: SegmentColumns = changetype<SegmentColumns>(0);
/** The build's list is final segments 0..baseLen-1 then the added ones (the leftover pass may drop a final one). */
export let baseLen: i32 = 0;
/** The pen where the search for the next segment resumes. */
export let resumeBegin: i32 = 0;

function segCount(): i32 {
  return baseLen + added.count;
}
function segEndAt(i: i32): i32 {
  return i < baseLen ? getI32(finals.end, i) : getI32(added.end, i - baseLen);
}
function segDirAt(i: i32): i32 {
  return i < baseLen ? getI8(finals.dir, i) : getI8(added.dir, i - baseLen);
}
function segConfirmedAt(i: i32): bool {
  return (i < baseLen ? getI8(finals.confirmed, i) : getI8(added.confirmed, i - baseLen)) != 0;
}
function lastEndPen(): i32 {
  return segEndAt(segCount() - 1);
}

function popSegment(): void {
  if (added.count > 0) added.count--;
  else baseLen--;
}

/** The added segments become final (the list is then all final: commits happen before any pop). */
function commit(): void {
  finals.append(added);
  added.count = 0;
  baseLen = finals.count;
}

// The two feature sequences of a search (reused by every search).
let upFx: FeatureFractal | null = null;
let downFx: FeatureFractal | null = null;

/** Empty state with room for `cap` pens (a batch run calls it after the heap reset; streaming once). */
function segStateInit(cap: i32): void {
  nPens = vCap = vFinal = 0;
  baseLen = resumeBegin = finalPens = 0;
  cap = max(cap, 1);
  growView(cap);
  finals = new SegmentColumns();
  added = new SegmentColumns();
  added.grow(cap);
  segsegs = new SegmentColumns();
  upFx = new FeatureFractal();
  downFx = new FeatureFractal();
}

/** No segments (benchmarking the earlier stages): empty output. */
export function buildSegments0(): void {
  segStateInit(1);
}

/** All segments of the pens (with their virtual tail) into `added`. */
export function buildSegments(): void {
  segStateInit(pCount);
  for (let i = 0; i < pCount; i++) viewSet(i, getI32(pStart, i), getI32(pEnd, i), getI8(pDir, i), getI8(pFlags, i));
  nPens = pCount;
  build();
}

/** The segments of segments of a batch run (the segment rules on the segments), after buildSegments. */
export let segsegs: SegmentColumns = changetype<SegmentColumns>(0);

/**
 * Runs the segment rules on the segments `added` holds, each segment playing a pen: an up segment's
 * low is its start raw bar's low and its high its end raw bar's high (a down segment the reverse),
 * its values are its prices, `sure` its confirmed flag. The result goes to `segsegs`; `added` keeps
 * the segments. `high`, `low`: the raw bars' columns.
 */
export function buildSegmentsOfSegments(high: usize, low: usize): void {
  const segs = added;
  const n = segs.count;
  segStateInit(n);
  for (let i = 0; i < n; i++) {
    const a = getI32(segs.start, i),
      b = getI32(segs.end, i);
    const aUp = getI8(pDir, a) == UP,
      bUp = getI8(pDir, b) == UP;
    const sk = getI32(pStart, a),
      ek = getI32(pEnd, b);
    const startRaw = aUp ? getI32(mLowApex, sk) : getI32(mHighApex, sk);
    const endRaw = bUp ? getI32(mHighApex, ek) : getI32(mLowApex, ek);
    const up = getI8(segs.dir, i) == UP;
    viewSetLine(
      i,
      up ? UP : DOWN,
      up ? getF64(high, endRaw) : getF64(high, startRaw),
      up ? getF64(low, startRaw) : getF64(low, endRaw),
      aUp ? getF64(mLow, sk) : getF64(mHigh, sk),
      bUp ? getF64(mHigh, ek) : getF64(mLow, ek),
      getI8(segs.confirmed, i) != 0,
    );
  }
  nPens = n;
  build();
  segsegs = added;
  added = segs;
}

function build(): void {
  baseLen = finals.count;
  added.count = 0;
  maxRead = -1;
  confirmFrom(resumeBegin);
  collectLeftover();
}

// ---- Streaming (the host mirrors SegmentState through these; see src/engines/wasm/kernel.ts). ----

export function segStreamInit(cap: i32): void {
  segStateInit(cap);
  memoInit();
}

/**
 * Resumes on the pens now: every confirmed pen but the last is final; then the `nTail` pens
 * penTail() wrote to tailBuf. The result: final segments 0..baseLen-1, then `added`.
 */
export function segStreamUpdate(nTail: i32): void {
  const nFinal = max(0, pCount - 1);
  growView(nFinal + nTail + 1);
  for (let j = vFinal; j < nFinal; j++) viewSet(j, getI32(pStart, j), getI32(pEnd, j), getI8(pDir, j), getI8(pFlags, j));
  vFinal = nFinal;
  for (let j = 0; j < nTail; j++) {
    const t = tailBuf + ((<usize>(j << 2)) << 2);
    viewSet(nFinal + j, load<i32>(t), load<i32>(t, 4), load<i32>(t, 8), load<i32>(t, 12));
  }
  nPens = nFinal + nTail;
  finalPens = nFinal;
  build();
}

/** Back to a mark's state (after penRestore): `count` final segments, resuming at `begin`. */
export function segRestore(count: i32, begin: i32): void {
  finals.count = count;
  resumeBegin = begin;
  const v = min(vFinal, max(0, pCount - 1));
  if (v < vFinal) forgetStored();
  vFinal = v;
}

/** Drops the first `ds` final segments and re-indexes after the first `dp` pens were dropped (streaming window). */
export function segDrop(dp: i32, ds: i32): void {
  finals.shift(ds, dp);
  added.shift(0, dp);
  baseLen = max(0, baseLen - ds);
  const v = max(0, vFinal - dp);
  memory.copy(sDir, sDir + <usize>dp, <usize>v);
  memory.copy(sSure, sSure + <usize>dp, <usize>v);
  memory.copy(sHigh, sHigh + ((<usize>dp) << 3), (<usize>v) << 3);
  memory.copy(sLow, sLow + ((<usize>dp) << 3), (<usize>v) << 3);
  memory.copy(sBegin, sBegin + ((<usize>dp) << 3), (<usize>v) << 3);
  memory.copy(sEnd, sEnd + ((<usize>dp) << 3), (<usize>v) << 3);
  vFinal = v;
  resumeBegin -= dp;
  forgetStored();
}

/** Room for `count` final segments, then the counts (restore from a blob: the host writes the final columns). */
export function segSetState(count: i32, begin: i32): void {
  finals.count = 0;
  finals.grow(count + 1);
  finals.count = count;
  baseLen = count;
  added.count = 0;
  resumeBegin = begin;
  vFinal = 0; // recomputed from the pens at the next update
  forgetStored();
}

// ---- The search (mirrors SegmentBuilder in src/engines/ts/segments.ts). ----

/** The search restarts at `begin`: if nothing read so far can change, make that permanent. */
function restartAt(begin: i32): void {
  if (maxRead >= finalPens) return;
  commit();
  resumeBegin = begin;
}

function confirmFrom(begin: i32): void {
  // Set when the last end was confirmed by the reverse sequence (case 2): that sequence is the
  // next search's, already run with its own end test (canBeEnd recursed into it).
  let next: FeatureFractal | null = null;
  for (;;) {
    let fx: FeatureFractal;
    let test: i32;
    if (next !== null) {
      fx = next;
      test = fx.endTest;
    } else {
      const found = scanFrom(begin);
      if (found === null) return;
      fx = found;
      test = fx.canBeEnd();
    }
    next = null;
    const endPen = fx.e1.peakPenIndex();
    const endCase = fx.e1.gap ? 2 : 1;
    if (!addSegment(endPen, test == 1 && fx.allSure(), 0, true, endCase)) {
      begin = endPen + 1;
      restartAt(begin);
      continue;
    }
    if (test != 1) return;
    begin = endPen + 1;
    restartAt(begin);
    // The scan from `begin` after this segment feeds the sequence against it with the pens from
    // endPen + 2 on, as findReverseFractal(endPen + 2) did.
    if (fx.e1.gap) next = fx.reverse;
  }
}

/**
 * Feeds pens from `begin` to the two feature sequences until one forms its fractal (returned).
 * Streaming rebuilds repeat the same scan over the same final pens on every bar, so the scan's
 * state on reaching the first non-final pen is stored and reused while it read only final pens.
 */
function scanFrom(begin: i32): FeatureFractal | null {
  const up = (upFx as FeatureFractal).restart(UP);
  const down = (downFx as FeatureFractal).restart(DOWN);
  const first = segCount() == 0;
  const lastDir0 = first ? 0 : segDirAt(segCount() - 1);
  let lastDir = lastDir0;
  let found: FeatureFractal | null = null;
  let i = begin;
  const outerRead = maxRead;
  maxRead = -1;
  // Only a scan that starts on final pens can be stored (none in a batch run).
  const s: Scan | null = begin < finalPens ? unchecked(scans[begin & (SCAN_SLOTS - 1)]) : null;
  const scanned = s !== null && s.begin == begin && s.lastDir0 == lastDir0;
  if (s !== null && scanned) {
    // A stored fractal ends the scan: only its sequence is read after.
    if (s.found != DOWN) up.copyFrom(s.up);
    if (s.found != UP) down.copyFrom(s.down);
    lastDir = s.lastDir;
    maxRead = s.maxRead;
    i = s.next;
    if (s.found != 0) found = s.found == UP ? up : down;
  }
  for (; i < nPens && found === null; i++) {
    // Store as late as possible before the first non-final pen (a pen's check reads up to 3 ahead).
    if (s !== null && i + 3 >= finalPens && i <= finalPens && maxRead < finalPens && !(scanned && s.next >= i))
      s.store(begin, lastDir0, i, lastDir, 0, up, down);
    const d = dirOf(i);
    if (d == DOWN && lastDir != UP) {
      if (up.add(i)) found = up;
    } else if (d == UP && lastDir != DOWN) {
      if (down.add(i)) found = down;
    }
    if (first) {
      // Direction of the first segment: whichever feature sequence gets a second element first.
      if (up.has1 && d == DOWN) {
        lastDir = DOWN;
        down.clear();
      } else if (down.has1 && d == UP) {
        up.clear();
        lastDir = UP;
      }
      if (!up.has1 && lastDir == DOWN && d == DOWN) lastDir = 0;
      else if (!down.has1 && lastDir == UP && d == UP) lastDir = 0;
    }
    if (s !== null && found !== null && maxRead < finalPens) s.store(begin, lastDir0, i + 1, lastDir, found === up ? UP : DOWN, up, down);
  }
  if (outerRead > maxRead) maxRead = outerRead;
  return found;
}

function addSegment(end: i32, confirmed: bool, dir: i32, splitFirst: bool, endCase: i32): bool {
  if (segCount() == 0 && splitFirst && end >= 3) {
    const isHigh = dirOf(end) == DOWN;
    const peak = findPeak(end - 3, -1, -1, isHigh);
    if (peak >= 0) {
      if (peak == 0 || (dirOf(peak) == DOWN ? lowOf(peak) < lowOf(0) : highOf(peak) > highOf(0))) {
        addSegment(peak, false, dirOf(peak), true, 0);
        addSegment(end, false, 0, true, endCase);
        return true;
      }
    }
  }
  const start = segCount() == 0 ? 0 : lastEndPen() + 1;
  const segDir = dir != 0 ? dir : dirOf(end);
  if (end - start < 2) confirmed = false;
  if (confirmed) {
    const ok = segDir == DOWN ? beginOf(start) >= endOf(end) : beginOf(start) <= endOf(end);
    if (!ok) return false;
  }
  // Only a confirmed segment has been ended: a provisional one has no end case yet.
  added.push(start, end, segDir, confirmed, confirmed ? endCase : 0);
  return true;
}

function findPeak(from: i32, to: i32, step: i32, isHigh: bool): i32 {
  let best = isHigh ? -Infinity : Infinity;
  let peak = -1;
  let i = from;
  // The leftover's forward searches run over the same final pens on every streaming rebuild: the
  // part over final pens (it reads pens i and i - 2) is stored and resumed (none in a batch run).
  const key = (from << 1) | (isHigh ? 1 : 0);
  const p: PeakScan | null = step > 0 && to == nPens && from < finalPens ? unchecked(peaks[key & (PEAK_SLOTS - 1)]) : null;
  if (p !== null && p.key == key) {
    best = p.best;
    peak = p.peak;
    i = p.upto;
  }
  for (; step > 0 ? i < to : i > to; i += step) {
    if (p !== null && i == finalPens) storePeak(p, key, i, best, peak);
    const d = dirOf(i),
      v = endOf(i);
    if (isHigh ? d == UP && v >= best : d == DOWN && v <= best) {
      if (i >= 2 && (isHigh ? endOf(i - 2) > v : endOf(i - 2) < v)) continue;
      best = v;
      peak = i;
    }
  }
  if (p !== null && i == finalPens) storePeak(p, key, i, best, peak);
  return peak;
}

function collectLeftover(): void {
  const n = nPens;
  if (segCount() == 0) {
    if (n < 3) return;
    let hi = -Infinity,
      lo = Infinity;
    for (let i = 0; i < n; i++) {
      if (highOf(i) > hi) hi = highOf(i);
      if (lowOf(i) < lo) lo = lowOf(i);
    }
    const b0 = beginOf(0);
    const up = Math.abs(hi - b0) >= Math.abs(lo - b0);
    const peak = findPeak(0, n, 1, up);
    addSegment(peak, false, up ? UP : DOWN, false, 0);
    collectAsOne();
    return;
  }
  collectAfterLast();
  if (n > 0 && segCount() > 0 && n - 1 - lastEndPen() > 2 && !segConfirmedAt(segCount() - 1)) {
    popSegment();
    collectLeftover();
  }
}

function collectAfterLast(): void {
  const lastPen = nPens - 1;
  const endPen = lastEndPen();
  if (lastPen - endPen < 3) return;
  if (dirOf(endPen) == DOWN && endOf(lastPen) <= endOf(endPen)) {
    const peak = findPeak(endPen + 3, nPens, 1, true);
    if (peak >= 0) {
      addSegment(peak, false, UP, true, 0);
      collectLeftover();
    }
  } else if (dirOf(endPen) == UP && endOf(lastPen) >= endOf(endPen)) {
    const peak = findPeak(endPen + 3, nPens, 1, false);
    if (peak >= 0) {
      addSegment(peak, false, DOWN, true, 0);
      collectLeftover();
    }
  } else {
    collectByPeaks(endPen);
  }
}

function collectByPeaks(endPen: i32): void {
  for (;;) {
    const up = dirOf(endPen) == DOWN;
    const peak = findPeak(endPen + 3, nPens, 1, up);
    if (peak < 0 || peak - endPen < 3) break;
    addSegment(peak, false, up ? UP : DOWN, true, 0);
    endPen = lastEndPen();
  }
  collectAsOne();
}

function collectAsOne(): void {
  const endPen = lastEndPen();
  if (endPen + 1 >= nPens) return;
  const tail = nPens - 1;
  addSegment(dirOf(endPen) == dirOf(tail) ? tail - 1 : tail, false, 0, true, 0);
}
