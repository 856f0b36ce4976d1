// The RPCs, independent of the transport: plain request objects in (as @grpc/proto-loader
// decodes them), plain response objects out, ServiceError for anything the caller must fix.
import { status as Code } from '@grpc/grpc-js';
import type { EngineConfig } from '../config/schema.js';
import type { AnalysisOptions } from '../core/options.js';
import type { Level } from '../core/structure-options.js';
import type { AnalysisResult, Bars } from '../core/types.js';
import { stringifyExact } from '../streaming/state-blob.js';
import type { StreamKernelFactory } from '../core/stream-kernel.js';
import type { EngineCoordinator, Logger } from '../failover/coordinator.js';
import { barAt } from '../core/bars.js';
import { penAt } from '../core/result.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import type { StreamingAnalyzer } from '../streaming/analyzer.js';
import { HotAnalyzers, type HotStructures } from './hot-analyzers.js';
import { LiveStreams } from './live-streams.js';
import {
  lastN,
  penMessage,
  pivotMessage,
  pointMessage,
  segmentMessage,
  segmentOfSegmentsAsSegment,
  stateMessage,
  updateMessage,
} from './result-messages.js';
import { ByteCache } from './byte-cache.js';
import { enumValue, levelOf, macdOptions, penOptions, seriesKey, withStructures } from './request-options.js';
import { ServiceError } from './service-error.js';
import { klineBars, spacingWarnings, type TimestampUnit } from './kline-batch.js';
import { barsBytes, resultBytes } from './memory.js';
import type { SeriesStore } from './store.js';
import type * as M from './messages.js';
import { VERSION } from '../core/version.js';

export { ServiceError } from './service-error.js';

/** The cache key of resolved options, once per options object (most requests use the configured ones). */
const optionKeys = new WeakMap<AnalysisOptions, string>();
function optionsKey(o: AnalysisOptions): string {
  let k = optionKeys.get(o);
  if (k === undefined) optionKeys.set(o, (k = stringifyExact(o)));
  return k;
}

interface Analysis {
  readonly result: AnalysisResult;
  readonly bars: Bars;
}

export interface MethodCounter {
  calls: number;
  errors: number;
}

export class ChanService {
  /** Analyses by series revision and options, within `cache_entries` and `cache_max_mb`. */
  private readonly cache: ByteCache<Analysis>;
  /** The bars of recently analysed series, so a request with other options does not re-read the store (a quarter of the budget). */
  private readonly series: ByteCache<{ revision: number; bars: Bars }>;
  /** Analyses running now, so concurrent identical requests share one computation. */
  private readonly pending = new Map<string, Promise<Analysis>>();
  readonly counters = new Map<string, MethodCounter>();
  private readonly started = Date.now();

  readonly live: LiveStreams;
  /** Analyzers of series read after writes. */
  readonly hot: HotAnalyzers;
  /** Set once the store returned damaged rows: HealthCheck then answers not serving. */
  storeDamaged: string | null = null;
  /** False while the store cannot be reached (the server's periodic ping): HealthCheck answers not serving. */
  storeReachable = true;
  /** Calls failed because the store was unreachable or damaged (metrics). */
  storeErrors = 0;

  constructor(
    private readonly config: EngineConfig,
    private readonly store: SeriesStore,
    private readonly coordinator: EngineCoordinator,
    log: Logger = { info() {}, warn() {}, error() {} },
    streamKernel?: StreamKernelFactory,
    hotKernel: StreamKernelFactory = tsStreamKernel,
  ) {
    const mb = 1024 * 1024;
    this.cache = new ByteCache(
      config.service.cacheEntries,
      config.service.cacheMaxMb * mb,
      (a) => barsBytes(a.bars) + resultBytes(a.result),
    );
    this.series = new ByteCache(8, (config.service.cacheMaxMb * mb) / 4, (s) => barsBytes(s.bars));
    this.hot = new HotAnalyzers(store, log, hotKernel, config.service.hotSeriesMaxMb * mb);
    this.live = new LiveStreams(store, log, streamKernel, config.service.streamWindow || undefined, config.service.streamsMaxMb * mb);
    // Bars written through other instances sharing the store reach this one's live streams too.
    store.onExternalWrite((symbol, timeframe) => this.live.onSubmit(symbol, timeframe));
  }

  async submitKlines(req: M.SubmitKlinesRequest): Promise<M.SubmitKlinesResponse> {
    const { symbol, timeframe } = seriesKey(req);
    const klines = req.klines ?? [];
    const max = this.config.service.maxBarsPerRequest;
    if (klines.length > max) {
      throw new ServiceError(Code.RESOURCE_EXHAUSTED, `${klines.length} klines in one request; the limit is ${max} (split the batch)`);
    }
    const unit = enumValue('timestamp_unit', req.timestampUnit, 'TIMESTAMP_UNIT_', ['MILLISECONDS', 'SECONDS', 'MICROSECONDS'] as const);
    const configured = this.config.service.timestampUnit;
    const bars = klineBars(klines, (unit?.toLowerCase() as TimestampUnit) ?? configured.unit, unit !== undefined || configured.explicit);
    const warnings = spacingWarnings(bars, timeframe);
    const r = await this.store.submit(symbol, timeframe, bars);
    if (r.inserted + r.updated > 0) this.live.onSubmit(symbol, timeframe);
    return {
      received: klines.length,
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
      storedCount: r.count,
      lastTimestamp: r.lastTimestamp,
      warnings,
    };
  }

  async getKlines(req: M.GetKlinesRequest): Promise<M.GetKlinesResponse> {
    const { symbol, timeframe } = seriesKey(req);
    // With last_n only those bars are read (O(last_n), not O(history)).
    const loaded = await this.store.load(symbol, timeframe, req.lastN || undefined);
    if (loaded === null) throw new ServiceError(Code.NOT_FOUND, `no bars stored for ${symbol} ${timeframe}`);
    const b = loaded.bars;
    const klines: M.Kline[] = Array.from({ length: b.timestamp.length }, (_, j) => barAt(b, j));
    return { klines, firstIndex: loaded.info.count - klines.length, barCount: loaded.info.count };
  }

  async calculatePens(req: M.CalculatePensRequest): Promise<M.CalculatePensResponse> {
    const opt = penOptions(this.config.analysis, req.pen);
    if (req.lastN) {
      // The latest pens of a hot series: read from its analyzer, without a snapshot of the whole result.
      const { symbol, timeframe } = seriesKey(req);
      // One more: only the last pen can be provisional.
      const t = await this.hot.lastPens(symbol, timeframe, optionsKey(opt), req.lastN + 1);
      if (t !== undefined) {
        const provisional = t.pens.length > 0 && !t.pens.at(-1)!.confirmed ? 1 : 0;
        const pens = req.confirmedOnly ? t.pens.slice(0, t.pens.length - provisional) : t.pens;
        return {
          pens: lastN(pens, req.lastN).map(penMessage),
          total: t.total - (req.confirmedOnly ? provisional : 0),
          barCount: t.barCount,
          engine: t.engine,
          cached: false,
        };
      }
    }
    const a = await this.analysis(req, opt);
    // From the pen columns: only the pens sent are made as objects (a long series has thousands).
    const c = a.result.penColumns;
    const all: number[] = [];
    for (let i = 0; i < c.count; i++) if (!req.confirmedOnly || c.confirmed[i] === 1) all.push(i);
    return {
      pens: lastN(all, req.lastN).map((i) => penMessage(penAt(c, i))),
      total: all.length,
      barCount: a.result.barCount,
      engine: a.engine,
      cached: a.cached,
    };
  }

  async calculateSegments(req: M.CalculateSegmentsRequest): Promise<M.CalculateSegmentsResponse> {
    const opt = penOptions(this.config.analysis, req.pen);
    const level = levelOf(req.level);
    if (req.lastN) {
      // The latest (confirmed) segments or segments of segments of a hot series, as calculatePens
      // reads the latest pens.
      const { symbol, timeframe } = seriesKey(req);
      const key = optionsKey(opt);
      const t =
        level === 'pen'
          ? await this.hot.lastSegments(symbol, timeframe, key, req.lastN, req.confirmedOnly)
          : await this.hot
              .lastSegmentsOfSegments(symbol, timeframe, key, req.lastN, req.confirmedOnly)
              .then((h) => h && { ...h, segments: h.segmentsOfSegments.map(segmentOfSegmentsAsSegment) });
      if (t !== undefined) {
        return { segments: t.segments.map(segmentMessage), total: t.total, barCount: t.barCount, engine: t.engine, cached: false };
      }
    }
    const a = await this.analysis(req, opt);
    const segments = level === 'pen' ? a.result.segments : a.result.segmentsOfSegments.map(segmentOfSegmentsAsSegment);
    const all = req.confirmedOnly ? segments.filter((s) => s.confirmed) : segments;
    return {
      segments: lastN(all, req.lastN).map(segmentMessage),
      total: all.length,
      barCount: a.result.barCount,
      engine: a.engine,
      cached: a.cached,
    };
  }

  async calculatePivots(req: M.StructureRequest): Promise<M.CalculatePivotsResponse> {
    const { part, ...rest } = await this.structures(
      req,
      (r, level) => r.pivots[level],
      (t) => [t.pivots, t.pivotTotal],
    );
    return { pivots: part.map(pivotMessage), ...rest };
  }

  async getBuySellPoints(req: M.StructureRequest): Promise<M.GetBuySellPointsResponse> {
    const { part, ...rest } = await this.structures(
      req,
      (r, level) => r.buySellPoints[level],
      (t) => [t.points, t.pointTotal],
    );
    return { points: part.map(pointMessage), ...rest };
  }

  /**
   * The last req.lastN (or all) of one level's pivots or points, with the total and the analysis'
   * facts: of a hot series with last_n from its analyzer (as calculatePens reads the latest pens),
   * else from the whole result.
   */
  private async structures<T>(
    req: M.StructureRequest,
    pick: (r: AnalysisResult, level: Level) => readonly T[],
    pickHot: (t: HotStructures) => [readonly T[], number],
  ) {
    const level = levelOf(req.level);
    const opt = withStructures(penOptions(this.config.analysis, req.pen), req.options, [level]);
    if (req.lastN) {
      const { symbol, timeframe } = seriesKey(req);
      const t = await this.hot.lastStructures(symbol, timeframe, optionsKey(opt), level, req.lastN);
      if (t !== undefined) {
        const [part, total] = pickHot(t);
        return { part, total, barCount: t.barCount, engine: t.engine, cached: false };
      }
    }
    const a = await this.analysis(req, opt);
    const all = pick(a.result, level);
    return { part: lastN(all, req.lastN), total: all.length, barCount: a.result.barCount, engine: a.engine, cached: a.cached };
  }

  async getMacd(req: M.GetMACDRequest): Promise<M.GetMACDResponse> {
    const opt = macdOptions(this.config, req);
    const { fast, slow, signal } = opt.macd;
    if (req.lastN) {
      // The latest values of a hot series, as calculatePens reads the latest pens.
      const { symbol, timeframe } = seriesKey(req);
      const t = await this.hot.lastMacd(symbol, timeframe, optionsKey(opt), req.lastN);
      if (t !== undefined) {
        const points = Array.from(t.dif, (dif, i) => ({ timestamp: t.timestamp[i]!, dif, dea: t.dea[i]!, histogram: t.histogram[i]! }));
        return { points, fast, slow, signal, barCount: t.barCount, engine: t.engine, cached: false };
      }
    }
    const a = await this.analysis(req, opt);
    const { dif, dea, histogram, firstValid } = a.result.macd;
    const n = a.result.barCount;
    const from = Math.max(firstValid, req.lastN ? n - req.lastN : 0);
    const points: M.MacdPoint[] = [];
    for (let i = from; i < n; i++) points.push({ timestamp: a.bars.timestamp[i]!, dif: dif[i]!, dea: dea[i]!, histogram: histogram[i]! });
    return { points, fast, slow, signal, barCount: n, engine: a.engine, cached: a.cached };
  }

  async healthCheck(req: M.HealthCheckRequest): Promise<M.HealthCheckResponse> {
    if (req.deep) await this.coordinator.healthCheck();
    const s = this.coordinator.status();
    // Serving on either engine (the TS backup answers correctly, it is only slower), not on a damaged
    // or unreachable store.
    return {
      serving: this.storeDamaged === null && this.storeReachable,
      degraded: s.degraded,
      activeEngine: s.active,
      activeRole: s.activeRole,
    };
  }

  /**
   * Subscribes to live updates of a series: `send` gets the first message (the current pens,
   * segments and structures) at once, then one update per bar written afterwards; returns the
   * unsubscribe function.
   */
  async streamAnalysis(req: M.StreamAnalysisRequest, send: (u: M.AnalysisUpdate) => void): Promise<() => void> {
    const { symbol, timeframe } = seriesKey(req);
    if ((await this.store.info(symbol, timeframe)) === null)
      throw new ServiceError(Code.NOT_FOUND, `no bars stored for ${symbol} ${timeframe}`);
    const options = withStructures(penOptions(this.config.analysis, req.pen), req.options, ['pen', 'segment']);
    // Updates emitted before the first message is made (a catch-up running meanwhile) are already in
    // it (a bar is applied before its update goes out): they are not sent. A rebuilt analyzer replaces it.
    let sending = false;
    let current: StreamingAnalyzer | undefined;
    const { analyzer, unsubscribe } = await this.live.subscribe(symbol, timeframe, options, (u) => {
      if ('resync' in u) current = u.resync;
      if (sending) send(updateMessage(u));
    });
    try {
      send(stateMessage(current ?? analyzer, req.initialLastN));
    } catch (e) {
      unsubscribe();
      throw e;
    }
    sending = true;
    return unsubscribe;
  }

  async getStatus(): Promise<M.GetStatusResponse> {
    const s = this.coordinator.status();
    const store = await this.store.stats();
    return {
      activeEngine: s.active,
      activeRole: s.activeRole,
      degraded: s.degraded,
      primaryEngine: s.primaryEngine,
      backupEngine: s.backupEngine,
      primaryLoaded: s.primaryLoaded,
      failoverCount: s.switchCount,
      switches: s.switches.map((e) => ({ at: e.at, from: e.from, to: e.to, reason: e.reason })),
      engineFailures: { ...s.failures },
      engineCalls: s.calls,
      methods: [...this.counters].map(([method, c]) => ({ method, calls: c.calls, errors: c.errors })),
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      serverRole: this.config.system.role,
      cacheBytes: this.cache.bytes + this.series.bytes,
      streamBytes: this.live.bytes(),
      hotSeries: this.hot.size,
      hotSeriesBytes: this.hot.bytes(),
      hotAnswers: this.hot.counts.answers,
      version: VERSION,
      nodeVersion: process.versions.node,
      sqliteVersion: store.kind === 'sqlite' ? store.serverVersion : '',
      store,
      uptimeSeconds: (Date.now() - this.started) / 1000,
      lastError: s.lastError ? `${s.lastError.at} ${s.lastError.role} ${s.lastError.kind}: ${s.lastError.message}` : '',
      streams: this.live.stats(),
    };
  }

  /** The analysis of the whole stored series with these options, from the cache when the series is unchanged. */
  private async analysis(req: M.SeriesRequest, opt: AnalysisOptions): Promise<Analysis & { engine: string; cached: boolean }> {
    const { symbol, timeframe } = seriesKey(req);
    const info = await this.store.info(symbol, timeframe);
    if (info === null) throw new ServiceError(Code.NOT_FOUND, `no bars stored for ${symbol} ${timeframe}`);
    const seriesId = `${symbol}\u0000${timeframe}`;
    const optKey = optionsKey(opt);
    const hit = this.cache.get(`${seriesId}\u0000${info.revision}\u0000${optKey}`);
    if (hit !== undefined) return { ...hit, engine: this.coordinator.status().active, cached: true };
    const hot = await this.hot.answer(symbol, timeframe, optKey);
    if (hot !== undefined) {
      const a = { result: hot.result, bars: hot.bars };
      // The analyzer read the store after info(): it holds at least this revision's bars.
      this.cache.set(`${seriesId}\u0000${info.revision}\u0000${optKey}`, a);
      return { ...a, engine: hot.engine, cached: false };
    }
    let s = this.series.get(seriesId);
    if (s === undefined || s.revision !== info.revision) {
      // The series may have changed since info(): key by the revision actually loaded.
      const loaded = await this.store.load(symbol, timeframe);
      if (loaded === null) throw new ServiceError(Code.NOT_FOUND, `no bars stored for ${symbol} ${timeframe}`);
      s = { revision: loaded.info.revision, bars: loaded.bars };
      this.series.set(seriesId, s);
    }
    const key = `${seriesId}\u0000${s.revision}\u0000${optKey}`;
    let running = this.pending.get(key);
    if (running === undefined) {
      const bars = s.bars;
      running = this.coordinator
        .analyze(bars, opt)
        .then((result) => ({ result, bars }))
        .finally(() => this.pending.delete(key));
      this.pending.set(key, running);
      this.hot.noteMiss(symbol, timeframe, opt, optKey, s.revision, bars.timestamp.length);
    }
    const a = await running;
    this.cache.set(key, a);
    return { ...a, engine: this.coordinator.status().active, cached: false };
  }
}
