// Segments by the feature sequence; mirrors src/engines/ts/feature-sequence.ts and src/engines/ts/segments.ts.
// One implementation for both uses: a batch run (buildSegments: every pen, nothing becomes final)
// and streaming (segStreamUpdate: resumes after the final segments, as SegmentState does in TS).
// Nothing is allocated per build: the feature sequences are reused objects and the columns grow
// geometrically (the streaming heap is never reset).
// Streaming only (not in the TS engine, same results): a rebuild re-reads the forming segment's
// pens on every bar, so scans and feature-sequence re-feeds over final pens are stored and reused
// while everything they read stays final (scanFrom, FeatureFractal.replay, findPeak).
import { getF64, getI32, getI8, regrow, setF64, setI32, setI8 } from './mem';
import { mHigh, mLow } from './merged';
import { pCount, pDir, pEnd, pFlags, pStart, tailBuf } from './pens';

const COMBINE: i32 = 0, INCLUDED: i32 = 2, UP: i32 = 1, DOWN: i32 = -1;
const TOP: i32 = 1, BOTTOM: i32 = -1;

// The pens as the segment stage sees them (columns with room for vCap pens).
let nPens: i32 = 0;
let vCap: i32 = 0;
/** Streaming: view entries 0..vFinal-1 hold final pens and stay valid between builds. */
let vFinal: i32 = 0;
let sDir: usize = 0;
let sHigh: usize = 0;
let sLow: usize = 0;
let sSure: usize = 0;

// @ts-ignore: decorator
@inline function dirOf(i: i32): i32 { return getI8(sDir, i); }
// @ts-ignore: decorator
@inline function highOf(i: i32): f64 { return getF64(sHigh, i); }
// @ts-ignore: decorator
@inline function lowOf(i: i32): f64 { return getF64(sLow, i); }
// @ts-ignore: decorator
@inline function beginOf(i: i32): f64 { return dirOf(i) == UP ? lowOf(i) : highOf(i); }
// @ts-ignore: decorator
@inline function endOf(i: i32): f64 { return dirOf(i) == UP ? highOf(i) : lowOf(i); }
// @ts-ignore: decorator
@inline function sureOf(i: i32): bool { return getI8(sSure, i) != 0; }

/** Segment columns: start and end pen, direction, confirmed, end case (0 none, 1, 2). */
export class SegmentColumns {
  count: i32 = 0;
  cap: i32 = 0;
  start: usize = 0;
  end: usize = 0;
  dir: usize = 0;
  confirmed: usize = 0;
  endCase: usize = 0;

  /** Room for `cap` segments (old columns are abandoned on the bump heap; geometric growth). */
  grow(cap: i32): void {
    if (cap <= this.cap) return;
    cap = max(cap, this.cap * 2);
    const n = this.count;
    this.start = regrow(this.start, n << 2, cap << 2);
    this.end = regrow(this.end, n << 2, cap << 2);
    this.dir = regrow(this.dir, n, cap);
    this.confirmed = regrow(this.confirmed, n, cap);
    this.endCase = regrow(this.endCase, n, cap);
    this.cap = cap;
  }

  push(start: i32, end: i32, dir: i32, confirmed: bool, endCase: i32): void {
    if (this.count == this.cap) this.grow(this.cap + 1);
    const g = this.count++;
    setI32(this.start, g, start);
    setI32(this.end, g, end);
    setI8(this.dir, g, dir);
    setI8(this.confirmed, g, confirmed ? 1 : 0);
    setI8(this.endCase, g, endCase);
  }

  /** Appends all of `o`'s segments. */
  append(o: SegmentColumns): void {
    const n = this.count, k = o.count;
    this.grow(n + k);
    memory.copy(this.start + (<usize>n << 2), o.start, <usize>k << 2);
    memory.copy(this.end + (<usize>n << 2), o.end, <usize>k << 2);
    memory.copy(this.dir + <usize>n, o.dir, <usize>k);
    memory.copy(this.confirmed + <usize>n, o.confirmed, <usize>k);
    memory.copy(this.endCase + <usize>n, o.endCase, <usize>k);
    this.count = n + k;
  }

  /** Drops the first `k` segments; pen indices move down by `dp`. */
  shift(k: i32, dp: i32): void {
    const n = this.count - k;
    for (let i = 0; i < n; i++) {
      setI32(this.start, i, getI32(this.start, i + k) - dp);
      setI32(this.end, i, getI32(this.end, i + k) - dp);
      setI8(this.dir, i, getI8(this.dir, i + k));
      setI8(this.confirmed, i, getI8(this.confirmed, i + k));
      setI8(this.endCase, i, getI8(this.endCase, i + k));
    }
    this.count = n;
  }

  /** The count and column addresses into layout slots slot..slot+5 (the host reads them). */
  layout(t: usize, slot: i32): void {
    setI32(t, slot, this.count);
    setI32(t, slot + 1, <i32>this.start);
    setI32(t, slot + 2, <i32>this.end);
    setI32(t, slot + 3, <i32>this.dir);
    setI32(t, slot + 4, <i32>this.confirmed);
    setI32(t, slot + 5, <i32>this.endCase);
  }
}

// Allocated by segStateInit (a batch run resets the heap first, so not at module start).
/** Final segments: no pen to come can change them. */
export let finals: SegmentColumns = changetype<SegmentColumns>(0);
/** The segments this build added (a batch run's whole output). */
export let added: SegmentColumns = changetype<SegmentColumns>(0);
/** The build's list is final segments 0..baseLen-1 then the added ones (the leftover pass may drop a final one). */
export let baseLen: i32 = 0;
/** The pen where the search for the next segment resumes. */
export let resumeBegin: i32 = 0;
/** Pens before this one never change (0 in a batch run); a result that read only such pens is final. */
let finalPens: i32 = 0;
/** The furthest pen read (or checked for) in this build (ReadTracker in TS). */
let maxRead: i32 = -1;

// @ts-ignore: decorator
@inline function segCount(): i32 { return baseLen + added.count; }
function segEndAt(i: i32): i32 { return i < baseLen ? getI32(finals.end, i) : getI32(added.end, i - baseLen); }
function segDirAt(i: i32): i32 { return i < baseLen ? getI8(finals.dir, i) : getI8(added.dir, i - baseLen); }
function segConfirmedAt(i: i32): bool { return (i < baseLen ? getI8(finals.confirmed, i) : getI8(added.confirmed, i - baseLen)) != 0; }
function lastEndPen(): i32 { return segEndAt(segCount() - 1); }

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

// Growth abandons the old columns on the bump heap (geometric, so at most twice the live size).
function growView(cap: i32): void {
  if (cap <= vCap) return;
  cap = max(cap, vCap * 2);
  const n = vFinal;
  sDir = regrow(sDir, n, cap);
  sSure = regrow(sSure, n, cap);
  sHigh = regrow(sHigh, n << 3, cap << 3);
  sLow = regrow(sLow, n << 3, cap << 3);
  vCap = cap;
}

/** View entry i of a pen from merged bar s to merged bar e (prices from the merged bars; sure = was confirmed). */
function viewSet(i: i32, s: i32, e: i32, dir: i32, flags: i32): void {
  const up = dir == UP;
  const b = up ? getF64(mLow, s) : getF64(mHigh, s);
  const v = up ? getF64(mHigh, e) : getF64(mLow, e);
  setI8(sDir, i, up ? UP : DOWN);
  setF64(sHigh, i, up ? v : b);
  setF64(sLow, i, up ? b : v);
  setI8(sSure, i, (flags & 2) != 0 ? 1 : 0);
}

class Element {
  first: i32 = 0;
  last: i32 = 0;
  high: f64 = 0;
  low: f64 = 0;
  dir: i32 = 0;
  fx: i32 = 0;
  gap: bool = false;

  set(pen: i32, dir: i32): Element {
    this.first = pen;
    this.last = pen;
    this.high = highOf(pen);
    this.low = lowOf(pen);
    this.dir = dir;
    this.fx = 0;
    this.gap = false;
    return this;
  }

  relation(p: i32, excludeIncluded: bool, allowTopEqual: i32): i32 {
    const ph = highOf(p), pl = lowOf(p);
    if (this.high >= ph && this.low <= pl) return COMBINE;
    if (this.high <= ph && this.low >= pl) {
      if (allowTopEqual == 1 && this.high == ph && this.low > pl) return DOWN;
      if (allowTopEqual == -1 && this.low == pl && this.high < ph) return UP;
      return excludeIncluded ? INCLUDED : COMBINE;
    }
    return this.high > ph ? DOWN : UP;
  }

  tryAdd(pen: i32, excludeIncluded: bool, allowTopEqual: i32): i32 {
    const r = this.relation(pen, excludeIncluded, allowTopEqual);
    if (r == COMBINE) {
      this.last = pen;
      if (this.dir == UP) {
        this.high = max<f64>(this.high, highOf(pen));
        this.low = max<f64>(this.low, lowOf(pen));
      } else {
        this.high = min<f64>(this.high, highOf(pen));
        this.low = min<f64>(this.low, lowOf(pen));
      }
    }
    return r;
  }

  classify(pre: Element, next: Element, allowTopEqual: i32): void {
    if (pre.high < this.high && next.high <= this.high && next.low < this.low) {
      if (allowTopEqual == 1 || next.high < this.high) this.fx = TOP;
    } else if (next.high > this.high && pre.low > this.low && next.low >= this.low) {
      if (allowTopEqual == -1 || next.low > this.low) this.fx = BOTTOM;
    }
    if ((this.fx == TOP && pre.high < this.low) || (this.fx == BOTTOM && pre.low > this.high)) this.gap = true;
  }

  copyFrom(o: Element): void {
    this.first = o.first;
    this.last = o.last;
    this.high = o.high;
    this.low = o.low;
    this.dir = o.dir;
    this.fx = o.fx;
    this.gap = o.gap;
  }

  peakPenIndex(): i32 {
    const byLow = dirOf(this.first) == UP;
    for (let i = this.last; i >= this.first; i -= 2) {
      if (byLow ? lowOf(i) == this.low : highOf(i) == this.high) return i - 1;
    }
    return this.first - 1;
  }
}

class FeatureFractal {
  has0: bool = false;
  has1: bool = false;
  has2: bool = false;
  e0: Element = new Element();
  e1: Element = new Element();
  e2: Element = new Element();
  lstFirst: i32 = -1;
  lstLast: i32 = -1;
  lastEvidence: i32 = -1;
  lastEvidenceSure: bool = false;
  actualBreakFlag: bool = true;
  dir: i32 = 0;
  /** The reverse-direction sequence of case 2 (created once, on first need). */
  reverse: FeatureFractal | null = null;
  /** The last canBeEnd() result. */
  endTest: i32 = 0;

  /** Back to the state of a new sequence in direction `dir`. */
  restart(dir: i32): FeatureFractal {
    this.dir = dir;
    this.clear();
    this.lastEvidence = -1;
    this.lastEvidenceSure = false;
    this.actualBreakFlag = true;
    return this;
  }

  add(i: i32): bool {
    if (i > maxRead) maxRead = i;
    if (this.lstFirst < 0) this.lstFirst = i;
    this.lstLast = i;
    if (!this.has0) {
      this.e0.set(i, this.dir);
      this.has0 = true;
      return false;
    }
    if (!this.has1) {
      if (this.e0.tryAdd(i, true, 0) != COMBINE) {
        this.e1.set(i, this.dir);
        this.has1 = true;
        if (this.dir == UP ? this.e1.high < this.e0.high : this.e1.low > this.e0.low) return this.reset();
      }
      return false;
    }
    this.lastEvidence = i;
    this.lastEvidenceSure = sureOf(i);
    const allowTopEqual = dirOf(i) == DOWN ? 1 : -1;
    const rel = this.e1.tryAdd(i, false, allowTopEqual);
    if (rel == COMBINE) return false;
    this.e2.set(i, rel);
    this.has2 = true;
    if (!this.actualBreak()) return this.reset();
    this.e1.classify(this.e0, this.e2, allowTopEqual);
    const isFx = this.dir == UP ? this.e1.fx == TOP : this.e1.fx == BOTTOM;
    return isFx ? true : this.reset();
  }

  clear(): void {
    this.has0 = false;
    this.has1 = false;
    this.has2 = false;
    this.lstFirst = -1;
    this.lstLast = -1;
  }

  reset(): bool {
    const from = this.lstFirst + 2, to = this.lstLast;
    this.clear();
    return this.feed(from, to);
  }

  /** Feeds pens from..to (step 2) until the fractal forms; true if it did. */
  feed(from: i32, to: i32): bool {
    if (from < finalPens) return this.replay(from, to);
    for (let i = from; i <= to; i += 2) if (this.add(i)) return true;
    return false;
  }

  /**
   * feed() from a final pen. The outcome of feeding a cleared sequence up to some pen is a function
   * of the pens it read, so a stored one is reused while all of those are final (streaming rebuilds
   * re-feed the same final pens on every bar).
   */
  replay(from: i32, to: i32): bool {
    const key = (from << 1) | (this.dir == UP ? 1 : 0);
    const m = unchecked(replays[key & (REPLAY_SLOTS - 1)]);
    // Run the re-feed from neutral values of what clear() keeps, and merge them after: the stored
    // outcome must not depend on them.
    const outerRead = maxRead, evidence = this.lastEvidence, evidenceSure = this.lastEvidenceSure, flag = this.actualBreakFlag;
    maxRead = -1;
    this.lastEvidence = -2;
    this.actualBreakFlag = true;
    let found = false, i = from;
    if (m.key == key && m.upto <= to) {
      this.copyFrom(m.state);
      maxRead = m.maxRead;
      found = m.found;
      i = m.upto + 2;
    }
    for (; !found && i <= to; i += 2) {
      found = this.add(i);
      // Store at the end, at a found fractal, or near the last final pens (a pen's check reads up
      // to 3 ahead), if nothing else was read; a slot keeps the furthest.
      if (maxRead < finalPens && (found || i + 2 > to || i + 5 >= finalPens)) m.store(key, i, found, this);
    }
    if (outerRead > maxRead) maxRead = outerRead;
    if (this.lastEvidence == -2) {
      this.lastEvidence = evidence;
      this.lastEvidenceSure = evidenceSure;
    }
    this.actualBreakFlag = flag && this.actualBreakFlag;
    return found;
  }

  /** The fields add() and reset() change (not dir or reverse). */
  copyFrom(o: FeatureFractal): void {
    this.has0 = o.has0;
    this.has1 = o.has1;
    this.has2 = o.has2;
    // An element is read only while its flag is set (add() sets both together), so only those are
    // copied: a stored state's unused elements are lines not worth bringing into the cache.
    if (o.has0) this.e0.copyFrom(o.e0);
    if (o.has1) this.e1.copyFrom(o.e1);
    if (o.has2) this.e2.copyFrom(o.e2);
    this.lstFirst = o.lstFirst;
    this.lstLast = o.lstLast;
    this.lastEvidence = o.lastEvidence;
    this.lastEvidenceSure = o.lastEvidenceSure;
    this.actualBreakFlag = o.actualBreakFlag;
  }

  allSure(): bool {
    // Final pens were all confirmed: only later ones need a look.
    let i = this.lstFirst;
    if (i < finalPens) i += ((finalPens - i + 1) >> 1) << 1;
    for (; i <= this.lstLast; i += 2) if (!sureOf(i)) return false;
    return this.lastEvidenceSure;
  }

  actualBreak(): bool {
    const e1 = this.e1, e2 = this.e2;
    const lastOfE1 = e1.last;
    if (this.dir == UP ? e2.low < lowOf(lastOfE1) : e2.high > highOf(lastOfE1)) return true;
    const b = e2.first;
    // Reads (or checks for) pens up to b + 3.
    if (b + 3 > maxRead) maxRead = b + 3;
    if (b + 2 < nPens) {
      const nn = b + 2;
      const broke = dirOf(b) == DOWN ? lowOf(nn) < lowOf(b) : highOf(nn) > highOf(b);
      if (broke) {
        this.lastEvidence = nn;
        this.lastEvidenceSure = sureOf(nn);
        return true;
      }
      if (!sureOf(nn) || b + 3 >= nPens) {
        this.actualBreakFlag = false;
        return true;
      }
      return false;
    }
    if (b + 1 < nPens) {
      const next = b + 1;
      if (this.dir == UP ? highOf(next) > e1.high : lowOf(next) < e1.low) return false;
    }
    this.actualBreakFlag = false;
    return true;
  }

  /** 1: the end is confirmed; 0: not decidable yet (null in the TS engine). */
  canBeEnd(): i32 {
    const test = this.e1.gap ? this.findReverseFractal(this.e1.peakPenIndex() + 2) : this.actualBreakFlag ? 1 : 0;
    this.endTest = test;
    return test;
  }

  findReverseFractal(begin: i32): i32 {
    if (begin > maxRead) maxRead = begin;
    if (begin >= nPens) return 0;
    if (this.reverse === null) this.reverse = new FeatureFractal();
    const ff = (this.reverse as FeatureFractal).restart(-dirOf(begin));
    if (!ff.feed(begin, nPens - 1)) {
      if (nPens > maxRead) maxRead = nPens;
      return 0;
    }
    let test = ff.canBeEnd();
    if (!ff.actualBreakFlag) test = 0;
    this.lastEvidence = ff.e2.last;
    if (test == 1) this.lastEvidenceSure = sureOf(this.lastEvidence) && ff.lastEvidenceSure;
    return test;
  }
}

/** A stored re-feed (FeatureFractal.replay): pens key>>1, key>>1 + 2, .., upto in direction key&1. */
class Replay {
  key: i32 = -1;
  upto: i32 = 0;
  found: bool = false;
  maxRead: i32 = 0;
  state: FeatureFractal = new FeatureFractal();

  store(key: i32, upto: i32, found: bool, ff: FeatureFractal): void {
    if (this.key == key && this.upto >= upto) return;
    this.key = key;
    this.upto = upto;
    this.found = found;
    this.maxRead = maxRead;
    this.state.copyFrom(ff);
  }
}

const REPLAY_SLOTS: i32 = 64;

/** A stored scan (scanFrom): the state before pen `next`, or at its fractal when `found` (UP / DOWN) is set. */
class Scan {
  begin: i32 = -1;
  lastDir0: i32 = 0;
  next: i32 = 0;
  lastDir: i32 = 0;
  found: i32 = 0;
  maxRead: i32 = 0;
  up: FeatureFractal = new FeatureFractal();
  down: FeatureFractal = new FeatureFractal();

  store(begin: i32, lastDir0: i32, next: i32, lastDir: i32, found: i32, up: FeatureFractal, down: FeatureFractal): void {
    this.begin = begin;
    this.lastDir0 = lastDir0;
    this.next = next;
    this.lastDir = lastDir;
    this.found = found;
    this.maxRead = maxRead;
    this.up.copyFrom(up);
    this.down.copyFrom(down);
  }
}

const SCAN_SLOTS: i32 = 64;
/** Direct-mapped by begin (streaming only). */
let scans: StaticArray<Scan> = changetype<StaticArray<Scan>>(0);
/** Direct-mapped by key (streaming only: a batch run has no final pens, so it never stores). */
let replays: StaticArray<Replay> = changetype<StaticArray<Replay>>(0);

/** A stored forward peak search (findPeak from `from` to the last pen): its result over pens from..upto-1. */
class PeakScan {
  key: i32 = -1;
  upto: i32 = 0;
  best: f64 = 0;
  peak: i32 = -1;
}

const PEAK_SLOTS: i32 = 64;
/** Direct-mapped by key = from << 1 | isHigh (streaming only). */
let peaks: StaticArray<PeakScan> = changetype<StaticArray<PeakScan>>(0);

/** Forgets stored re-feeds, scans and peak searches (the final pens they read changed or moved). */
function forgetStored(): void {
  if (changetype<usize>(replays) == 0) return;
  for (let j = 0; j < REPLAY_SLOTS; j++) unchecked(replays[j]).key = -1;
  for (let j = 0; j < SCAN_SLOTS; j++) unchecked(scans[j]).begin = -1;
  for (let j = 0; j < PEAK_SLOTS; j++) unchecked(peaks[j]).key = -1;
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
  replays = new StaticArray<Replay>(REPLAY_SLOTS);
  for (let j = 0; j < REPLAY_SLOTS; j++) unchecked((replays[j] = new Replay()));
  scans = new StaticArray<Scan>(SCAN_SLOTS);
  for (let j = 0; j < SCAN_SLOTS; j++) unchecked((scans[j] = new Scan()));
  peaks = new StaticArray<PeakScan>(PEAK_SLOTS);
  for (let j = 0; j < PEAK_SLOTS; j++) unchecked((peaks[j] = new PeakScan()));
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
    const t = tailBuf + (<usize>(j << 2) << 2);
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
  memory.copy(sHigh, sHigh + (<usize>dp << 3), <usize>v << 3);
  memory.copy(sLow, sLow + (<usize>dp << 3), <usize>v << 3);
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
    if (s !== null && i + 3 >= finalPens && i <= finalPens && maxRead < finalPens && !(scanned && s.next >= i)) s.store(begin, lastDir0, i, lastDir, 0, up, down);
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
  added.push(start, end, segDir, confirmed, endCase);
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
    const d = dirOf(i), v = endOf(i);
    if (isHigh ? d == UP && v >= best : d == DOWN && v <= best) {
      if (i >= 2 && (isHigh ? endOf(i - 2) > v : endOf(i - 2) < v)) continue;
      best = v;
      peak = i;
    }
  }
  if (p !== null && i == finalPens) storePeak(p, key, i, best, peak);
  return peak;
}

function storePeak(p: PeakScan, key: i32, upto: i32, best: f64, peak: i32): void {
  p.key = key;
  p.upto = upto;
  p.best = best;
  p.peak = peak;
}

function collectLeftover(): void {
  const n = nPens;
  if (segCount() == 0) {
    if (n < 3) return;
    let hi = -Infinity, lo = Infinity;
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
