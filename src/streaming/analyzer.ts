// Bar-by-bar analysis. The stages run in a kernel (TS or WASM, see engines/ts/kernel.ts), the segment
// stage resuming from its last final segment. Only the part of the result that can still change is
// recomputed, so a bar's cost does not grow with the history.
// After every bar, `snapshot()` equals `analyze()` of all bars so far.
import { checkSettings } from '../core/checks.js';
import { BarValidationError, ConfigError } from '../core/errors.js';
import type { MacdPoint } from '../core/types.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from '../core/options.js';
import { Columns, interleave } from './bar-columns.js';
import { readEvents, type StreamEvent } from '../core/events.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { type SegmentUpdate, type StreamKernel, type StreamKernelFactory } from '../core/stream-kernel.js';
import type { PenRecord, SegmentRecord } from '../core/records.js';
import {
  checkTailLength,
  rebasedPart,
  structureTailOf,
  type MacdTail,
  type PenTail,
  type SegmentTail,
  type StructureTail,
} from './tails.js';
import { allocatePenColumns, penAt, penList, setPenRow, shapeFractals, shapeSegment } from '../core/result.js';
import { checkSameOptions } from './state-blob.js';
import { readAnalyzerState, writeAnalyzerState } from './analyzer-state.js';
import type { AnalysisResult, Bars, Pen, PenColumns, SegmentOfSegments } from '../core/types.js';
import type { Level } from '../core/structure-options.js';
import { validateBar } from '../core/validate.js';
import { macdSeries } from '../core/macd-series.js';
import { StreamStructures } from './structures.js';

export interface StreamOptions {
  /**
   * Raw bars to keep (default: all). Older bars, merged bars, fractals, pens and segments are
   * dropped once twice this many bars are held; what is kept equals the unbounded analyzer's.
   */
  readonly window?: number;
  /** The per-bar engine (default: the TS engine). `createWasmStreamKernel` gives the WASM one. */
  readonly kernel?: StreamKernelFactory;
}

/** Where the kept data starts (all 0 without a window): global indices of the first bar, merged bar, fractal, pen and segment. */
export interface Retained {
  readonly firstBar: number;
  readonly firstMerged: number;
  readonly firstPen: number;
  readonly firstSegment: number;
}

const MIN_WINDOW = 500;

export interface StreamBar {
  readonly timestamp: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type { StreamEvent } from '../core/events.js';

export interface StreamUpdate {
  /** Index of the bar appended or replaced. */
  readonly barIndex: number;
  readonly replaced: boolean;
  readonly macd: MacdPoint;
  readonly events: readonly StreamEvent[];
}

const T = 0,
  O = 1,
  H = 2,
  L = 3,
  C = 4,
  V = 5;
const DIF = 0,
  DEA = 1,
  HIST = 2;

export class StreamingAnalyzer {
  readonly options: AnalysisOptions;
  private readonly bars = new Columns(6);
  private readonly macdCols = new Columns(3);
  private readonly k: StreamKernel;
  private readonly structures: StreamStructures;
  /** A bar was appended, so replaceLast can go back to the state before it (the kernel holds that state). */
  private replaceable = false;
  /** Global index of local index 0 (non-zero once a window dropped old data). */
  private rawBase = 0;
  private mergedBase = 0;
  private penBase = 0;
  private segBase = 0;
  readonly window: number;

  constructor(options: PartialAnalysisOptions | AnalysisOptions = {}, stream: StreamOptions = {}) {
    this.options = resolveOptions(options);
    checkSettings('stream', stream, ['window', 'kernel'], ' (window, kernel)');
    const w = stream.window ?? Infinity;
    const min = Math.max(MIN_WINDOW, this.options.macd.slow + this.options.macd.signal);
    if (w !== Infinity && (!Number.isInteger(w) || w < min))
      throw new ConfigError('window', `must be an integer of at least ${min} bars, got ${w}`);
    this.window = w;
    this.k = (stream.kernel ?? tsStreamKernel)(this.options);
    this.structures = new StreamStructures(this.options.structures);
  }

  /** Bars analysed so far (including any dropped by the window). */
  get barCount(): number {
    return this.rawBase + this.bars.count;
  }

  /** The last bar, or null before the first. */
  lastBar(): StreamBar | null {
    const i = this.bars.count - 1;
    if (i < 0) return null;
    const c = this.bars.cols;
    return { timestamp: c[T]![i]!, open: c[O]![i]!, high: c[H]![i]!, low: c[L]![i]!, close: c[C]![i]!, volume: c[V]![i]! };
  }

  /** A copy of the bars kept (all of them without a window; the window's otherwise, from `retained.firstBar`). */
  barsCopy(): Bars {
    return this.barColumns(false);
  }

  /**
   * snapshot() and barsCopy() at once, for a reader that only reads (the service's hot series): the
   * bar and MACD columns are not copied but shared with the analyzer, which copies its own before it
   * writes a row they show again (bar-columns.ts), so they never change. Writing into them would
   * change the analyzer.
   */
  sharedSnapshot(): { result: AnalysisResult; bars: Bars } {
    return { result: this.result(true), bars: this.barColumns(true) };
  }

  private barColumns(share: boolean): Bars {
    const v = (j: number) => (share ? this.bars.shared(j) : this.bars.view(j).slice());
    return { timestamp: v(T), open: v(O), high: v(H), low: v(L), close: v(C), volume: v(V) };
  }

  get retained(): Retained {
    return { firstBar: this.rawBase, firstMerged: this.mergedBase, firstPen: this.penBase, firstSegment: this.segBase };
  }

  /**
   * Adds a closed or forming bar after the last one. Throws BarValidationError (nothing changes) for
   * a bad bar. Any other error comes from the engine (a WASM trap): the analyzer must then be
   * discarded and rebuilt, as the service does.
   */
  append(bar: StreamBar): StreamUpdate {
    const i = this.bars.count;
    validateBar(bar, this.rawBase + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    const update = this.apply(bar, i, false);
    this.replaceable = true;
    if (this.bars.count >= 2 * this.window) this.compact();
    return update;
  }

  /** Replaces the last bar (the still-forming bar changed). Throws BarValidationError (nothing changes) for a bad bar. */
  replaceLast(bar: StreamBar): StreamUpdate {
    const i = this.bars.count - 1;
    if (!this.replaceable || i < 0) throw new BarValidationError(-1, 'bars', 'there is no bar to replace');
    validateBar(bar, this.rawBase + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    this.bars.count--;
    this.macdCols.count--;
    return this.apply(bar, i, true);
  }

  private apply(bar: StreamBar, i: number, replaced: boolean): StreamUpdate {
    const b = this.bars;
    b.reserve(i);
    const c = b.cols;
    c[T]![i] = bar.timestamp;
    c[O]![i] = bar.open;
    c[H]![i] = bar.high;
    c[L]![i] = bar.low;
    c[C]![i] = bar.close;
    c[V]![i] = bar.volume;
    this.bars.count = i + 1;
    // Merged bars record global raw indices (they are labels; only differences are computed).
    const macd = this.k.push(this.rawBase + i, bar.high, bar.low, bar.close, replaced);
    const mc = this.macdCols;
    mc.reserve(i);
    mc.cols[DIF]![i] = macd.dif;
    mc.cols[DEA]![i] = macd.dea;
    mc.cols[HIST]![i] = macd.histogram;
    this.macdCols.count = i + 1;
    const events = readEvents(this.k.eventRecords(), this.k.eventOffset(), this.k.eventCount(), c[T]!, this.rawBase);
    if (!this.options.structures.enabled) return { barIndex: this.rawBase + i, replaced, macd, events };
    const more = this.structures.update(events, {
      kernel: this.k,
      rawBase: this.rawBase,
      mergedBase: this.mergedBase,
      segBase: this.segBase,
      high: c[H]!,
      low: c[L]!,
      histogram: mc.cols[HIST]!,
      lastRaw: this.rawBase + i,
    });
    return { barIndex: this.rawBase + i, replaced, macd, events: more.length === 0 ? events : events.concat(more) };
  }

  /** Pens before this (local) index are final: all confirmed pens but the last. */
  private finalPenCount(): number {
    return Math.max(0, this.k.penCount() - 1);
  }

  /**
   * The kept pens from local index `from` on as columns, the final ones then the tail as of the last
   * bar; their merged indices plus `mergedBase` (default: global).
   */
  private penColumns(from = 0, mergedBase = this.mergedBase): PenColumns {
    const m = this.k.merged(),
      ts = this.bars.cols[T]!,
      final = this.finalPenCount(),
      tail = this.k.tail();
    const c = allocatePenColumns(Math.max(0, final + tail.length - from));
    for (let j = from; j < final; j++) setPenRow(c, j - from, m, this.k.pen(j), ts, mergedBase, this.rawBase);
    tail.forEach((r, j) => {
      if (final + j >= from) setPenRow(c, final + j - from, m, r, ts, mergedBase, this.rawBase);
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
    const u = this.k.segments(),
      count = u.from + u.extra.length;
    let from = Math.max(0, count - n);
    if (from < count && !this.checkable(this.segmentOf(u, from).startPen)) from++;
    return this.segmentTailFrom(u, from, Math.max(0, this.keptPenCount() - 1));
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
    const lv = this.structures[level];
    const pivots = lv.lastPivots(n),
      points = lv.lastPoints(n);
    let line = lv.lineCount;
    for (const z of pivots.items) line = Math.min(line, z.enteringLine);
    for (const p of points.items) line = Math.min(line, p.relatedLine ?? p.line);
    const u = this.k.segments(),
      count = u.from + u.extra.length,
      kept = this.keptPenCount();
    // A tail's first pen: kept, with the merged bar before its start kept (not so for pen 0 with a window).
    const firstPen = kept > 0 && !this.checkable(0) ? 1 : 0;
    let from: number,
      segsegs: SegmentOfSegments[] = [];
    if (level === 'pen') {
      const pen = Math.max(firstPen, line - this.penBase);
      // The first segment that ends at or after that pen (segments are in pen order).
      let hi = count;
      from = 0;
      while (from < hi) {
        const mid = (from + hi) >> 1;
        if (this.segmentOf(u, mid).endPen < pen) from = mid + 1;
        else hi = mid;
      }
      if (from < count && this.segmentOf(u, from).startPen < firstPen) from++;
      return structureTailOf(this.segmentTailFrom(u, from, pen), [], level, pivots, points);
    }
    segsegs = this.structures
      .segmentsOfSegments(this.structures.segsegEndingFrom(line))
      .filter((s) => s.startSegment >= this.segBase && this.segmentOf(u, s.startSegment - this.segBase).startPen >= firstPen);
    from = segsegs.length > 0 ? segsegs[0]!.startSegment - this.segBase : Math.max(0, line - this.segBase);
    if (from < count && this.segmentOf(u, from).startPen < firstPen) from++;
    return structureTailOf(this.segmentTailFrom(u, from, Math.max(0, kept - 1)), segsegs, level, pivots, points);
  }

  /**
   * The kept segments of `u` (the kernel's segments()) from local index `from` on, with their pens
   * (from `firstPen` when there are none) as penTail gives them.
   */
  private segmentTailFrom(u: SegmentUpdate, from: number, firstPen: number): SegmentTail {
    const count = u.from + u.extra.length;
    const segs: SegmentRecord[] = [];
    for (let j = from; j < count; j++) segs.push(this.segmentOf(u, j));
    const first = segs.length > 0 ? segs[0]!.startPen : firstPen;
    const t = this.tailFrom(first);
    const pens = t.part.penColumns;
    const segments = segs.map((r, j) => shapeSegment(r, j, penAt(pens, r.startPen - first), penAt(pens, r.endPen - first)));
    return { ...t, firstSegment: this.segBase + from, segmentTotal: this.segBase + count, segments };
  }

  /** Kept segment j of `u` (the kernel's segments()): a final one, or one on the current pens. */
  private segmentOf(u: SegmentUpdate, j: number): SegmentRecord {
    return j < u.from ? this.k.finalSegment(j) : u.extra[j - u.from]!;
  }

  /**
   * The MACD of the last `n` bars (all kept ones when fewer) and their timestamps, as views: O(n), for
   * a reader of the latest values (the service's GetMACD with last_n). `macd.firstValid` counts from
   * the first of them. Valid until the analyzer next changes.
   */
  macdTail(n: number): MacdTail {
    checkTailLength(n);
    const count = this.bars.count,
      from = Math.max(0, count - n),
      first = this.rawBase + from;
    const v = (c: Columns, j: number) => c.view(j).subarray(from);
    const firstValid = Math.min(count - from, Math.max(0, macdFirstValid(this.options, this.barCount) - first));
    return {
      first,
      barCount: this.barCount,
      timestamp: v(this.bars, T),
      macd: macdSeries(v(this.macdCols, DIF), v(this.macdCols, DEA), firstValid, this.options.macd.histogramScale),
    };
  }

  /** The kept segments: the final ones, then those on the current pens. */
  private segmentRecords(): SegmentRecord[] {
    const { from, extra } = this.k.segments();
    const segs: SegmentRecord[] = [];
    for (let j = 0; j < from; j++) segs.push(this.k.finalSegment(j));
    segs.push(...extra);
    return segs;
  }

  /** The kept pens from local index `from` on, with what their check reads (penTail). */
  private tailFrom(from: number): PenTail {
    const m = this.k.merged(),
      total = this.keptPenCount();
    // From the merged bar before the first pen's start (the check's first merged bar is not a fractal).
    const k0 = from < total ? Math.max(0, this.pen(from).startK - 1) : Math.max(0, m.count - 1);
    const r0 = m.count > 0 ? m.rawStart[k0]! : this.rawBase; // global
    const b = (j: number) => this.bars.view(j).subarray(r0 - this.rawBase);
    return {
      first: this.penBase + from,
      total: this.penBase + total,
      barCount: this.barCount,
      mergedBase: this.mergedBase + k0,
      rawBase: r0,
      part: rebasedPart(m, k0, r0, this.penColumns(from, -k0)),
      bars: { timestamp: b(T), open: b(O), high: b(H), low: b(L), close: b(C), volume: b(V) },
    };
  }

  /** Kept pens: the final ones and the tail. */
  private keptPenCount(): number {
    return this.finalPenCount() + this.k.tail().length;
  }

  /** Kept pen j (a local index): a final pen or one of the tail. */
  private pen(j: number): PenRecord {
    const final = this.finalPenCount();
    return j < final ? this.k.pen(j) : this.k.tail()[j - final]!;
  }

  /** Raw index of final pen j's end. */
  private penEndRaw(j: number): number {
    const r = this.k.pen(j),
      m = this.k.merged();
    return r.dir === 1 ? m.highApex[r.endK]! : m.lowApex[r.endK]!;
  }

  /**
   * The result for all bars so far: equal to analyze() of the same bars. With a window, the kept
   * part (see `retained`): arrays start at the first kept bar / merged bar / fractal, and indices
   * inside pens, segments and fractals stay global. O(kept bars): a read, not per-bar work.
   */
  snapshot(): AnalysisResult {
    return this.result(false);
  }

  private result(shareMacd: boolean): AnalysisResult {
    const m = this.k.merged();
    const c = m.count;
    const penColumns = this.penColumns();
    const penBase = this.penBase;
    const segs = this.segmentRecords();
    const st = this.structures;
    let pens: Pen[] | undefined;
    return {
      barCount: this.barCount,
      merged: {
        count: c,
        high: m.high.slice(0, c),
        low: m.low.slice(0, c),
        dir: m.dir.slice(0, c),
        rawStart: m.rawStart.slice(0, c),
        rawEnd: m.rawEnd.slice(0, c),
      },
      fractals: shapeFractals(m, this.mergedBase),
      // Made from the columns when first read (an own enumerable getter), as a batch result's.
      get pens(): Pen[] {
        return (pens ??= penList(penColumns, penBase));
      },
      penColumns,
      segments: segs.map((s, j) =>
        shapeSegment(s, this.segBase + j, penAt(penColumns, s.startPen, penBase), penAt(penColumns, s.endPen, penBase)),
      ),
      segmentsOfSegments: st.segmentsOfSegments(),
      pivots: { pen: st.pen.pivots(), segment: st.segment.pivots() },
      buySellPoints: { pen: st.pen.points(), segment: st.segment.points() },
      // The histogram made from DIF and DEA when first read, as a batch result's (the same values).
      macd: macdSeries(
        shareMacd ? this.macdCols.shared(DIF) : this.macdCols.view(DIF).slice(),
        shareMacd ? this.macdCols.shared(DEA) : this.macdCols.view(DEA).slice(),
        macdFirstValid(this.options, this.barCount),
        this.options.macd.histogramScale,
      ),
    };
  }

  /** Drops what the window no longer needs (see StreamOptions.window). */
  private compact(): void {
    const m = this.k.merged();
    const penCount = this.k.penCount();
    const windowStart = this.barCount - this.window; // global raw index
    // Segments: drop those ending before the window, but never the last confirmed final one (the
    // leftover pass never goes below a confirmed segment; with none left it would start over as
    // for a series' first segment), counting only segments that are final in the saved mark too
    // (replaceLast restores to it). Pens: drop those ending before the window, but never one a kept
    // segment starts at or after, nor one the mark still counts as final.
    const fin = (j: number) => this.k.finalSegment(j);
    const finCount = this.k.finalSegmentCount();
    const mark = this.k.lastMark();
    let lastConfirmed = Math.min(finCount, mark?.segs.count ?? finCount) - 1;
    while (lastConfirmed >= 0 && !fin(lastConfirmed).confirmed) lastConfirmed--;
    let ds = 0,
      dp = 0;
    if (lastConfirmed > 0) {
      while (ds < lastConfirmed && this.penEndRaw(fin(ds).endPen) < windowStart) ds++;
      const maxDp = Math.min(fin(ds).startPen, mark === null ? Infinity : Math.max(0, mark.pens.count - 1));
      while (dp < maxDp && this.penEndRaw(dp) < windowStart) dp++;
    }
    // Pens still referenced by the pen stage (the last confirmed one) stay.
    dp = Math.min(dp, Math.max(0, penCount - 1));
    // Merged bars: from the one holding the window's first bar, and never past what is still read:
    // the first kept pen's start (its record indexes merged bars), the bar before the last pen's
    // start (the pen stage's fractal check), before any pen the bar before the first fractal.
    let dm = 0;
    while (dm < m.count - 1 && m.rawEnd[dm]! < windowStart) dm++;
    if (penCount > 0) dm = Math.min(dm, this.k.pen(dp).startK, this.k.pen(penCount - 1).startK - 1);
    else if (m.fractalCount > 0) dm = Math.min(dm, m.fractalIndex[0]! - 1);
    dm = Math.max(0, dm);
    const dr = m.rawStart[dm]! - this.rawBase;
    if (dm === 0 && dr === 0 && dp === 0 && ds === 0) return;

    this.bars.dropBefore(dr);
    this.macdCols.dropBefore(dr);
    this.k.dropBefore(dm, dp, ds);
    this.rawBase += dr;
    this.mergedBase += dm;
    this.penBase += dp;
    this.segBase += ds;
    // Structures reaching into the kept bars stay.
    this.structures.drop(this.rawBase);
  }

  /** The analyzer's whole state as a versioned blob; `StreamingAnalyzer.restore` continues from it. */
  save(): Uint8Array {
    const n = this.bars.count;
    return writeAnalyzerState(
      this.k.engine,
      {
        options: this.options,
        window: this.window,
        bases: [this.rawBase, this.mergedBase, this.penBase, this.segBase],
        bars: interleave(this.bars.cols, n),
        macd: interleave(this.macdCols.cols, n),
        kernel: this.k.save(),
        finalPens: this.finalPenCount(),
      },
      this.structures,
    );
  }

  /**
   * An analyzer continuing from `save()`'s blob (its bytes, or an ArrayBuffer of them), on the same
   * engine (`stream.kernel`, default TS), with the window it was saved with.
   * Throws StateBlobError for a blob of another format, version or engine, ConfigError when
   * `options` are given and differ from the saved ones.
   */
  static restore(
    blob: Uint8Array | ArrayBuffer,
    options?: PartialAnalysisOptions | AnalysisOptions,
    stream: Pick<StreamOptions, 'kernel'> = {},
  ): StreamingAnalyzer {
    checkSettings('stream', stream, ['kernel'], ' (kernel: a restored analyzer keeps the window it was saved with)');
    const kernel = stream.kernel ?? tsStreamKernel;
    const s = readAnalyzerState(blob, kernel.engine);
    if (options !== undefined) checkSameOptions(s.options, resolveOptions(options));
    const a = new StreamingAnalyzer(s.options, { window: s.window, kernel });
    [a.rawBase, a.mergedBase, a.penBase, a.segBase] = s.bases;
    const n = s.bars.length / 6;
    for (let i = 0; i < n; i++) {
      a.bars.row(i, Array.from(s.bars.subarray(6 * i, 6 * i + 6)));
      a.macdCols.row(i, Array.from(s.macd.subarray(3 * i, 3 * i + 3)));
    }
    a.bars.count = a.macdCols.count = n;
    a.k.load(s.kernel, { merged: a.mergedBase, pens: a.penBase, segments: a.segBase });
    a.structures.load(s.structures, s.arrays);
    a.replaceable = s.kernel.mark !== null;
    return a;
  }

  /**
   * Bytes this analyzer holds, roughly: its bar and MACD columns (by capacity), the kernel's memory
   * and the structures. The service budgets its live analyzers by it.
   */
  get memoryBytes(): number {
    return this.bars.capacity * 6 * 8 + this.macdCols.capacity * 3 * 8 + this.k.memoryBytes + this.structures.memoryBytes;
  }

  /** The engine running the per-bar stages. */
  get engine(): 'ts' | 'wasm' {
    return this.k.engine;
  }
}

/** Index of the first defined MACD value after n bars (as computeMacd reports it). */
function macdFirstValid(o: AnalysisOptions, n: number): number {
  if (o.macd.seed !== 'sma') return 0;
  const fv = o.macd.slow + o.macd.signal - 2;
  return n <= fv ? n : fv;
}
