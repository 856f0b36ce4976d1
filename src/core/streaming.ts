// Bar-by-bar analysis (TS engine). Each stage keeps its state between bars; only the part of the
// result that can still change is recomputed, so a bar costs the same at any history length.
// After every bar, `snapshot()` equals `analyze()` of all bars so far.
import { BarValidationError } from './errors.js';
import type { SegPen } from './feature-sequence.js';
import { MacdStream, type MacdMark, type MacdPoint } from './macd-stream.js';
import { MergedBarStore, UP, type MergedMark } from './merge.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from './options.js';
import { PenBuilder, type PenMark, type PenRecord } from './pens.js';
import { buildSegmentsFrom, SegmentState, type SegmentRecord } from './segments.js';
import { shapeResult } from './shape.js';
import type { AnalysisResult, Bars, Pen, Segment } from './types.js';
import { validateBar } from './validate.js';

export interface StreamBar {
  readonly timestamp: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * What changed with a bar, so a consumer can react without diffing. Pens and segments are reported
 * with their index; a later event for the same index replaces the earlier one.
 * - pen_confirmed: a pen now satisfies the full definition (new, or confirmed again after a provisional extension)
 * - pen_extended: the last confirmed pen now ends at a more extreme fractal
 * - pen_provisional: the provisional pen (to the last bar) appeared or moved
 * - segment_confirmed / segment_provisional: likewise for segments
 * - pen_removed / segment_removed: a provisional pen or segment no longer exists
 */
export type StreamEvent =
  | { readonly type: 'pen_confirmed' | 'pen_extended' | 'pen_provisional'; readonly pen: Pen }
  | { readonly type: 'segment_confirmed' | 'segment_provisional'; readonly segment: Segment }
  | { readonly type: 'pen_removed' | 'segment_removed'; readonly index: number };

export interface StreamUpdate {
  /** Index of the bar appended or replaced. */
  readonly barIndex: number;
  readonly replaced: boolean;
  readonly macd: MacdPoint;
  readonly events: readonly StreamEvent[];
}

interface Mark {
  readonly merged: MergedMark;
  readonly pens: PenMark;
  readonly macd: MacdMark;
  readonly finalPens: number;
  readonly finalSegs: number;
  readonly resumeBegin: number;
}

/** Growable Float64Array columns. */
class Columns {
  count = 0;
  cols: Float64Array[];
  constructor(width: number, capacity = 1024) {
    this.cols = Array.from({ length: width }, () => new Float64Array(capacity));
  }
  row(i: number, values: readonly number[]): void {
    if (i >= this.cols[0]!.length) {
      this.cols = this.cols.map((c) => {
        const d = new Float64Array(c.length * 2);
        d.set(c);
        return d;
      });
    }
    for (let j = 0; j < values.length; j++) this.cols[j]![i] = values[j]!;
  }
  view(j: number): Float64Array {
    return this.cols[j]!.subarray(0, this.count);
  }
}

const T = 0, O = 1, H = 2, L = 3, C = 4, V = 5;
const DIF = 0, DEA = 1, HIST = 2;

export class StreamingAnalyzer {
  readonly options: AnalysisOptions;
  private readonly bars = new Columns(6);
  private readonly macdCols = new Columns(3);
  private readonly merged = new MergedBarStore();
  private readonly penBuilder: PenBuilder;
  private readonly macd: MacdStream;
  /** Pens that can no longer change (all confirmed pens but the last), shaped and as the segment stage sees them. */
  private readonly finalPens: Pen[] = [];
  private readonly segPens: SegPen[] = [];
  private readonly segState = new SegmentState();
  /** The current pens from finalPens.length on, and segments from segFrom on (the part that may change). */
  private tailPens: Pen[] = [];
  private tailRecords: PenRecord[] = [];
  private segFrom = 0;
  private tailSegs: Segment[] = [];
  private tailSegRecords: SegmentRecord[] = [];
  private last: Mark | null = null;

  constructor(options: PartialAnalysisOptions | AnalysisOptions = {}) {
    this.options = resolveOptions(options);
    this.penBuilder = new PenBuilder(this.merged, this.options.pen);
    this.macd = new MacdStream(this.options.macd);
  }

  get barCount(): number {
    return this.bars.count;
  }

  /** Adds a closed or forming bar after the last one. Throws BarValidationError (nothing changes) for a bad bar. */
  append(bar: StreamBar): StreamUpdate {
    const i = this.bars.count;
    validateBar(bar, i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    const oldPens = this.tailPens, oldPenFrom = this.finalPens.length;
    const oldSegs = this.tailSegs, oldSegFrom = this.segFrom;
    this.last = this.mark();
    return this.apply(bar, i, false, oldPens, oldPenFrom, oldSegs, oldSegFrom);
  }

  /** Replaces the last bar (the still-forming bar changed). Throws BarValidationError (nothing changes) for a bad bar. */
  replaceLast(bar: StreamBar): StreamUpdate {
    const m = this.last;
    const i = this.bars.count - 1;
    if (m === null || i < 0) throw new BarValidationError(-1, 'bars', 'there is no bar to replace');
    validateBar(bar, i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    // The old state from the restore point on, taken before the restore drops it.
    const oldPenFrom = m.finalPens;
    const oldPens = this.finalPens.slice(oldPenFrom).concat(this.tailPens);
    const oldSegFrom = Math.min(this.segFrom, m.finalSegs);
    const oldSegs = this.shapeFinalSegs(oldSegFrom, this.segFrom).concat(this.tailSegs);
    this.restore(m);
    return this.apply(bar, i, true, oldPens, oldPenFrom, oldSegs, oldSegFrom);
  }

  private apply(bar: StreamBar, i: number, replaced: boolean, oldPens: Pen[], oldPenFrom: number, oldSegs: Segment[], oldSegFrom: number): StreamUpdate {
    this.bars.row(i, [bar.timestamp, bar.open, bar.high, bar.low, bar.close, bar.volume]);
    this.bars.count = i + 1;
    const macd = this.macd.push(bar.close);
    this.macdCols.row(i, [macd.dif, macd.dea, macd.histogram]);
    this.macdCols.count = i + 1;
    const m = this.merged;
    if (m.push(i, bar.high, bar.low) && m.count >= 3) this.penBuilder.onClassified(m.count - 2);
    this.finalizePens();
    const tail = this.penBuilder.tail();
    this.tailRecords = tail;
    this.tailPens = tail.map((r, j) => this.shapePen(r, this.finalPens.length + j));
    // Prices count too: a pen may end in the still-open merged bar, whose high/low can move.
    const pensChanged = replaced || this.finalPens.length !== oldPenFrom || !sameList(oldPens, this.tailPens, samePen);
    if (pensChanged) this.updateSegments();
    const events: StreamEvent[] = [];
    diffPens(oldPens, oldPenFrom, this.finalPens, this.tailPens, events);
    if (pensChanged) this.diffSegments(oldSegs, oldSegFrom, events);
    return { barIndex: i, replaced, macd, events };
  }

  /** Pens before the last confirmed one are final: shape them once. */
  private finalizePens(): void {
    const pens = this.penBuilder.pens;
    for (let j = this.finalPens.length; j < pens.length - 1; j++) {
      this.finalPens.push(this.shapePen(pens[j]!, j));
      this.segPens.push(this.segPen(pens[j]!));
    }
  }

  private updateSegments(): void {
    const nFinal = this.finalPens.length;
    const segPens = this.segPens;
    segPens.length = nFinal;
    for (const r of this.tailRecords) segPens.push(this.segPen(r));
    const list = buildSegmentsFrom(segPens, this.segState, nFinal);
    segPens.length = nFinal;
    this.segFrom = list.baseLen;
    this.tailSegRecords = list.extra;
    this.tailSegs = list.extra.map((s, j) => this.shapeSeg(s, list.baseLen + j));
  }

  private diffSegments(oldSegs: Segment[], oldFrom: number, events: StreamEvent[]): void {
    // Compare from the lower start; entries below the other start are final in both states.
    const from = Math.min(oldFrom, this.segFrom);
    const before = this.shapeFinalSegs(from, oldFrom).concat(oldSegs);
    const after = this.shapeFinalSegs(from, this.segFrom).concat(this.tailSegs);
    const n = Math.max(before.length, after.length);
    for (let j = 0; j < n; j++) {
      const a = before[j], b = after[j];
      if (b === undefined) events.push({ type: 'segment_removed', index: from + j });
      else if (a === undefined || !sameSegment(a, b)) events.push({ type: b.confirmed ? 'segment_confirmed' : 'segment_provisional', segment: b });
    }
  }

  private shapeFinalSegs(from: number, to: number): Segment[] {
    const out: Segment[] = [];
    for (let j = from; j < to; j++) out.push(this.shapeSeg(this.segState.final[j]!, j));
    return out;
  }

  private penAt(i: number): Pen {
    const f = this.finalPens.length;
    return i < f ? this.finalPens[i]! : this.tailPens[i - f]!;
  }

  private shapeSeg(s: SegmentRecord, index: number): Segment {
    const a = this.penAt(s.startPen), b = this.penAt(s.endPen);
    return {
      index,
      direction: s.dir === UP ? 'up' : 'down',
      startPen: s.startPen,
      endPen: s.endPen,
      startRaw: a.startRaw,
      endRaw: b.endRaw,
      startPrice: a.startPrice,
      endPrice: b.endPrice,
      startTime: a.startTime,
      endTime: b.endTime,
      confirmed: s.confirmed,
      endCase: s.endCase,
    };
  }

  private shapePen(r: PenRecord, index: number): Pen {
    const m = this.merged;
    const up = r.dir === UP;
    const startRaw = up ? m.lowApex[r.startK]! : m.highApex[r.startK]!;
    const endRaw = up ? m.highApex[r.endK]! : m.lowApex[r.endK]!;
    const t = this.bars.cols[T]!;
    return {
      index,
      direction: up ? 'up' : 'down',
      startMerged: r.startK,
      endMerged: r.endK,
      startRaw,
      endRaw,
      startPrice: up ? m.low[r.startK]! : m.high[r.startK]!,
      endPrice: up ? m.high[r.endK]! : m.low[r.endK]!,
      startTime: t[startRaw]!,
      endTime: t[endRaw]!,
      confirmed: r.confirmed,
    };
  }

  private segPen(p: PenRecord): SegPen {
    const m = this.merged;
    const up = p.dir === UP;
    const begin = up ? m.low[p.startK]! : m.high[p.startK]!;
    const end = up ? m.high[p.endK]! : m.low[p.endK]!;
    return { dir: p.dir, high: up ? end : begin, low: up ? begin : end, beginVal: begin, endVal: end, sure: p.wasConfirmed };
  }

  private mark(): Mark {
    return {
      merged: this.merged.mark(),
      pens: this.penBuilder.mark(),
      macd: this.macd.mark(),
      finalPens: this.finalPens.length,
      finalSegs: this.segState.final.length,
      resumeBegin: this.segState.resumeBegin,
    };
  }

  private restore(m: Mark): void {
    this.bars.count--;
    this.macdCols.count--;
    this.merged.restore(m.merged);
    this.penBuilder.restore(m.pens);
    this.macd.restore(m.macd);
    this.finalPens.length = m.finalPens;
    this.segPens.length = m.finalPens;
    this.segState.final.length = m.finalSegs;
    this.segState.resumeBegin = m.resumeBegin;
  }

  /** The full result for all bars so far: equal to analyze() of the same bars. O(bars): a read, not per-bar work. */
  snapshot(): AnalysisResult {
    const n = this.bars.count;
    const bars: Bars = {
      timestamp: this.bars.view(T).slice(),
      open: this.bars.view(O).slice(),
      high: this.bars.view(H).slice(),
      low: this.bars.view(L).slice(),
      close: this.bars.view(C).slice(),
      volume: this.bars.view(V).slice(),
    };
    const m = this.merged;
    const c = m.count;
    const merged = {
      count: c,
      high: m.high.slice(0, c),
      low: m.low.slice(0, c),
      dir: m.dir.slice(0, c),
      rawStart: m.rawStart.slice(0, c),
      rawEnd: m.rawEnd.slice(0, c),
      fx: m.fx,
      highApex: m.highApex,
      lowApex: m.lowApex,
      fractalIndex: m.fractalIndex,
      fractalCount: m.fractalCount,
    };
    const pens = this.penBuilder.pens.slice(0, Math.max(0, this.penBuilder.pens.length - 1)).concat(this.tailRecords);
    const segments = this.segState.final.slice(0, this.segFrom).concat(this.tailSegRecords);
    const macd = {
      dif: this.macdCols.view(DIF).slice(),
      dea: this.macdCols.view(DEA).slice(),
      histogram: this.macdCols.view(HIST).slice(),
      firstValid: this.macd.firstValid(n),
    };
    return shapeResult(bars, { merged, pens, segments, macd });
  }
}

function sameList<X>(a: readonly X[], b: readonly X[], same: (x: X, y: X) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (!same(a[j]!, b[j]!)) return false;
  return true;
}

const samePen = (a: Pen, b: Pen) =>
  a.startMerged === b.startMerged && a.endMerged === b.endMerged && a.startRaw === b.startRaw && a.endRaw === b.endRaw &&
  a.direction === b.direction && a.confirmed === b.confirmed && a.endPrice === b.endPrice && a.startPrice === b.startPrice;

const sameSegment = (a: Segment, b: Segment) =>
  a.startPen === b.startPen && a.endPen === b.endPen && a.direction === b.direction && a.confirmed === b.confirmed &&
  a.endCase === b.endCase && a.startRaw === b.startRaw && a.endRaw === b.endRaw && a.startPrice === b.startPrice && a.endPrice === b.endPrice;

/** Events for pens from index `from`: `oldPens` then versus final pens + tail now. */
function diffPens(oldPens: Pen[], from: number, finalPens: Pen[], tail: Pen[], events: StreamEvent[]): void {
  const nowCount = finalPens.length + tail.length;
  const at = (i: number) => (i < finalPens.length ? finalPens[i]! : tail[i - finalPens.length]!);
  const end = Math.max(from + oldPens.length, nowCount);
  for (let i = from; i < end; i++) {
    const a = oldPens[i - from];
    if (i >= nowCount) {
      events.push({ type: 'pen_removed', index: i });
      continue;
    }
    const b = at(i);
    if (a !== undefined && samePen(a, b)) continue;
    const type = !b.confirmed ? 'pen_provisional' : a !== undefined && a.confirmed && a.startMerged === b.startMerged ? 'pen_extended' : 'pen_confirmed';
    events.push({ type, pen: b });
  }
}
