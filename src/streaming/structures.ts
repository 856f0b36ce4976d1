// The streaming analyzer's structures: pivots and buy/sell points of the pen and segment levels, and
// the segments of segments, kept equal to a batch computation on the bars so far. They are fed by the
// kernel's pen and segment events (so both kernels give the same structures) and recomputed only for
// a bar that changed a pen, a segment or the last pen's MACD peak.
import type { StreamEvent, StructureEvent } from '../core/events.js';
import type { StreamKernel } from '../core/stream-kernel.js';
import type { StructureOptions } from '../core/structure-options.js';
import type { Pen, Segment, SegmentOfSegments } from '../core/types.js';
import type { SegPen } from '../engines/ts/feature-sequence.js';
import { buildSegmentsFrom, SegmentState } from '../engines/ts/segments.js';
import { histogramPeak } from '../core/structures/lines.js';
import { firstIndex, kthLastHit } from '../core/search.js';
import type { SegmentRecord } from '../core/records.js';
import { StructureLevel, type SavedLevel } from './structure-level.js';

/** What a bar's structure update reads besides the events (local columns start at global raw bar rawBase). */
export interface BarContext {
  readonly kernel: StreamKernel;
  readonly rawBase: number;
  readonly mergedBase: number;
  readonly segBase: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly histogram: Float64Array;
  /** Global index of the last bar. */
  readonly lastRaw: number;
}

export interface SavedStructures {
  readonly pen: SavedLevel;
  readonly segment: SavedLevel;
  readonly segsegs: readonly SegmentRecord[];
  readonly resumeBegin: number;
  readonly droppedConfirmed: number;
}

export class StreamStructures {
  readonly pen = new StructureLevel('pen');
  readonly segment = new StructureLevel('segment');
  /** The segment stage run on the segment level's lines (segments of segments); its records index those lines. */
  private readonly segsegState = new SegmentState();
  private segPens: SegPen[] = [];
  /** Segment-level parents (segments of segments) below this are final records already set. */
  private setSegsegs = 0;
  /** Confirmed segments of segments among those the window dropped. */
  private droppedConfirmed = 0;

  constructor(private readonly options: StructureOptions) {}

  /** Updates the structures after a bar whose kernel events are `events`; returns the structure events. */
  update(events: readonly StreamEvent[], c: BarContext): StructureEvent[] {
    let penDirty = false,
      segDirty = false;
    for (const e of events) {
      switch (e.type) {
        case 'pen_confirmed':
        case 'pen_extended':
        case 'pen_provisional':
          this.setPen(e.pen, c);
          penDirty = true;
          break;
        case 'pen_removed':
          this.pen.truncateLines(e.index);
          penDirty = true;
          break;
        case 'segment_confirmed':
        case 'segment_provisional':
          this.setSegment(e.segment, c);
          penDirty = segDirty = true;
          break;
        case 'segment_removed':
          this.pen.truncateParents(e.index);
          this.segment.truncateLines(e.index);
          penDirty = segDirty = true;
          break;
      }
    }
    if (this.lastPenPeakMoved(c)) penDirty = true;
    if (!penDirty) return [];
    const out: StructureEvent[] = [];
    const fixedSegments = fixedSegmentCount(c);
    this.pen.update(fixedSegments, this.options, out);
    if (segDirty) {
      this.buildSegsegs(fixedSegments);
      this.segment.update(this.fixedSegsegs(), this.options, out);
    }
    return out;
  }

  private setPen(p: Pen, c: BarContext): void {
    const up = p.direction === 'up';
    const m = c.kernel.merged();
    const from = m.rawStart[p.startMerged - c.mergedBase]!,
      to = m.rawEnd[p.endMerged - c.mergedBase]!;
    const low = up ? p.startPrice : p.endPrice,
      high = up ? p.endPrice : p.startPrice;
    const lv = this.pen;
    lv.setLine(p.index, up ? 1 : -1, low, high, p.startPrice, p.endPrice, p.startRaw, p.endRaw, p.startTime, p.endTime, p.confirmed, 0);
    const i = p.index - lv.lineBase,
      l = lv.lines;
    l.rangeFrom[i] = from;
    l.rangeTo[i] = to;
    l.endMerged[i] = p.endMerged;
    l.metricValue[i] = histogramPeak(c.histogram, from - c.rawBase, to - c.rawBase, up);
  }

  /**
   * The last pen's MACD peak reads the raw bars of its end merged bar: when that merged bar holds the
   * last bar (whose histogram a replaced bar changes) or its raw range moved, the peak is read again.
   */
  private lastPenPeakMoved(c: BarContext): boolean {
    const l = this.pen.lines,
      i = l.n - 1;
    if (i < 0) return false;
    const to = c.kernel.merged().rawEnd[l.endMerged[i]! - c.mergedBase]!;
    if (to !== l.rangeTo[i] || to === c.lastRaw) {
      l.rangeTo[i] = to;
      const v = histogramPeak(c.histogram, l.rangeFrom[i]! - c.rawBase, to - c.rawBase, l.dir[i] === 1);
      if (v !== l.metricValue[i]) {
        l.metricValue[i] = v;
        return true;
      }
    }
    return false;
  }

  private setSegment(s: Segment, c: BarContext): void {
    this.pen.setParent(s.index, s.startPen, s.endPen, s.direction === 'up' ? 1 : -1, s.confirmed);
    const up = s.direction === 'up';
    const b = s.startRaw - c.rawBase,
      e = s.endRaw - c.rawBase;
    const low = up ? c.low[b]! : c.low[e]!,
      high = up ? c.high[e]! : c.high[b]!;
    const n = s.endRaw - s.startRaw + 1;
    // The "slope" (core/structures/lines.ts): a difference, then two divisions, in this order.
    const slope = up ? (c.high[e]! - c.low[b]!) / c.high[e]! / n : (c.high[b]! - c.low[e]!) / c.high[b]! / n;
    const lv = this.segment;
    lv.setLine(s.index, up ? 1 : -1, low, high, s.startPrice, s.endPrice, s.startRaw, s.endRaw, s.startTime, s.endTime, s.confirmed, slope);
    this.segPens[s.index - lv.lineBase] = segPenOfLine(lv, s.index - lv.lineBase);
  }

  /** The segments of segments over the segment level's lines; segments before `fixedSegments` never change. */
  private buildSegsegs(fixedSegments: number): void {
    const lv = this.segment;
    // One per kept line: this also drops the entries of segments removed since the last build.
    this.segPens.length = lv.lines.n;
    const list = buildSegmentsFrom(this.segPens, this.segsegState, Math.max(0, fixedSegments - lv.lineBase));
    // Only the records from the last final one shown before on can differ: set those.
    const n = list.length;
    lv.truncateParents(lv.parentBase + n);
    for (let j = Math.min(this.setSegsegs, list.baseLen); j < n; j++) {
      const r = j < list.baseLen ? list.base[j]! : list.extra[j - list.baseLen]!;
      lv.setParent(lv.parentBase + j, lv.lineBase + r.startPen, lv.lineBase + r.endPen, r.dir, r.confirmed);
    }
    this.setSegsegs = list.baseLen;
  }

  /** Global count of segments of segments that never change: the final ones up to the last confirmed. */
  private fixedSegsegs(): number {
    const f = this.segsegState.final;
    let j = f.length - 1;
    while (j >= 0 && !f[j]!.confirmed) j--;
    return this.segment.parentBase + j + 1;
  }

  /** Segments of segments now (with a window, from the first kept one), from kept one `from` on. */
  segmentsOfSegments(from = 0): SegmentOfSegments[] {
    const lv = this.segment,
      l = lv.lines,
      p = lv.parents;
    return Array.from({ length: Math.max(0, p.m - from) }, (_, k) => {
      const j = from + k;
      const a = p.start[j]!,
        b = p.end[j]!;
      return {
        index: lv.parentBase + j,
        direction: p.dir[j] === 1 ? 'up' : 'down',
        startSegment: lv.lineBase + a,
        endSegment: lv.lineBase + b,
        startRaw: l.beginRaw[a]!,
        endRaw: l.endRaw[b]!,
        startPrice: l.begin[a]!,
        endPrice: l.end[b]!,
        startTime: l.beginTime[a]!,
        endTime: l.endTime[b]!,
        confirmed: p.confirmed[j] === 1,
      };
    });
  }

  /**
   * The kept segment of segments from the `n`-th last confirmed one on (the kept count when none is),
   * and how many are confirmed (unconfirmed ones stand among them: the first ones of a series may).
   */
  confirmedSegsegs(n: number): { from: number; total: number } {
    const p = this.segment.parents;
    const { at, hits } = kthLastHit(p.m, n, (j) => p.confirmed[j] === 1);
    return { from: at, total: this.droppedConfirmed + hits };
  }

  /** Kept segments of segments, and their global count. */
  get segsegsKept(): number {
    return this.segment.parents.m;
  }

  get segsegTotal(): number {
    return this.segment.parentBase + this.segment.parents.m;
  }

  /** The first kept segment of segments that ends at or after global segment g (their count when none). */
  segsegEndingFrom(g: number): number {
    const lv = this.segment;
    return firstIndex(lv.parents.m, (j) => lv.lineBase + lv.parents.end[j]! >= g);
  }

  /** Bytes held, roughly (for memory budgets). */
  get memoryBytes(): number {
    return this.pen.memoryBytes + this.segment.memoryBytes + this.segPens.length * 80;
  }

  /** Drops what ends before raw bar `beforeRaw` and no later bar can change (streaming window). */
  drop(beforeRaw: number): void {
    this.pen.drop(beforeRaw, Infinity, Infinity);
    // The segment stage on segments reads back to its last confirmed final record (the leftover pass
    // may take back later ones) and from where its search resumes.
    const s = this.segsegState,
      lv = this.segment;
    let j = s.final.length - 1;
    while (j >= 0 && !s.final[j]!.confirmed) j--;
    if (j < 0) return;
    const keepLine = Math.min(s.resumeBegin, s.final[j]!.endPen);
    const { lines, parents } = lv.drop(beforeRaw, lv.lineBase + keepLine, lv.parentBase + j);
    for (let k = 0; k < parents; k++) if (s.final[k]!.confirmed) this.droppedConfirmed++;
    s.final.splice(0, parents);
    for (const r of s.final) {
      r.startPen -= lines;
      r.endPen -= lines;
    }
    s.resumeBegin -= lines;
    this.segPens.splice(0, lines);
    this.setSegsegs = Math.max(0, this.setSegsegs - parents);
  }

  save(arrays: Record<string, Int8Array | Uint8Array | Int32Array | Float64Array>): SavedStructures {
    return {
      pen: this.pen.save('pen.', arrays),
      segment: this.segment.save('segment.', arrays),
      segsegs: this.segsegState.final,
      resumeBegin: this.segsegState.resumeBegin,
      droppedConfirmed: this.droppedConfirmed,
    };
  }

  load(s: SavedStructures, arrays: Record<string, Int8Array | Uint8Array | Int32Array | Float64Array>): void {
    this.pen.load(s.pen, 'pen.', arrays);
    this.segment.load(s.segment, 'segment.', arrays);
    const lv = this.segment;
    this.segPens = Array.from({ length: lv.lines.n }, (_, i) => segPenOfLine(lv, i));
    this.segsegState.final.length = 0;
    this.segsegState.final.push(...s.segsegs.map((r) => ({ ...r })));
    this.segsegState.resumeBegin = s.resumeBegin;
    this.droppedConfirmed = s.droppedConfirmed;
    this.setSegsegs = 0;
  }
}

/** The segment stage's view of a segment-level line (its "pen"). */
function segPenOfLine(lv: StructureLevel, i: number): SegPen {
  const l = lv.lines;
  return { dir: l.dir[i]!, high: l.high[i]!, low: l.low[i]!, beginVal: l.begin[i]!, endVal: l.end[i]!, sure: l.confirmed[i] === 1 };
}

/**
 * Global count of segments that never change: the kernel's final segments as of the state before the
 * last bar (a replaced bar goes back to it), up to the last confirmed one (the leftover pass may take
 * back a final segment after it).
 */
function fixedSegmentCount(c: BarContext): number {
  const k = c.kernel,
    mark = k.lastMark();
  let j = Math.min(k.finalSegmentCount(), mark === null ? Infinity : mark.segs.count) - 1;
  while (j >= 0 && !k.finalSegment(j).confirmed) j--;
  return c.segBase + j + 1;
}
