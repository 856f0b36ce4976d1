// Bar-by-bar analysis. The stages run in a kernel (TS or WASM, see engines/ts/kernel.ts), the segment
// stage resuming from its last final segment. Only the part of the result that can still change is
// recomputed, so a bar's cost does not grow with the history.
// After every bar, `snapshot()` equals `analyze()` of all bars so far.
import { checkSettings } from '../core/checks.js';
import { BarValidationError, ConfigError } from '../core/errors.js';
import type { MacdPoint } from '../core/types.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from '../core/options.js';
import { C, Columns, DEA, DIF, H, HIST, interleave, L, O, T, V } from './bar-columns.js';
import { readEvents, type StreamEvent } from '../core/events.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { type StreamKernel, type StreamKernelFactory } from '../core/stream-kernel.js';
import type { Confirmed, MacdTail, PenTail, SegmentTail, SegsegTail, StructureTail } from './tails.js';
import { penAt, penList, shapeFractals, shapeSegment } from '../core/result.js';
import { checkSameOptions } from './state-blob.js';
import { readAnalyzerState, writeAnalyzerState } from './analyzer-state.js';
import type { AnalysisResult, Bars, Pen } from '../core/types.js';
import type { Level } from '../core/structure-options.js';
import { validateBar } from '../core/validate.js';
import { macdSeries } from '../core/macd-series.js';
import { StreamStructures } from './structures.js';
import { KeptReads, macdFirstValid, type Bases } from './kept-reads.js';

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

export class StreamingAnalyzer {
  readonly options: AnalysisOptions;
  private readonly bars = new Columns(6);
  private readonly macdCols = new Columns(3);
  private readonly k: StreamKernel;
  private readonly structures: StreamStructures;
  /** A bar was appended, so replaceLast can go back to the state before it (the kernel holds that state). */
  private replaceable = false;
  /** Global indices of local index 0 (non-zero once a window dropped old data). */
  private readonly base: Bases = { raw: 0, merged: 0, pen: 0, seg: 0, confirmedSeg: 0 };
  private readonly reads: KeptReads;
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
    this.reads = new KeptReads({
      k: this.k,
      bars: this.bars,
      macd: this.macdCols,
      structures: this.structures,
      options: this.options,
      base: this.base,
    });
  }

  /** Bars analysed so far (including any dropped by the window). */
  get barCount(): number {
    return this.base.raw + this.bars.count;
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
    return { firstBar: this.base.raw, firstMerged: this.base.merged, firstPen: this.base.pen, firstSegment: this.base.seg };
  }

  /**
   * Adds a closed or forming bar after the last one. Throws BarValidationError (nothing changes) for
   * a bad bar. Any other error comes from the engine (a WASM trap): the analyzer must then be
   * discarded and rebuilt, as the service does.
   */
  append(bar: StreamBar): StreamUpdate {
    const i = this.bars.count;
    validateBar(bar, this.base.raw + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    const update = this.apply(bar, i, false);
    this.replaceable = true;
    if (this.bars.count >= 2 * this.window) this.compact();
    return update;
  }

  /** Replaces the last bar (the still-forming bar changed). Throws BarValidationError (nothing changes) for a bad bar. */
  replaceLast(bar: StreamBar): StreamUpdate {
    const i = this.bars.count - 1;
    if (!this.replaceable || i < 0) throw new BarValidationError(-1, 'bars', 'there is no bar to replace');
    validateBar(bar, this.base.raw + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
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
    const macd = this.k.push(this.base.raw + i, bar.high, bar.low, bar.close, replaced);
    const mc = this.macdCols;
    mc.reserve(i);
    mc.cols[DIF]![i] = macd.dif;
    mc.cols[DEA]![i] = macd.dea;
    mc.cols[HIST]![i] = macd.histogram;
    this.macdCols.count = i + 1;
    const events = readEvents(this.k.eventRecords(), this.k.eventOffset(), this.k.eventCount(), c[T]!, this.base.raw);
    if (!this.options.structures.enabled) return { barIndex: this.base.raw + i, replaced, macd, events };
    const more = this.structures.update(events, {
      kernel: this.k,
      rawBase: this.base.raw,
      mergedBase: this.base.merged,
      segBase: this.base.seg,
      high: c[H]!,
      low: c[L]!,
      histogram: mc.cols[HIST]!,
      lastRaw: this.base.raw + i,
    });
    return { barIndex: this.base.raw + i, replaced, macd, events: more.length === 0 ? events : events.concat(more) };
  }

  /**
   * The last `n` pens (all of them when there are fewer; with a window, see the note on tails in
   * docs/streaming.md) for a reader of the latest pens (the service's CalculatePens with last_n), with
   * what their check reads: O(n and the bars they span), not O(history). Valid until the analyzer
   * next changes (it shares the analyzer's bar columns).
   */
  penTail(n: number): PenTail {
    return this.reads.penTail(n);
  }

  /** The last `n` segments (all of them when there are fewer) as penTail gives the last pens, with the pens from the first one's start on. */
  segmentTail(n: number): SegmentTail {
    return this.reads.segmentTail(n);
  }

  /** The segments from the `n`-th last confirmed one on, and how many are confirmed (KeptReads.confirmedSegmentTail). */
  confirmedSegmentTail(n: number): Confirmed<SegmentTail> {
    return this.reads.confirmedSegmentTail(n);
  }

  /** The segments of segments from the `n`-th last confirmed one on, and how many are confirmed (KeptReads.confirmedSegsegTail). */
  confirmedSegsegTail(n: number): Confirmed<SegsegTail> {
    return this.reads.confirmedSegsegTail(n);
  }

  /**
   * The last `n` pivots and buy/sell points of a level (all when there are fewer), with the segments
   * (and segments of segments) and pens they sit on, as segmentTail gives them (KeptReads.structureTail).
   */
  structureTail(n: number, level: Level = 'pen'): StructureTail {
    return this.reads.structureTail(n, level);
  }

  /** The last `n` segments of segments (all when there are fewer), with the segments and pens under them, as segmentTail gives the last segments. */
  segsegTail(n: number): SegsegTail {
    return this.reads.segsegTail(n);
  }

  /** The MACD of the last `n` bars (all kept ones when fewer) and their timestamps, as views: O(n). Valid until the analyzer next changes. */
  macdTail(n: number): MacdTail {
    return this.reads.macdTail(n);
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
    const penColumns = this.reads.penColumns();
    const penBase = this.base.pen;
    const segs = this.reads.segmentRecords();
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
      fractals: shapeFractals(m, this.base.merged),
      // Made from the columns when first read (an own enumerable getter), as a batch result's.
      get pens(): Pen[] {
        return (pens ??= penList(penColumns, penBase));
      },
      penColumns,
      segments: segs.map((s, j) =>
        shapeSegment(s, this.base.seg + j, penAt(penColumns, s.startPen, penBase), penAt(penColumns, s.endPen, penBase)),
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
      while (ds < lastConfirmed && this.reads.penEndRaw(fin(ds).endPen) < windowStart) ds++;
      const maxDp = Math.min(fin(ds).startPen, mark === null ? Infinity : Math.max(0, mark.pens.count - 1));
      while (dp < maxDp && this.reads.penEndRaw(dp) < windowStart) dp++;
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
    const dr = m.rawStart[dm]! - this.base.raw;
    if (dm === 0 && dr === 0 && dp === 0 && ds === 0) return;

    for (let j = 0; j < ds; j++) if (fin(j).confirmed) this.base.confirmedSeg++;
    this.bars.dropBefore(dr);
    this.macdCols.dropBefore(dr);
    this.k.dropBefore(dm, dp, ds);
    this.base.raw += dr;
    this.base.merged += dm;
    this.base.pen += dp;
    this.base.seg += ds;
    // Structures reaching into the kept bars stay.
    this.structures.drop(this.base.raw);
  }

  /** The analyzer's whole state as a versioned blob; `StreamingAnalyzer.restore` continues from it. */
  save(): Uint8Array {
    const n = this.bars.count;
    return writeAnalyzerState(
      this.k.engine,
      {
        options: this.options,
        window: this.window,
        bases: [this.base.raw, this.base.merged, this.base.pen, this.base.seg, this.base.confirmedSeg],
        bars: interleave(this.bars.cols, n),
        macd: interleave(this.macdCols.cols, n),
        kernel: this.k.save(),
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
    [a.base.raw, a.base.merged, a.base.pen, a.base.seg, a.base.confirmedSeg] = s.bases;
    const n = s.bars.length / 6;
    for (let i = 0; i < n; i++) {
      a.bars.row(i, Array.from(s.bars.subarray(6 * i, 6 * i + 6)));
      a.macdCols.row(i, Array.from(s.macd.subarray(3 * i, 3 * i + 3)));
    }
    a.bars.count = a.macdCols.count = n;
    a.k.load(s.kernel, { merged: a.base.merged, pens: a.base.pen, segments: a.base.seg });
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
