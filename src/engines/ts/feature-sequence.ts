// The feature sequence (特征序列) of a segment and the detection of its fractal (segment end).
// Semantics follow chan.py's CEigenFX with exclude_included=True, so results can be cross-checked.

/** A pen as the segment stage sees it. */
export interface SegPen {
  readonly dir: number; // 1 up, -1 down
  readonly high: number;
  readonly low: number;
  readonly beginVal: number;
  readonly endVal: number;
  /** Confirmed now or before it became the virtual tail. */
  readonly sure: boolean;
}

/**
 * The furthest pen index a computation has looked at (or checked the existence of). The streaming
 * analyzer keeps a result only when everything it read is final.
 */
export interface ReadTracker {
  maxRead: number;
}

const COMBINE = 0,
  INCLUDED = 2,
  UP = 1,
  DOWN = -1;
const TOP = 1,
  BOTTOM = -1;

/**
 * One feature element: counter-direction pens merged by inclusion in a fixed direction. The pens
 * of an element are consecutive same-direction pens, so the range first..last (step 2) holds them.
 */
class Element {
  first = 0;
  last = 0;
  high = 0;
  low = 0;
  dir = 0;
  fx = 0;
  gap = false;

  /** (Re)initialises this slot with a single pen. */
  set(pen: number, p: SegPen, dir: number): this {
    this.first = this.last = pen;
    this.high = p.high;
    this.low = p.low;
    this.dir = dir;
    this.fx = 0;
    this.gap = false;
    return this;
  }

  /** Inclusion test against pen p; `allowTopEqual` is 1 / -1 for the third element, 0 otherwise. */
  relation(p: SegPen, excludeIncluded: boolean, allowTopEqual: number): number {
    if (this.high >= p.high && this.low <= p.low) return COMBINE;
    if (this.high <= p.high && this.low >= p.low) {
      if (allowTopEqual === 1 && this.high === p.high && this.low > p.low) return DOWN;
      if (allowTopEqual === -1 && this.low === p.low && this.high < p.high) return UP;
      return excludeIncluded ? INCLUDED : COMBINE;
    }
    return this.high > p.high ? DOWN : UP;
  }

  tryAdd(pen: number, p: SegPen, excludeIncluded: boolean, allowTopEqual: number): number {
    const r = this.relation(p, excludeIncluded, allowTopEqual);
    if (r === COMBINE) {
      this.last = pen;
      if (this.dir === UP) {
        this.high = Math.max(this.high, p.high);
        this.low = Math.max(this.low, p.low);
      } else {
        this.high = Math.min(this.high, p.high);
        this.low = Math.min(this.low, p.low);
      }
    }
    return r;
  }

  classify(pre: Element, next: Element, allowTopEqual: number): void {
    if (pre.high < this.high && next.high <= this.high && next.low < this.low) {
      if (allowTopEqual === 1 || next.high < this.high) this.fx = TOP;
    } else if (next.high > this.high && pre.low > this.low && next.low >= this.low) {
      if (allowTopEqual === -1 || next.low > this.low) this.fx = BOTTOM;
    }
    if ((this.fx === TOP && pre.high < this.low) || (this.fx === BOTTOM && pre.low > this.high)) this.gap = true;
  }

  /** Index of the pen before the one holding this element's extreme (the segment's last pen). */
  peakPenIndex(pens: readonly SegPen[]): number {
    const byLow = pens[this.first]!.dir === UP; // up pens: a down segment, its end is a low
    for (let i = this.last; i >= this.first; i -= 2) {
      if (byLow ? pens[i]!.low === this.low : pens[i]!.high === this.high) return i - 1;
    }
    return this.first - 1;
  }
}

/** Watches the feature sequence of a segment running in `dir` and reports when it forms the ending fractal. */
export class FeatureFractal {
  ele0: Element | null = null;
  ele1: Element | null = null;
  ele2: Element | null = null;
  private readonly slots = [new Element(), new Element(), new Element()] as const;
  /** Pens fed so far, as a range first..last step 2 (empty when first < 0). */
  lstFirst = -1;
  lstLast = -1;
  lastEvidence = -1;
  lastEvidenceSure = false;
  /** Once false (no real break seen), the segment end can only be provisional. Never reset, as in chan.py. */
  actualBreakFlag = true;
  /** The last canBeEnd() result. */
  endTest: true | null = null;
  /** Case 2: the reverse sequence of the last findReverseFractal, once it formed its fractal (with its own end test done). */
  reverse: FeatureFractal | null = null;

  constructor(
    private pens: readonly SegPen[],
    readonly dir: number,
    private readonly track: ReadTracker,
  ) {}

  /** Feeds a counter-direction pen; returns true when e1, e2, e3 form the ending fractal. */
  add(i: number): boolean {
    if (i > this.track.maxRead) this.track.maxRead = i;
    if (this.lstFirst < 0) this.lstFirst = i;
    this.lstLast = i;
    const p = this.pens[i]!;
    if (this.ele0 === null) {
      this.ele0 = this.slots[0].set(i, p, this.dir);
      return false;
    }
    if (this.ele1 === null) {
      if (this.ele0.tryAdd(i, p, true, 0) !== COMBINE) {
        this.ele1 = this.slots[1].set(i, p, this.dir);
        if (this.dir === UP ? this.ele1.high < this.ele0.high : this.ele1.low > this.ele0.low) return this.reset();
      }
      return false;
    }
    this.lastEvidence = i;
    this.lastEvidenceSure = p.sure;
    const allowTopEqual = p.dir === DOWN ? 1 : -1;
    const rel = this.ele1.tryAdd(i, p, false, allowTopEqual);
    if (rel === COMBINE) return false;
    this.ele2 = this.slots[2].set(i, p, rel);
    if (!this.actualBreak()) return this.reset();
    this.ele1.classify(this.ele0, this.ele2, allowTopEqual);
    const isFx = this.dir === UP ? this.ele1.fx === TOP : this.ele1.fx === BOTTOM;
    return isFx ? true : this.reset();
  }

  /** Back to the state of a new instance (lets a caller reuse one object per search). */
  restart(pens: readonly SegPen[]): this {
    this.pens = pens;
    this.clear();
    this.lastEvidence = -1;
    this.lastEvidenceSure = false;
    this.actualBreakFlag = true;
    return this;
  }

  clear(): void {
    this.ele0 = this.ele1 = this.ele2 = null;
    this.lstFirst = this.lstLast = -1;
  }

  /** Drops the first pen and replays the rest. */
  reset(): boolean {
    const from = this.lstFirst + 2,
      to = this.lstLast;
    this.clear();
    for (let i = from; i <= to; i += 2) if (this.add(i)) return true;
    return false;
  }

  peakPenIndex(): number {
    return this.ele1!.peakPenIndex(this.pens);
  }

  allSure(): boolean {
    for (let i = this.lstFirst; i <= this.lstLast; i += 2) if (!this.pens[i]!.sure) return false;
    return this.lastEvidenceSure;
  }

  /** Has e3 really broken through e2 (so the fractal is not an artefact of merging)? */
  private actualBreak(): boolean {
    const pens = this.pens;
    const e1 = this.ele1!,
      e2 = this.ele2!;
    const lastOfE1 = pens[e1.last]!;
    if (this.dir === UP ? e2.low < lastOfE1.low : e2.high > lastOfE1.high) return true;
    const b = e2.first;
    const bp = pens[b]!;
    // Reads (or checks for) pens up to b + 3.
    if (b + 3 > this.track.maxRead) this.track.maxRead = b + 3;
    if (b + 2 < pens.length) {
      const nn = pens[b + 2]!;
      const broke = bp.dir === DOWN ? nn.low < bp.low : nn.high > bp.high;
      if (broke) {
        this.lastEvidence = b + 2;
        this.lastEvidenceSure = nn.sure;
        return true;
      }
      if (!nn.sure || b + 3 >= pens.length) {
        this.actualBreakFlag = false;
        return true;
      }
      return false;
    }
    if (b + 1 < pens.length) {
      const next = pens[b + 1]!;
      if (this.dir === UP ? next.high > e1.high : next.low < e1.low) return false;
    }
    this.actualBreakFlag = false;
    return true;
  }

  /** True: the segment end is confirmed; null: not (yet) decidable. */
  canBeEnd(): true | null {
    this.endTest = this.ele1!.gap ? this.findReverseFractal(this.peakPenIndex() + 2) : this.actualBreakFlag ? true : null;
    return this.endTest;
  }

  /** Case 2: the new move's own feature sequence must form the opposite fractal. */
  private findReverseFractal(begin: number): true | null {
    const pens = this.pens;
    if (begin > this.track.maxRead) this.track.maxRead = begin;
    if (begin >= pens.length) return null;
    const ff = new FeatureFractal(pens, -pens[begin]!.dir, this.track);
    for (let i = begin; i < pens.length; i += 2) {
      if (!ff.add(i)) continue;
      this.reverse = ff;
      let test = ff.canBeEnd();
      if (!ff.actualBreakFlag) test = null;
      this.lastEvidence = ff.ele2!.last;
      if (test === true) this.lastEvidenceSure = pens[this.lastEvidence]!.sure && ff.lastEvidenceSure;
      return test;
    }
    if (pens.length > this.track.maxRead) this.track.maxRead = pens.length;
    return null;
  }
}
