// Streaming analyzers kept for the series that are read after writes, so that such a read costs the
// bars written since (read from the store, applied to the analyzer) and a snapshot, not a reading and
// analysis of the whole history; a read of the latest pens, segments, pivots and points or MACD
// values (CalculatePens, CalculateSegments, CalculatePivots, GetBuySellPoints and GetMACD, with
// last_n) costs no snapshot either: they are read from the analyzer and checked with what they sit on.
// A series becomes hot on its second cache miss at a newer revision with the same options (a read,
// a write, a read); its analyzer is built in the background (the history replayed in slices) and
// answers from then on. Together they stay within a memory budget (service.hot_series_max_mb): a
// new one is built only when it fits, making room by dropping those not read for IDLE_MS (a plain
// least-recently-used rule would, with more series read in turn than fit, drop each analyzer just
// before its next read and rebuild them all the time). Each answer passes the same output check as
// a batch analysis (the latest pens, segments, structures or MACD: the check of their part); an analyzer that fails
// or whose answer fails the check is dropped and the request answered by the batch path (the engine
// coordinator, with its failover).
// They run the TS kernel: a read applies a few bars, where WASM's speed does not show, and a WASM
// analyzer holds its linear memory, at least ~1.1 MB (a TS one ~135 KB at 1,000 bars, ~150 bytes a
// bar): 200 series of 2,000 bars fit in ~60 MB instead of ~250 MB.
import type { AnalysisOptions } from '../core/options.js';
import type { Level } from '../core/structure-options.js';
import type { StreamKernelFactory } from '../core/stream-kernel.js';
import type { AnalysisResult, Bars, BuySellPoint, Pen, Pivot, Segment, SegmentOfSegments } from '../core/types.js';
import type { Logger } from '../failover/coordinator.js';
import { checkMacd, checkOutput, checkPenTail, checkSegmentTail, checkSegsegTail, checkStructureTail } from '../failover/output-check.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { StreamingAnalyzer } from '../streaming/analyzer.js';
import { structureTailPart, tailPen, tailPivot, tailPoint, tailSegment, tailSegmentOfSegments } from '../streaming/tails.js';
import type { SeriesStore } from './store.js';
import { applySince, replay, storedSince } from './follow-store.js';
import { STREAM_BYTES_PER_BAR } from './memory.js';

interface Hot {
  readonly symbol: string;
  readonly timeframe: string;
  readonly analyzer: StreamingAnalyzer;
  lastRead: number;
  /** Its memoryBytes when last measured (after its build and each answer). */
  bytes: number;
  /** The answer being made: one at a time, as each applies the bars stored since the analyzer's last one. */
  queue: Promise<unknown>;
}

/** An analyzer not read for this long may be dropped to make room for another. */
const IDLE_MS = 60_000;

export interface HotAnswer {
  readonly result: AnalysisResult;
  readonly bars: Bars;
  readonly engine: 'ts' | 'wasm';
}

export interface HotPens {
  /** The last pens (global indices), the series' pen and bar counts. */
  readonly pens: Pen[];
  readonly total: number;
  readonly barCount: number;
  readonly engine: 'ts' | 'wasm';
}

export interface HotSegments {
  /** The last segments (global indices), the series' segment and bar counts. */
  readonly segments: Segment[];
  readonly total: number;
  readonly barCount: number;
  readonly engine: 'ts' | 'wasm';
}

export interface HotSegmentsOfSegments {
  /** The last segments of segments (global indices), the series' count of them and of bars. */
  readonly segmentsOfSegments: SegmentOfSegments[];
  readonly total: number;
  readonly barCount: number;
  readonly engine: 'ts' | 'wasm';
}

export interface HotStructures {
  /** The last pivots and points of a level (global indices), the series' pivot, point and bar counts. */
  readonly pivots: Pivot[];
  readonly points: BuySellPoint[];
  readonly pivotTotal: number;
  readonly pointTotal: number;
  readonly barCount: number;
  readonly engine: 'ts' | 'wasm';
}

export interface HotMacd {
  /** The last bars' MACD where it is defined, and the series' bar count. */
  readonly timestamp: Float64Array;
  readonly dif: Float64Array;
  readonly dea: Float64Array;
  readonly histogram: Float64Array;
  readonly barCount: number;
  readonly engine: 'ts' | 'wasm';
}

/** `answer`, unless the output check found a problem (thrown: the analyzer is then dropped). */
function checked<T>(problem: string | null, answer: T): T {
  if (problem !== null) throw new Error(`output check: ${problem}`);
  return answer;
}

/** Keys whose last miss is remembered; past it the memory of misses starts again. */
const MAX_REMEMBERED_MISSES = 10_000;

export class HotAnalyzers {
  /** In order of last use, oldest first. */
  private readonly hot = new Map<string, Hot>();
  private readonly building = new Map<string, Promise<void>>();
  /** Revision of each key's last cache miss. */
  private readonly misses = new Map<string, number>();
  /** Keys whose analyzer failed once: rebuilt on the TS engine. */
  private readonly failed = new Set<string>();
  /** Keys whose analyzer alone exceeded the budget: not built again. */
  private readonly tooLarge = new Set<string>();
  /** The analyzers' bytes together (the sum of their `bytes`). */
  private total = 0;
  /** Answers given, analyzers built and dropped (GetStatus). */
  readonly counts = { answers: 0, built: 0, dropped: 0 };
  /** The clock of IDLE_MS, ms (tests move it). */
  now: () => number = () => performance.now();

  constructor(
    private readonly store: SeriesStore,
    private readonly log: Logger,
    private readonly kernel: StreamKernelFactory,
    /** Memory budget of all hot analyzers together, bytes (0: none are kept). */
    private readonly maxBytes: number,
  ) {}

  /**
   * The analysis of the stored series from its hot analyzer brought up to date, or undefined when it
   * has none (or it failed: then it is dropped). Store errors propagate as they would from a batch read.
   */
  answer(symbol: string, timeframe: string, optionsKey: string): Promise<HotAnswer | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      // Read-only, like every cached analysis: its bar and MACD columns are shared with the analyzer.
      const { result, bars } = a.sharedSnapshot();
      return checked(checkOutput(result, bars, a.options), { result, bars, engine: a.engine });
    });
  }

  /**
   * The last `n` pens of the stored series from its hot analyzer brought up to date (O(n), not
   * O(history): no snapshot of the whole result), they and what they sit on checked as a result is;
   * undefined as for answer().
   */
  lastPens(symbol: string, timeframe: string, optionsKey: string, n: number): Promise<HotPens | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      const t = a.penTail(n);
      const pens = Array.from({ length: t.part.penColumns.count }, (_, i) => tailPen(t, i));
      return checked(checkPenTail(t.part, t.bars), { pens, total: t.total, barCount: t.barCount, engine: a.engine });
    });
  }

  /**
   * The last `n` segments (of pens), as lastPens gives the last pens; `confirmedOnly`: the last `n`
   * confirmed ones, and the count of those.
   */
  lastSegments(symbol: string, timeframe: string, optionsKey: string, n: number, confirmedOnly = false): Promise<HotSegments | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      const c = confirmedOnly ? a.confirmedSegmentTail(n) : undefined;
      const t = c ?? a.segmentTail(n);
      const segments = t.segments.map((_, i) => tailSegment(t, i));
      return checked(checkSegmentTail({ ...t.part, segments: t.segments }, t.bars), {
        segments: c ? segments.filter((s) => s.confirmed) : segments,
        total: c ? c.confirmedTotal : t.segmentTotal,
        barCount: t.barCount,
        engine: a.engine,
      });
    });
  }

  /** The last `n` (confirmed) segments of segments, as lastSegments gives the last segments. */
  lastSegmentsOfSegments(
    symbol: string,
    timeframe: string,
    optionsKey: string,
    n: number,
    confirmedOnly = false,
  ): Promise<HotSegmentsOfSegments | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      const c = confirmedOnly ? a.confirmedSegsegTail(n) : undefined;
      const t = c ?? a.segsegTail(n);
      const segsegs = t.segmentsOfSegments.map((_, i) => tailSegmentOfSegments(t, i));
      return checked(checkSegsegTail({ ...t.part, segments: t.segments, segmentsOfSegments: t.segmentsOfSegments }, t.bars), {
        segmentsOfSegments: c ? segsegs.filter((s) => s.confirmed) : segsegs,
        total: c ? c.confirmedTotal : t.segsegTotal,
        barCount: t.barCount,
        engine: a.engine,
      });
    });
  }

  /** The last `n` pivots and buy/sell points of a level, with what they sit on checked, as lastPens gives the last pens. */
  lastStructures(symbol: string, timeframe: string, optionsKey: string, level: Level, n: number): Promise<HotStructures | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      const t = a.structureTail(n, level);
      return checked(checkStructureTail(structureTailPart(t), t.bars, a.options), {
        pivots: t.pivots.map((_, i) => tailPivot(t, i)),
        points: t.points.map((_, i) => tailPoint(t, i)),
        pivotTotal: t.pivotTotal,
        pointTotal: t.pointTotal,
        barCount: t.barCount,
        engine: a.engine,
      });
    });
  }

  /** The MACD of the last `n` bars where it is defined (copies), their values checked as a result's are. */
  lastMacd(symbol: string, timeframe: string, optionsKey: string, n: number): Promise<HotMacd | undefined> {
    return this.serve(symbol, timeframe, optionsKey, (a) => {
      const t = a.macdTail(n);
      const { dif, dea, histogram, firstValid } = t.macd;
      return checked(checkMacd(t, t.timestamp.length), {
        timestamp: t.timestamp.slice(firstValid),
        dif: dif.slice(firstValid),
        dea: dea.slice(firstValid),
        histogram: histogram.slice(firstValid),
        barCount: t.barCount,
        engine: a.engine,
      });
    });
  }

  /** `read` of the series' analyzer once it holds the bars stored since its last one; one read at a time per analyzer. */
  private serve<T>(symbol: string, timeframe: string, optionsKey: string, read: (a: StreamingAnalyzer) => T): Promise<T | undefined> {
    const key = `${symbol}\u0000${timeframe}\u0000${optionsKey}`;
    const h = this.hot.get(key);
    if (h === undefined) return Promise.resolve(undefined);
    this.hot.delete(key);
    this.hot.set(key, h);
    h.lastRead = this.now();
    const answered = h.queue.then(() => this.serveNow(key, h, read));
    h.queue = answered.catch(() => undefined);
    return answered;
  }

  private async serveNow<T>(key: string, h: Hot, read: (a: StreamingAnalyzer) => T): Promise<T | undefined> {
    // Dropped while an earlier answer was made.
    if (this.hot.get(key) !== h) return undefined;
    const since = await storedSince(this.store, h.symbol, h.timeframe, h.analyzer);
    try {
      applySince(h.analyzer, since);
      const answer = read(h.analyzer);
      this.counts.answers++;
      // Analyzers grow with their series: the budget is checked again as they do.
      this.total += h.analyzer.memoryBytes - h.bytes;
      h.bytes = h.analyzer.memoryBytes;
      if (this.total > this.maxBytes) this.evict();
      return answer;
    } catch (e) {
      this.drop(key, e);
      return undefined;
    }
  }

  /** After a batch analysis (a cache miss) of a series of `count` bars: makes it hot on its second miss at a newer revision. */
  noteMiss(symbol: string, timeframe: string, options: AnalysisOptions, optionsKey: string, revision: number, count: number): void {
    if (this.maxBytes <= 0) return;
    const key = `${symbol}\u0000${timeframe}\u0000${optionsKey}`;
    const previous = this.misses.get(key);
    if (this.misses.size >= MAX_REMEMBERED_MISSES) this.misses.clear();
    this.misses.set(key, revision);
    if (previous === undefined || previous >= revision || this.hot.has(key) || this.building.has(key) || this.tooLarge.has(key)) return;
    if (!this.makeRoom(count * STREAM_BYTES_PER_BAR)) return;
    const built = this.build(key, symbol, timeframe, options).finally(() => this.building.delete(key));
    this.building.set(key, built);
  }

  private async build(key: string, symbol: string, timeframe: string, options: AnalysisOptions): Promise<void> {
    try {
      const analyzer = new StreamingAnalyzer(options, { kernel: this.failed.has(key) ? tsStreamKernel : this.kernel });
      await replay(this.store, symbol, timeframe, analyzer);
      this.hot.set(key, { symbol, timeframe, analyzer, lastRead: this.now(), bytes: analyzer.memoryBytes, queue: Promise.resolve() });
      this.total += analyzer.memoryBytes;
      this.counts.built++;
      this.evict();
      if (!this.hot.has(key)) this.tooLarge.add(key);
    } catch (e) {
      this.log.warn({ symbol, timeframe, err: String(e) }, 'hot series analyzer not built; its reads stay batch analyses');
    }
  }

  /** Whether `bytes` more fit the budget, after dropping analyzers idle for IDLE_MS (least recently read first) if needed. */
  private makeRoom(bytes: number): boolean {
    if (bytes > this.maxBytes) return false;
    const idleBefore = this.now() - IDLE_MS;
    for (const [key, h] of this.hot) {
      if (this.total + bytes <= this.maxBytes || h.lastRead > idleBefore) break;
      this.remove(key, h);
    }
    return this.total + bytes <= this.maxBytes;
  }

  /** Drops the least recently read analyzers until the rest fit the budget (one built larger than estimated, or grown since). */
  private evict(): void {
    for (const [key, h] of this.hot) {
      if (this.total <= this.maxBytes) break;
      this.remove(key, h);
    }
  }

  private remove(key: string, h: Hot): void {
    this.hot.delete(key);
    this.total -= h.bytes;
  }

  /** Drops a failed analyzer; the series must be read after a write twice again to get one (on the TS engine). */
  private drop(key: string, e: unknown): void {
    const h = this.hot.get(key);
    if (h !== undefined) this.remove(key, h);
    this.misses.delete(key);
    this.failed.add(key);
    this.counts.dropped++;
    this.log.warn(
      { symbol: h?.symbol, timeframe: h?.timeframe, engine: h?.analyzer.engine, err: String(e) },
      'hot series analyzer failed; dropped',
    );
  }

  /** Waits for the analyzers being built (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.building.values());
  }

  bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.hot.size;
  }
}
