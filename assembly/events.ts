// Streaming events: after each bar the pens and segments are compared with those published after
// the previous bar, and what changed is written as event records for the host to turn into
// objects. Twin of src/engines/ts/events.ts (the TS kernel's); the record layout is defined in src/core/events.ts.
// Shapes hold what a Pen or Segment is built from (the host adds times from its bars), with global
// indices (the bases follow the window's drops), all as f64.
import { mHigh, mHighApex, mLow, mLowApex, UP } from './merge';
import { alloc, getF64, getI32, getI8, regrow, setF64 } from './mem';
import { pCount, pDir, pEnd, pFlags, pStart, tailBuf } from './pens';
import { SegmentColumns } from './segment-columns';
import { added, baseLen, finals, segStreamUpdate } from './segments';

const EVENT_SLOTS = 12;
const PEN_CONFIRMED = 1,
  PEN_EXTENDED = 2,
  PEN_PROVISIONAL = 3,
  SEGMENT_CONFIRMED = 4,
  SEGMENT_PROVISIONAL = 5,
  PEN_REMOVED = 6,
  SEGMENT_REMOVED = 7;
/** Pen shape: startMerged, endMerged, dir, confirmed, startRaw, endRaw, startPrice, endPrice, wasConfirmed. */
const PEN_SLOTS = 9;
/** The slots a Pen shows (wasConfirmed is not compared). */
const PEN_SHOWN = 8;
/** Segment shape: startPen, endPen, dir, confirmed, startRaw, endRaw, startPrice, endPrice, endCase. */
const SEG_SLOTS = 9;

// Global index of local index 0 (merged bars, pens, segments).
let mBase: i32 = 0;
let pBase: i32 = 0;
let sBase: i32 = 0;

/** Growable f64 rows of a fixed width. */
class Rows {
  count: i32 = 0;
  cap: i32 = 0;
  p: usize = 0;
  constructor(readonly width: i32) {}
  /** Address of row i (room is made for it; earlier rows are kept). */
  at(i: i32): usize {
    if (i >= this.cap) {
      const cap = max(max(i + 1, this.cap * 2), 8);
      this.p = regrow(this.p, (this.cap * this.width) << 3, (cap * this.width) << 3);
      this.cap = cap;
    }
    return this.p + ((<usize>(i * this.width)) << 3);
  }
}

// Published pens from pubPenFrom on, segments from pubSegFrom on (global indices); the next ones
// are built in the spare buffers, then swapped in.
let pubPens = changetype<Rows>(0);
let nextPens = changetype<Rows>(0);
let pubSegs = changetype<Rows>(0);
let nextSegs = changetype<Rows>(0);
let pubPenFrom: i32 = 0;
let pubSegFrom: i32 = 0;
// Shapes computed on the way (a pen or segment now, the old side of a comparison).
let scratchA: usize = 0;
let scratchB: usize = 0;
export let eventBuf = changetype<Rows>(0);

export function eventsInit(): void {
  pubPens = new Rows(PEN_SLOTS);
  nextPens = new Rows(PEN_SLOTS);
  pubSegs = new Rows(SEG_SLOTS);
  nextSegs = new Rows(SEG_SLOTS);
  eventBuf = new Rows(EVENT_SLOTS);
  eventBuf.at(15);
  scratchA = alloc(SEG_SLOTS << 3);
  scratchB = alloc(SEG_SLOTS << 3);
  mBase = pBase = sBase = pubPenFrom = pubSegFrom = 0;
}

/** Pens before this local index are final (all confirmed pens but the last). */
function finalCount(): i32 {
  return max(0, pCount - 1);
}

/** Writes the shape of pen i (local; final pens from the columns, then the tail) at `out`. */
function penShape(i: i32, out: usize): void {
  const f = finalCount();
  let s: i32, e: i32, dir: i32, flags: i32;
  if (i < f) {
    s = getI32(pStart, i);
    e = getI32(pEnd, i);
    dir = getI8(pDir, i);
    flags = getI8(pFlags, i);
  } else {
    const t = tailBuf + ((<usize>((i - f) << 2)) << 2);
    s = load<i32>(t);
    e = load<i32>(t, 4);
    dir = load<i32>(t, 8);
    flags = load<i32>(t, 12);
  }
  store<f64>(out, <f64>(mBase + s));
  store<f64>(out, <f64>(mBase + e), 8);
  store<f64>(out, <f64>dir, 16);
  store<f64>(out, <f64>(flags & 1), 24);
  ends(s, dir == UP, e, dir == UP, out);
  store<f64>(out, <f64>((flags >> 1) & 1), 64);
}

/** Slots 4-7 of a shape: raw index and price of the start at merged bar s of an up (or down) pen, and of the end at e. */
function ends(s: i32, startUp: bool, e: i32, endUp: bool, out: usize): void {
  store<f64>(out, <f64>(startUp ? getI32(mLowApex, s) : getI32(mHighApex, s)), 32);
  store<f64>(out, <f64>(endUp ? getI32(mHighApex, e) : getI32(mLowApex, e)), 40);
  store<f64>(out, startUp ? getF64(mLow, s) : getF64(mHigh, s), 48);
  store<f64>(out, endUp ? getF64(mHigh, e) : getF64(mLow, e), 56);
}

// Pen i's start and end merged bar and direction (final pens from the columns, then the tail).
function penStartK(i: i32): i32 {
  const f = finalCount();
  return i < f ? getI32(pStart, i) : getI32(tailBuf, (i - f) << 2);
}
function penEndK(i: i32): i32 {
  const f = finalCount();
  return i < f ? getI32(pEnd, i) : getI32(tailBuf, ((i - f) << 2) + 1);
}
function penDirOf(i: i32): i32 {
  const f = finalCount();
  return i < f ? getI8(pDir, i) : getI32(tailBuf, ((i - f) << 2) + 2);
}

/** Writes the shape of segment j of `c` at `out`: its start from its first pen, its end from its last, as they are now. */
function segShape(c: SegmentColumns, j: i32, out: usize): void {
  const a = getI32(c.start, j),
    b = getI32(c.end, j);
  store<f64>(out, <f64>(pBase + a));
  store<f64>(out, <f64>(pBase + b), 8);
  store<f64>(out, <f64>getI8(c.dir, j), 16);
  store<f64>(out, <f64>getI8(c.confirmed, j), 24);
  ends(penStartK(a), penDirOf(a) == UP, penEndK(b), penDirOf(b) == UP, out);
  store<f64>(out, <f64>getI8(c.endCase, j), 64);
}

/** Segment j (local) of the list now: final segments below baseLen, then the added ones. */
function segNow(j: i32, out: usize): void {
  if (j < baseLen) segShape(finals, j, out);
  else segShape(added, j - baseLen, out);
}

function same(a: usize, b: usize, slots: i32): bool {
  for (let k = 0; k < slots; k++) if (load<f64>(a + ((<usize>k) << 3)) != load<f64>(b + ((<usize>k) << 3))) return false;
  return true;
}

/** Appends an event: its type and global index, then the shape at `shape`. */
function emit(type: i32, index: i32, shape: usize, slots: i32): void {
  const r = eventBuf.at(eventBuf.count++);
  setF64(r, 0, <f64>type);
  setF64(r, 1, <f64>index);
  if (slots > 0) memory.copy(r + 16, shape, (<usize>slots) << 3);
}

function swapPens(): void {
  const t = pubPens;
  pubPens = nextPens;
  nextPens = t;
}

function swapSegs(): void {
  const t = pubSegs;
  pubSegs = nextSegs;
  nextSegs = t;
}

/** The added segments' shapes into nextSegs. */
function shapeAdded(): void {
  nextSegs.count = added.count;
  for (let j = 0; j < added.count; j++) segShape(added, j, nextSegs.at(j));
}

/** The tail's shapes into nextPens. */
function shapeTail(n: i32): void {
  const f = finalCount();
  nextPens.count = n;
  for (let j = 0; j < n; j++) penShape(f + j, nextPens.at(j));
}

/**
 * After the pen stage wrote `tail` pens to tailBuf: events for the pens and, when they changed,
 * for the segments (whose stage runs first), then publishes. `replaced`: the last bar was replaced
 * (eventsRewind published its restore point's pens).
 */
export function eventsStep(tail: i32, replaced: bool): void {
  eventBuf.count = 0;
  const f = finalCount(),
    now = f + tail;
  const from = pubPenFrom - pBase,
    oldLen = pubPens.count;
  shapeTail(tail);
  let changed = replaced || f != from || oldLen != tail;
  for (let j = 0; !changed && j < tail; j++) changed = !same(pubPens.at(j), nextPens.at(j), PEN_SHOWN);
  // The same pens: no event, nothing new to publish, and the segments cannot have changed.
  if (!changed) return;
  const end = max(from + oldLen, now);
  for (let i = from; i < end; i++) {
    if (i >= now) {
      emit(PEN_REMOVED, pBase + i, 0, 0);
      continue;
    }
    let b = scratchB;
    if (i >= f) b = nextPens.at(i - f);
    else penShape(i, b);
    const old = i - from < oldLen;
    const a = old ? pubPens.at(i - from) : 0;
    if (old && same(a, b, PEN_SHOWN)) continue;
    const confirmed = load<f64>(b, 24) != 0;
    // Extended: a pen confirmed before (possibly shown extended provisionally since) is confirmed
    // from the same start to the same or a later end.
    const extended = old && load<f64>(a, 64) != 0 && load<f64>(a) == load<f64>(b) && load<f64>(b, 8) >= load<f64>(a, 8);
    const type = !confirmed ? PEN_PROVISIONAL : extended ? PEN_EXTENDED : PEN_CONFIRMED;
    emit(type, pBase + i, b, PEN_SLOTS);
  }
  swapPens();
  pubPenFrom = pBase + f;
  segStreamUpdate(tail);
  diffSegments();
}

function diffSegments(): void {
  const oldFrom = pubSegFrom - sBase,
    oldLen = pubSegs.count;
  const nowLen = baseLen + added.count;
  const from = min(oldFrom, baseLen),
    end = max(oldFrom + oldLen, nowLen);
  shapeAdded();
  for (let j = from; j < end; j++) {
    if (j >= nowLen) {
      emit(SEGMENT_REMOVED, sBase + j, 0, 0);
      continue;
    }
    // Below a list's start its entries are the final segments (as shaped now).
    if (j < oldFrom && j < baseLen) continue;
    let b = scratchB;
    if (j >= baseLen) b = nextSegs.at(j - baseLen);
    else segShape(finals, j, b);
    let a: usize = 0;
    if (j < oldFrom) {
      a = scratchA;
      segShape(finals, j, a);
    } else if (j - oldFrom < oldLen) a = pubSegs.at(j - oldFrom);
    if (a != 0 && same(a, b, SEG_SLOTS)) continue;
    emit(load<f64>(b, 24) != 0 ? SEGMENT_CONFIRMED : SEGMENT_PROVISIONAL, sBase + j, b, SEG_SLOTS);
  }
  swapSegs();
  pubSegFrom = sBase + baseLen;
}

/**
 * Before the state goes back to the mark of the last bar (to replace it): the published lists are
 * extended down to what the mark held as final (`markPens` pens, `markSegments` final segments),
 * so the replacement's events compare with everything it may change.
 */
export function eventsRewind(markPens: i32, markSegments: i32): void {
  const from = pubPenFrom - pBase,
    mf = min(from, max(0, markPens - 1));
  let n = 0;
  for (let i = mf; i < from; i++) penShape(i, nextPens.at(n++));
  for (let j = 0; j < pubPens.count; j++) memory.copy(nextPens.at(n++), pubPens.at(j), PEN_SLOTS << 3);
  nextPens.count = n;
  swapPens();
  pubPenFrom = pBase + mf;
  const sf = pubSegFrom - sBase,
    ms = min(sf, markSegments);
  n = 0;
  for (let j = ms; j < sf; j++) segShape(finals, j, nextSegs.at(n++));
  for (let j = 0; j < pubSegs.count; j++) memory.copy(nextSegs.at(n++), pubSegs.at(j), SEG_SLOTS << 3);
  nextSegs.count = n;
  swapSegs();
  pubSegFrom = sBase + ms;
}

/** The window dropped the first dm merged bars, dp pens and ds segments. */
export function eventsDrop(dm: i32, dp: i32, ds: i32): void {
  mBase += dm;
  pBase += dp;
  sBase += ds;
}

/** After a restore from a blob: the bases, then the current pens and segments published (no events). */
export function eventsLoad(mb: i32, pb: i32, sb: i32, tail: i32): void {
  mBase = mb;
  pBase = pb;
  sBase = sb;
  shapeTail(tail);
  swapPens();
  pubPenFrom = pBase + finalCount();
  segStreamUpdate(tail);
  shapeAdded();
  swapSegs();
  pubSegFrom = sBase + baseLen;
  eventBuf.count = 0;
}
