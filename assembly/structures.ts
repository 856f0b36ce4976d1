// The structures stage (batch): pivots and buy/sell points of the pen level (lines: the pens, parents:
// the segments) and of the segment level (lines: the segments, parents: the segments of segments);
// twin of src/core/structures/index.ts (structureColumns). Reads the pen lines (pen-lines.ts), the
// segment stage's records and the raw high/low; writes pivot and point columns.
import * as S from './layout';
import { alloc, getF64, getI32, getI8, setF64, setI32 } from './mem';
import { UP } from './merge';
import { lBegin, lBeginRaw, lConfirmed, lEnd, lEndRaw, lHigh, lLow, lPeak } from './pen-lines';
import { pCount, pDir } from './pens';
import { buildPivots, Lines, parentsOf, Pivots } from './pivots';
import { buildPoints, Points, SIDE_OPTIONS } from './points';
import { added, segsegs } from './segments';

/** f64 options the host writes before a run: pen level (buy, sell), segment level (buy, sell), combine. */
export const STRUCTURE_OPTIONS: i32 = 4 * SIDE_OPTIONS + 1;

let zPen = changetype<Pivots>(0),
  zSeg = changetype<Pivots>(0),
  bPen = changetype<Points>(0),
  bSeg = changetype<Points>(0);
let built = false;

/** No structures (a run without the stage): the table's counts then read 0. */
export function clearStructures(): void {
  built = false;
}

/** Both levels' pivots and points; `opt`: the options block, `high`/`low`: the raw bars. */
export function buildStructures(opt: usize, high: usize, low: usize): void {
  const combine = getF64(opt, 4 * SIDE_OPTIONS) != 0;
  const pens = new Lines(pCount, pDir, lLow, lHigh, lBegin, lEnd, lBeginRaw, lEndRaw, lConfirmed, lPeak);
  const segs = added;
  const pp = parentsOf(segs.count, segs.start, segs.end, segs.dir, segs.confirmed, pens.n);
  zPen = buildPivots(pens, pp, combine);
  bPen = buildPoints(pens, pp, zPen, opt);
  const lines = segmentLines(pens, high, low);
  const sp = parentsOf(segsegs.count, segsegs.start, segsegs.end, segsegs.dir, segsegs.confirmed, lines.n);
  zSeg = buildPivots(lines, sp, combine);
  bSeg = buildPoints(lines, sp, zSeg, opt + ((<usize>(2 * SIDE_OPTIONS)) << 3));
  built = true;
}

/**
 * The pen-level structures of lines and parents the host wrote (column addresses from scratch()),
 * with the pen level's options from the block: the stage alone, for the rules' hand-worked tests.
 */
export function levelStructures(
  n: i32,
  dir: usize,
  low: usize,
  high: usize,
  begin: usize,
  end: usize,
  beginRaw: usize,
  endRaw: usize,
  confirmed: usize,
  metric: usize,
  m: i32,
  start: usize,
  stop: usize,
  parentDir: usize,
  parentConfirmed: usize,
  opt: usize,
): void {
  const l = new Lines(n, dir, low, high, begin, end, beginRaw, endRaw, confirmed, metric);
  const p = parentsOf(m, start, stop, parentDir, parentConfirmed, n);
  zPen = buildPivots(l, p, getF64(opt, 4 * SIDE_OPTIONS) != 0);
  bPen = buildPoints(l, p, zPen, opt);
  zSeg = new Pivots(0);
  bSeg = new Points(0);
  built = true;
}

/**
 * The segments as lines (core/structures/lines.ts, segmentLines): prices of their first and last
 * pens, low and high from the raw bars at their ends, and their metric, the "slope".
 */
function segmentLines(pens: Lines, high: usize, low: usize): Lines {
  const segs = added;
  const n = segs.count;
  const l = new Lines(
    n,
    segs.dir,
    alloc(n << 3),
    alloc(n << 3),
    alloc(n << 3),
    alloc(n << 3),
    alloc(n << 2),
    alloc(n << 2),
    segs.confirmed,
    alloc(n << 3),
  );
  for (let i = 0; i < n; i++) {
    const sp = getI32(segs.start, i),
      ep = getI32(segs.end, i);
    const up = getI8(segs.dir, i) == UP;
    const b = getI32(pens.beginRaw, sp),
      e = getI32(pens.endRaw, ep);
    const hb = getF64(high, b),
      lb = getF64(low, b),
      he = getF64(high, e),
      le = getF64(low, e);
    setF64(l.begin, i, getF64(pens.begin, sp));
    setF64(l.end, i, getF64(pens.end, ep));
    setF64(l.low, i, up ? lb : le);
    setF64(l.high, i, up ? he : hb);
    setI32(l.beginRaw, i, b);
    setI32(l.endRaw, i, e);
    const k = <f64>(e - b + 1);
    // A difference, then two divisions, in this order (equal bits with chan.py).
    setF64(l.metric, i, up ? (he - lb) / he / k : (hb - le) / hb / k);
  }
  return l;
}

/** The structure slots of the output table (left 0 after a run without the stage). */
export function writeStructureSlots(t: usize): void {
  if (!built) return;
  setI32(t, S.slot_zpCount, zPen.count);
  setI32(t, S.slot_zsCount, zSeg.count);
  setI32(t, S.slot_bpCount, bPen.count);
  setI32(t, S.slot_bsCount, bSeg.count);
  setI32(t, S.slot_zpOwner, <i32>zPen.owner);
  setI32(t, S.slot_zsOwner, <i32>zSeg.owner);
  pivotSlots(
    t,
    zPen,
    S.slot_zpBegin,
    S.slot_zpEnd,
    S.slot_zpBeginRaw,
    S.slot_zpEndRaw,
    S.slot_zpLow,
    S.slot_zpHigh,
    S.slot_zpMid,
    S.slot_zpPeakLow,
    S.slot_zpPeakHigh,
    S.slot_zpConfirmed,
  );
  pivotSlots(
    t,
    zSeg,
    S.slot_zsBegin,
    S.slot_zsEnd,
    S.slot_zsBeginRaw,
    S.slot_zsEndRaw,
    S.slot_zsLow,
    S.slot_zsHigh,
    S.slot_zsMid,
    S.slot_zsPeakLow,
    S.slot_zsPeakHigh,
    S.slot_zsConfirmed,
  );
  pointSlots(t, bPen, S.slot_bpLine, S.slot_bpTypes, S.slot_bpRelate, S.slot_bpRate, S.slot_bpHasRate);
  pointSlots(t, bSeg, S.slot_bsLine, S.slot_bsTypes, S.slot_bsRelate, S.slot_bsRate, S.slot_bsHasRate);
}

function pivotSlots(
  t: usize,
  z: Pivots,
  begin: i32,
  end: i32,
  beginRaw: i32,
  endRaw: i32,
  low: i32,
  high: i32,
  mid: i32,
  peakLow: i32,
  peakHigh: i32,
  confirmed: i32,
): void {
  setI32(t, begin, <i32>z.begin);
  setI32(t, end, <i32>z.end);
  setI32(t, beginRaw, <i32>z.beginRaw);
  setI32(t, endRaw, <i32>z.endRaw);
  setI32(t, low, <i32>z.low);
  setI32(t, high, <i32>z.high);
  setI32(t, mid, <i32>z.mid);
  setI32(t, peakLow, <i32>z.peakLow);
  setI32(t, peakHigh, <i32>z.peakHigh);
  setI32(t, confirmed, <i32>z.confirmed);
}

function pointSlots(t: usize, b: Points, line: i32, types: i32, relate: i32, rate: i32, hasRate: i32): void {
  setI32(t, line, <i32>b.line);
  setI32(t, types, <i32>b.types);
  setI32(t, relate, <i32>b.relate);
  setI32(t, rate, <i32>b.rate);
  setI32(t, hasRate, <i32>b.hasRate);
}
