// Reads of what a streaming analyzer keeps, through its kernel: its pens and segments, and the tail
// reads (penTail, segmentTail, structureTail, macdTail) that give the latest of them without a
// snapshot of the whole result, with what their checks read. The analyzer owns the state; these
// only read it.
import { InputError } from '../core/errors.js';
import { firstIndex, kthLastHit } from '../core/search.js';
import type { AnalysisOptions } from '../core/options.js';
import type { PenRecord, SegmentRecord } from '../core/records.js';
import { allocatePenColumns, penAt, setPenRow, shapeSegment } from '../core/result.js';
import type { SegmentUpdate, StreamKernel } from '../core/stream-kernel.js';
import type { Level } from '../core/structure-options.js';
import type { PenColumns, SegmentOfSegments } from '../core/types.js';
import { macdSeries } from '../core/macd-series.js';
import { C, DEA, DIF, H, L, O, T, V, type Columns } from './bar-columns.js';
import type { StreamStructures } from './structures.js';
import {
  checkTailLength,
  rebasedPart,
  segsegTailOf,
  structureTailOf,
  type Confirmed,
  type MacdTail,
  type PenTail,
  type SegmentTail,
  type SegsegTail,
  type StructureTail,
} from './tails.js';

/** Global indices of local index 0 of the kept raw bars, merged bars, pens and segments (non-zero once a window dropped old data). */
export interface Bases {
  raw: number;
  merged: number;
  pen: number;
  seg: number;
  /** Confirmed segments among those before local segment 0 (dropped by the window). */
  confirmedSeg: number;
}

/** The analyzer's state these read (its own objects, not copies). */
export interface KeptState {
  readonly k: StreamKernel;
  /** Bar columns (timestamp, open, high, low, close, volume) and MACD columns (DIF, DEA, histogram). */
  readonly bars: Columns;
  readonly macd: Columns;
  readonly structures: StreamStructures;
  readonly options: AnalysisOptions;
  readonly base: Bases;
}

/** The kept segments' count: those before the kernel's update and the ones it holds. */
const segmentCount = (u: SegmentUpdate) => u.from + u.extra.length;

export class KeptReads {
  constructor(private readonly s: KeptState) {}

  private get barCount(): number {
    return this.s.base.raw + this.s.bars.count;
  }

  /** Pens before this (local) index are final: all confirmed pens but the last. */
  private finalPenCount(): number {
    return Math.max(0, this.s.k.penCount() - 1);
  }

  /**
   * The kept pens from local index `from` on as columns, the final ones then the tail as of the last
   * bar; their merged indices plus `mergedBase` (default: global).
   */
  penColumns(from = 0, mergedBase = this.s.base.merged): PenColumns {
    const m = this.s.k.merged(),
      ts = this.s.bars.cols[T]!,
      final = this.finalPenCount(),
      tail = this.s.k.tail();
    const c = allocatePenColumns(Math.max(0, final + tail.length - from));
    for (let j = from; j < final; j++) setPenRow(c, j - from, m, this.s.k.pen(j), ts, mergedBase, this.s.base.raw);
    tail.forEach((r, j) => {
      if (final + j >= from) setPenRow(c, final + j - from, m, r, ts, mergedBase, this.s.base.raw);
    });
    return c;
  }

  /**
   * The last `n` pens (all of them when there are fewer; with a window, see checkable) for a reader
   * of the latest pens (the service's CalculatePens with last_n), with what their check reads: O(n
   * and the bars they span), not O(history). Valid until the analyzer next changes (it shares the
   * analyzer's bar columns).
   */
  penTail(n: number): PenTail {
    checkTailLength(n);
    const total = this.keptPenCount(),
      from = Math.max(0, total - n);
    return this.tailFrom(from < total && !this.checkable(from) ? from + 1 : from);
  }

  /**
   * Whether the merged bar before pen j's start is kept, which the check of a tail from pen j reads:
   * with a window, the first kept pen may start at the first kept merged bar, and a tail then
   * starts at the next pen (or segment).
   */
  private checkable(j: number): boolean {
    return this.pen(j).startK > 0;
  }

  /**
   * The last `n` segments (all of them when there are fewer) as penTail gives the last pens, with
   * the pens from the first one's start on: O(n segments and what they span), not O(history).
   */
  segmentTail(n: number): SegmentTail {
    checkTailLength(n);
    const u = this.s.k.segments(),
      count = segmentCount(u);
    return this.checkedSegmentTail(u, Math.max(0, count - n));
  }

  /**
   * The kept segments of `u` from local index `from` on (from the next one when a tail cannot start
   * at its first pen: see checkable), with their pens, as segmentTail gives them.
   */
  private checkedSegmentTail(u: SegmentUpdate, from: number): SegmentTail {
    const start = from < segmentCount(u) && !this.checkable(this.segmentOf(u, from).startPen) ? from + 1 : from;
    return this.segmentTailFrom(u, start, Math.max(0, this.keptPenCount() - 1));
  }

  /**
   * The segments from the `n`-th last confirmed one on (all of them when fewer are confirmed), as
   * segmentTail gives them, and how many segments are confirmed (the service's CalculateSegments
   * with confirmed_only and last_n): O(n and what they span, plus a look at each kept segment's
   * flag), not O(bars). Unconfirmed segments also stand among confirmed ones (chan.py's first
   * segments of a series may stay so), so they are counted, not taken to be the last ones.
   */
  confirmedSegmentTail(n: number): Confirmed<SegmentTail> {
    checkTailLength(n);
    const u = this.s.k.segments(),
      count = segmentCount(u);
    const { at, hits } = kthLastHit(count, n, (j) => this.segmentOf(u, j).confirmed);
    return { ...this.checkedSegmentTail(u, at), confirmedTotal: this.s.base.confirmedSeg + hits };
  }

  /**
   * The last `n` pivots and buy/sell points of a level (all when there are fewer) for a reader of the
   * latest ones (the service's CalculatePivots and GetBuySellPoints with last_n), with what they sit
   * on as segmentTail gives it: the segments from the one that holds the first line they read (a
   * pivot's entering line, a point's line and related line; at the segment level, from the first
   * segment of the segment of segments that holds it, with those segments of segments) and their
   * pens. O(n and what they span), not O(history). Indices are rebased as the tail's (`tailPivot`,
   * `tailPoint` make them global). With a window, those that read a line a tail cannot start from
   * are left out.
   */
  structureTail(n: number, level: Level = 'pen'): StructureTail {
    checkTailLength(n);
    if (level !== 'pen' && level !== 'segment')
      throw new InputError(`a structure tail's level must be 'pen' or 'segment', got '${String(level)}'`, 'level');
    const st = this.s.structures,
      lv = st[level];
    const pivots = lv.lastPivots(n),
      points = lv.lastPoints(n);
    const u = this.s.k.segments(),
      count = segmentCount(u);
    // The first line they read; with none, the end of the level's lines (a tail of no history).
    let line = level === 'pen' ? this.s.base.pen + this.keptPenCount() : this.s.base.seg + count;
    for (const z of pivots.items) line = Math.min(line, z.enteringLine);
    for (const p of points.items) line = Math.min(line, p.relatedLine ?? p.line);
    if (level === 'segment')
      return structureTailOf(this.segsegTailFrom(u, st.segmentsOfSegments(st.segsegEndingFrom(line)), line), level, pivots, points);
    const firstPen = this.firstCheckablePen(),
      pen = Math.max(firstPen, line - this.s.base.pen);
    // The first segment that ends at or after that pen (segments are in pen order).
    let from = firstIndex(count, (j) => this.segmentOf(u, j).endPen >= pen);
    if (from < count && this.segmentOf(u, from).startPen < firstPen) from++;
    return structureTailOf(segsegTailOf(this.segmentTailFrom(u, from, pen), [], st.segsegTotal), level, pivots, points);
  }

  /**
   * The last `n` segments of segments (all when there are fewer) for a reader of the latest ones (the
   * service's CalculateSegments of the segment level with last_n), with the segments and pens under
   * them as segmentTail gives them: O(n and what they span), not O(history). With a window, one whose
   * first pen a tail cannot start from is left out.
   */
  segsegTail(n: number): SegsegTail {
    checkTailLength(n);
    const st = this.s.structures;
    const u = this.s.k.segments();
    return this.segsegTailFrom(u, st.segmentsOfSegments(Math.max(0, st.segsegsKept - n)), this.s.base.seg + segmentCount(u));
  }

  /** The segments of segments from the `n`-th last confirmed one on, as segsegTail gives them, and how many are confirmed. */
  confirmedSegsegTail(n: number): Confirmed<SegsegTail> {
    checkTailLength(n);
    const st = this.s.structures,
      u = this.s.k.segments(),
      { from, total } = st.confirmedSegsegs(n);
    return { ...this.segsegTailFrom(u, st.segmentsOfSegments(from), this.s.base.seg + segmentCount(u)), confirmedTotal: total };
  }

  /**
   * Segments of segments `segsegs` (global indices) but those whose first pen a tail cannot start from,
   * with the segments and pens from the first one's first segment on (from global segment `orFrom`
   * when there are none).
   */
  private segsegTailFrom(u: SegmentUpdate, segsegs: SegmentOfSegments[], orFrom: number): SegsegTail {
    const count = segmentCount(u),
      firstPen = this.firstCheckablePen(),
      base = this.s.base.seg;
    const kept = segsegs.filter((s) => s.startSegment >= base && this.segmentOf(u, s.startSegment - base).startPen >= firstPen);
    // Those left out are the first ones: the tail starts after them, as no segment of segments it
    // shows can cover their segments.
    const left = segsegs.length - kept.length;
    let from = kept.length > 0 ? kept[0]!.startSegment - base : Math.max(0, orFrom - base);
    if (left > 0) from = Math.max(from, segsegs[left - 1]!.endSegment + 1 - base);
    if (from < count && this.segmentOf(u, from).startPen < firstPen) from++;
    return segsegTailOf(this.segmentTailFrom(u, from, Math.max(0, this.keptPenCount() - 1)), kept, this.s.structures.segsegTotal);
  }

  /** The first kept pen a tail can start from: 0, or 1 when pen 0 starts at the first kept merged bar (with a window; see checkable). */
  private firstCheckablePen(): number {
    return this.keptPenCount() > 0 && !this.checkable(0) ? 1 : 0;
  }

  /**
   * The kept segments of `u` (the kernel's segments()) from local index `from` on, with their pens
   * (from `firstPen` when there are none) as penTail gives them.
   */
  private segmentTailFrom(u: SegmentUpdate, from: number, firstPen: number): SegmentTail {
    const count = segmentCount(u);
    const segs: SegmentRecord[] = [];
    for (let j = from; j < count; j++) segs.push(this.segmentOf(u, j));
    const first = segs.length > 0 ? segs[0]!.startPen : firstPen;
    const t = this.tailFrom(first);
    const pens = t.part.penColumns;
    const segments = segs.map((r, j) => shapeSegment(r, j, penAt(pens, r.startPen - first), penAt(pens, r.endPen - first)));
    return { ...t, firstSegment: this.s.base.seg + from, segmentTotal: this.s.base.seg + count, segments };
  }

  /** Kept segment j of `u` (the kernel's segments()): a final one, or one on the current pens. */
  private segmentOf(u: SegmentUpdate, j: number): SegmentRecord {
    return j < u.from ? this.s.k.finalSegment(j) : u.extra[j - u.from]!;
  }

  /**
   * The MACD of the last `n` bars (all kept ones when fewer) and their timestamps, as views: O(n), for
   * a reader of the latest values (the service's GetMACD with last_n). `macd.firstValid` counts from
   * the first of them. Valid until the analyzer next changes.
   */
  macdTail(n: number): MacdTail {
    checkTailLength(n);
    const count = this.s.bars.count,
      from = Math.max(0, count - n),
      first = this.s.base.raw + from;
    const v = (c: Columns, j: number) => c.view(j).subarray(from);
    const firstValid = Math.min(count - from, Math.max(0, macdFirstValid(this.s.options, this.barCount) - first));
    return {
      first,
      barCount: this.barCount,
      timestamp: v(this.s.bars, T),
      macd: macdSeries(v(this.s.macd, DIF), v(this.s.macd, DEA), firstValid, this.s.options.macd.histogramScale),
    };
  }

  /** The kept segments: the final ones, then those on the current pens. */
  segmentRecords(): SegmentRecord[] {
    const { from, extra } = this.s.k.segments();
    const segs: SegmentRecord[] = [];
    for (let j = 0; j < from; j++) segs.push(this.s.k.finalSegment(j));
    segs.push(...extra);
    return segs;
  }

  /** The kept pens from local index `from` on, with what their check reads (penTail). */
  private tailFrom(from: number): PenTail {
    const m = this.s.k.merged(),
      total = this.keptPenCount();
    // From the merged bar before the first pen's start (the check's first merged bar is not a fractal).
    const k0 = from < total ? Math.max(0, this.pen(from).startK - 1) : Math.max(0, m.count - 1);
    const r0 = m.count > 0 ? m.rawStart[k0]! : this.s.base.raw; // global
    const b = (j: number) => this.s.bars.view(j).subarray(r0 - this.s.base.raw);
    return {
      first: this.s.base.pen + from,
      total: this.s.base.pen + total,
      barCount: this.barCount,
      mergedBase: this.s.base.merged + k0,
      rawBase: r0,
      part: rebasedPart(m, k0, r0, this.penColumns(from, -k0)),
      bars: { timestamp: b(T), open: b(O), high: b(H), low: b(L), close: b(C), volume: b(V) },
    };
  }

  /** Kept pens: the final ones and the tail. */
  private keptPenCount(): number {
    return this.finalPenCount() + this.s.k.tail().length;
  }

  /** Kept pen j (a local index): a final pen or one of the tail. */
  private pen(j: number): PenRecord {
    const final = this.finalPenCount();
    return j < final ? this.s.k.pen(j) : this.s.k.tail()[j - final]!;
  }

  /** Raw index of final pen j's end. */
  penEndRaw(j: number): number {
    const r = this.s.k.pen(j),
      m = this.s.k.merged();
    return r.dir === 1 ? m.highApex[r.endK]! : m.lowApex[r.endK]!;
  }
}

/** Index of the first defined MACD value after n bars (as computeMacd reports it). */
export function macdFirstValid(o: AnalysisOptions, n: number): number {
  if (o.macd.seed !== 'sma') return 0;
  const fv = o.macd.slow + o.macd.signal - 2;
  return n <= fv ? n : fv;
}
