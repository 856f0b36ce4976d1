// Stage 4: segments (线段) from pens by the feature sequence, then the provisional leftovers.
// Semantics follow chan.py (seg_algo "chan", left_seg_method "peak") so results can be cross-checked.
import { DOWN, UP, type MergedColumns, type PenRecord, type SegmentRecord } from '../../core/records.js';
import type { Bars, SegmentCase } from '../../core/types.js';
import { FeatureFractal, type ReadTracker, type SegPen } from './feature-sequence.js';

/**
 * Segments that no pen yet to come can change, and the pen where the search for the next one
 * resumes. The streaming analyzer keeps one across calls; a batch analysis starts from an empty one.
 */
export class SegmentState {
  readonly final: SegmentRecord[] = [];
  resumeBegin = 0;
  /** Scratch objects reused by every build from this state (reset before each use). */
  readonly track: ReadTracker = { maxRead: -1 };
  readonly upFx = new FeatureFractal([], UP, this.track); // an up segment's feature sequence: its down pens
  readonly downFx = new FeatureFractal([], DOWN, this.track);
}

/** The segment list of one build: the state's final segments (of which the leftover pass may drop the last) plus new ones. */
export class SegmentList {
  baseLen: number;
  readonly extra: SegmentRecord[] = [];
  constructor(readonly base: SegmentRecord[]) {
    this.baseLen = base.length;
  }
  get length(): number {
    return this.baseLen + this.extra.length;
  }
  get last(): SegmentRecord | undefined {
    return this.extra.length > 0 ? this.extra[this.extra.length - 1] : this.base[this.baseLen - 1];
  }
  push(s: SegmentRecord): void {
    this.extra.push(s);
  }
  pop(): void {
    if (this.extra.length > 0) this.extra.pop();
    else this.baseLen--;
  }
  /** The new segments become part of the base (the state's final segments). */
  commit(): void {
    for (const r of this.extra) this.base.push(r);
    this.extra.length = 0;
    this.baseLen = this.base.length;
  }
  toArray(): SegmentRecord[] {
    return this.base.slice(0, this.baseLen).concat(this.extra);
  }
}

/** Computes all segments over `pens` (the last pens may be provisional). */
export function buildSegments(pens: readonly SegPen[]): SegmentRecord[] {
  return buildSegmentsFrom(pens, new SegmentState(), 0).toArray();
}

/**
 * Continues from `state`. Pens before `finalPens` never change again; a segment whose detection read
 * only such pens is moved into `state.final`, so the next call starts after it.
 */
export function buildSegmentsFrom(pens: readonly SegPen[], state: SegmentState, finalPens: number): SegmentList {
  const b = new SegmentBuilder(pens, state, finalPens);
  b.confirmFrom(state.resumeBegin);
  b.collectLeftover();
  return b.segs;
}

class SegmentBuilder {
  readonly segs: SegmentList;
  private readonly track: ReadTracker;
  constructor(
    private readonly pens: readonly SegPen[],
    private readonly state: SegmentState,
    private readonly finalPens: number,
  ) {
    this.segs = new SegmentList(state.final);
    this.track = state.track;
    this.track.maxRead = -1;
  }

  private get last(): SegmentRecord | undefined {
    return this.segs.last;
  }

  /** The search restarts at `begin`: if nothing read so far can change, make that permanent. */
  private restartAt(begin: number): void {
    if (this.track.maxRead >= this.finalPens) return;
    this.segs.commit();
    this.state.resumeBegin = begin;
  }

  /** Finds segments ended by a feature-sequence fractal, starting at pen `begin`. */
  confirmFrom(begin: number): void {
    // Set when the last end was confirmed by the reverse sequence (case 2): that sequence is the
    // next search's, already run with its own end test (canBeEnd recursed into it).
    let next: FeatureFractal | null = null;
    for (;;) {
      let found: FeatureFractal | null = next,
        test: true | null;
      if (found !== null) test = found.endTest;
      else {
        found = this.scanFrom(begin);
        if (found === null) return;
        test = found.canBeEnd();
      }
      next = null;
      const endPen = found.peakPenIndex();
      const endCase: SegmentCase = found.ele1!.gap ? 2 : 1;
      if (!this.add(endPen, test === true && found.allSure(), 0, true, endCase)) {
        begin = endPen + 1;
        this.restartAt(begin);
        continue;
      }
      if (test !== true) return;
      begin = endPen + 1;
      this.restartAt(begin);
      // The scan from `begin` after this segment feeds the sequence against it with the pens from
      // endPen + 2 on, as findReverseFractal(endPen + 2) did.
      if (found.ele1!.gap) next = found.reverse;
    }
  }

  /** Feeds pens from `begin` to the two feature sequences until one forms its fractal (returned). */
  private scanFrom(begin: number): FeatureFractal | null {
    const pens = this.pens;
    // Fresh feature sequences for each search (the objects are reused).
    const upFx = this.state.upFx.restart(pens);
    const downFx = this.state.downFx.restart(pens);
    let lastDir = this.last?.dir ?? 0;
    for (let i = begin; i < pens.length; i++) {
      const d = pens[i]!.dir;
      if (d === DOWN && lastDir !== UP) {
        if (upFx.add(i)) return upFx;
      } else if (d === UP && lastDir !== DOWN) {
        if (downFx.add(i)) return downFx;
      }
      if (this.segs.length === 0) {
        // Direction of the first segment: whichever feature sequence gets a second element first.
        if (upFx.ele1 !== null && d === DOWN) {
          lastDir = DOWN;
          downFx.clear();
        } else if (downFx.ele1 !== null && d === UP) {
          upFx.clear();
          lastDir = UP;
        }
        if (upFx.ele1 === null && lastDir === DOWN && d === DOWN) lastDir = 0;
        else if (downFx.ele1 === null && lastDir === UP && d === UP) lastDir = 0;
      }
    }
    return null;
  }

  /**
   * Adds a segment ending at pen `end`. A confirmed segment whose end is not beyond its start is
   * refused (returns false). The very first segment may be split at an earlier peak.
   */
  private add(end: number, confirmed: boolean, dir: number, splitFirst: boolean, endCase: SegmentCase): boolean {
    const pens = this.pens;
    if (this.segs.length === 0 && splitFirst && end >= 3) {
      const isHigh = pens[end]!.dir === DOWN;
      const peak = this.findPeak(end - 3, -1, -1, isHigh);
      if (peak >= 0) {
        const p = pens[peak]!;
        const p0 = pens[0]!;
        if (peak === 0 || (p.dir === DOWN ? p.low < p0.low : p.high > p0.high)) {
          this.add(peak, false, p.dir, true, null);
          this.add(end, false, 0, true, endCase);
          return true;
        }
      }
    }
    const start = this.segs.length === 0 ? 0 : this.last!.endPen + 1;
    const segDir = dir !== 0 ? dir : pens[end]!.dir;
    if (end - start < 2) confirmed = false;
    if (confirmed) {
      const ok = segDir === DOWN ? pens[start]!.beginVal >= pens[end]!.endVal : pens[start]!.beginVal <= pens[end]!.endVal;
      if (!ok) return false;
    }
    // Only a confirmed segment has been ended: a provisional one has no end case yet.
    this.segs.push({ startPen: start, endPen: end, dir: segDir, confirmed, endCase: confirmed ? endCase : null });
    return true;
  }

  /**
   * The pen holding the highest up-end (or lowest down-end) among pens from..to (step ±1, `to`
   * exclusive); a pen is skipped when the same-direction pen before it went further. Ties go to the
   * later pen in scan order.
   */
  private findPeak(from: number, to: number, step: number, isHigh: boolean): number {
    const pens = this.pens;
    let best = isHigh ? -Infinity : Infinity;
    let peak = -1;
    for (let i = from; step > 0 ? i < to : i > to; i += step) {
      const p = pens[i]!;
      if (isHigh ? p.dir === UP && p.endVal >= best : p.dir === DOWN && p.endVal <= best) {
        if (i >= 2 && (isHigh ? pens[i - 2]!.endVal > p.endVal : pens[i - 2]!.endVal < p.endVal)) continue;
        best = p.endVal;
        peak = i;
      }
    }
    return peak;
  }

  /** Turns the pens after the last confirmed segment into provisional segments. */
  collectLeftover(): void {
    const pens = this.pens;
    const n = pens.length;
    if (this.segs.length === 0) {
      if (n < 3) return;
      let hi = -Infinity,
        lo = Infinity;
      for (const p of pens) {
        if (p.high > hi) hi = p.high;
        if (p.low < lo) lo = p.low;
      }
      const b0 = pens[0]!.beginVal;
      const up = Math.abs(hi - b0) >= Math.abs(lo - b0);
      const peak = this.findPeak(0, n, 1, up);
      this.add(peak, false, up ? UP : DOWN, false, null);
      this.collectAsOne();
      return;
    }
    this.collectAfterLast();
    const last = this.last;
    if (n > 0 && last !== undefined && n - 1 - last.endPen > 2 && !last.confirmed) {
      this.segs.pop();
      this.collectLeftover();
    }
  }

  private collectAfterLast(): void {
    const pens = this.pens;
    const lastPen = pens.length - 1;
    const endPen = this.last!.endPen;
    if (lastPen - endPen < 3) return;
    const e = pens[endPen]!;
    const tail = pens[lastPen]!;
    if (e.dir === DOWN && tail.endVal <= e.endVal) {
      const peak = this.findPeak(endPen + 3, pens.length, 1, true);
      if (peak >= 0) {
        this.add(peak, false, UP, true, null);
        this.collectLeftover();
      }
    } else if (e.dir === UP && tail.endVal >= e.endVal) {
      const peak = this.findPeak(endPen + 3, pens.length, 1, false);
      if (peak >= 0) {
        this.add(peak, false, DOWN, true, null);
        this.collectLeftover();
      }
    } else {
      this.collectByPeaks(endPen);
    }
  }

  /** Alternating provisional segments, each running to the extreme of the pens after it. */
  private collectByPeaks(endPen: number): void {
    for (;;) {
      const up = this.pens[endPen]!.dir === DOWN;
      const peak = this.findPeak(endPen + 3, this.pens.length, 1, up);
      if (peak < 0 || peak - endPen < 3) break;
      this.add(peak, false, up ? UP : DOWN, true, null);
      endPen = this.last!.endPen;
    }
    this.collectAsOne();
  }

  /** Whatever pens remain become one provisional segment. */
  private collectAsOne(): void {
    const pens = this.pens;
    const endPen = this.last!.endPen;
    if (endPen + 1 >= pens.length) return;
    const tail = pens.length - 1;
    this.add(pens[endPen]!.dir === pens[tail]!.dir ? tail - 1 : tail, false, 0, true, null);
  }
}

type MutableSegPen = { -readonly [K in keyof SegPen]: SegPen[K] };

/** The objects segmentView fills: reused by every batch run of this thread (the stage keeps none). */
const viewPool: MutableSegPen[] = [];

/**
 * The pens as the segment stage sees them, valid until the next call: made new, the 68,000 objects
 * of 1M bars and their collection took several times the stage itself (docs/perf-notes.md).
 */
export function segmentView(pens: readonly PenRecord[], m: MergedColumns): readonly SegPen[] {
  const n = pens.length;
  for (let i = 0; i < n; i++) setSegPen((viewPool[i] ??= blankSegPen()), pens[i]!, m);
  viewPool.length = n;
  return viewPool;
}

/** One pen as the segment stage sees it. */
export function segPenOf(p: PenRecord, m: Pick<MergedColumns, 'high' | 'low'>): SegPen {
  return setSegPen(blankSegPen(), p, m);
}

const blankSegPen = (): MutableSegPen => ({ dir: 0, high: 0, low: 0, beginVal: 0, endVal: 0, sure: false });

/** Sets `s` to pen p as the segment stage sees it (prices from its merged bars; `sure` = was confirmed). */
function setSegPen(s: MutableSegPen, p: PenRecord, m: Pick<MergedColumns, 'high' | 'low'>): SegPen {
  const up = p.dir === UP;
  const begin = up ? m.low[p.startK]! : m.high[p.startK]!;
  const end = up ? m.high[p.endK]! : m.low[p.endK]!;
  s.dir = p.dir;
  s.high = up ? end : begin;
  s.low = up ? begin : end;
  s.beginVal = begin;
  s.endVal = end;
  s.sure = p.wasConfirmed;
  return s;
}

/**
 * The segments as the segment stage sees them when it runs on segments (segments of segments): an up
 * segment's low is its start raw bar's low and its high its end raw bar's high (a down segment the
 * reverse), its values are its prices, and `sure` is its confirmed flag.
 */
export function segmentsAsLines(segments: readonly SegmentRecord[], pens: readonly PenRecord[], m: MergedColumns, bars: Bars): SegPen[] {
  return segments.map((s) => {
    const a = pens[s.startPen]!,
      b = pens[s.endPen]!;
    const aUp = a.dir === UP,
      bUp = b.dir === UP;
    const startRaw = aUp ? m.lowApex[a.startK]! : m.highApex[a.startK]!;
    const endRaw = bUp ? m.highApex[b.endK]! : m.lowApex[b.endK]!;
    const up = s.dir === UP;
    return {
      dir: s.dir,
      high: up ? bars.high[endRaw]! : bars.high[startRaw]!,
      low: up ? bars.low[startRaw]! : bars.low[endRaw]!,
      beginVal: aUp ? m.low[a.startK]! : m.high[a.startK]!,
      endVal: bUp ? m.high[b.endK]! : m.low[b.endK]!,
      sure: s.confirmed,
    };
  });
}
