// Live streaming analyzers, one per (series, options) with subscribers. SubmitKlines feeds every
// written bar to them; their state is saved in the store so a restart resumes without recomputing.
// Opening one replays the stored bars in slices, yielding to the event loop between them, so other
// calls (health checks) are answered meanwhile; together they stay within a memory budget.
import type { AnalysisOptions } from '../core/options.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { type StreamKernelFactory } from '../core/stream-kernel.js';
import { StreamingAnalyzer, type StreamUpdate } from '../streaming/analyzer.js';
import type { Logger } from '../failover/coordinator.js';
import type { SeriesStore } from './store.js';
import { applySince, replay, storedSince } from './follow-store.js';
import { status as Code } from '@grpc/grpc-js';
import { stringifyExact } from '../streaming/state-blob.js';
import { STREAM_BYTES_PER_BAR } from './memory.js';
import { ServiceError } from './service-error.js';

export type LiveUpdate =
  | { readonly update: StreamUpdate; readonly timestamp: number; readonly barCount: number }
  /** The analyzer was rebuilt (engine failure): subscribers should take its whole state again. */
  | { readonly resync: StreamingAnalyzer };

type Listener = (u: LiveUpdate) => void;

interface Live {
  readonly symbol: string;
  readonly timeframe: string;
  readonly options: AnalysisOptions;
  readonly optionsKey: string;
  analyzer: StreamingAnalyzer;
  readonly listeners: Set<Listener>;
  restored: boolean;
  /** Set while the analyzer is rebuilt on the TS engine after a failure (writes meanwhile are replayed by it). */
  rebuilding: Promise<void> | null;
  /** The catch-up running now: one at a time, so updates go out in the order of the bars. */
  queue: Promise<void>;
}

export interface LiveStreamStats {
  symbol: string;
  timeframe: string;
  subscribers: number;
  bars: number;
  restored: boolean;
  engine: string;
}

export class LiveStreams {
  private readonly live = new Map<string, Live>();
  /** Analyzers being opened (replaying), so concurrent subscribers share one. */
  private readonly opening = new Map<string, Promise<Live>>();

  /** `kernel`: the engine for the per-bar stages; when it fails, a series falls back to the TS engine. */
  constructor(
    private readonly store: SeriesStore,
    private readonly log: Logger,
    private readonly kernel: StreamKernelFactory = tsStreamKernel,
    /** History window of each analyzer (undefined = all bars). */
    private readonly window?: number,
    /** Memory budget of all analyzers together, bytes. */
    private readonly maxBytes = Infinity,
  ) {}

  /** Bytes the live analyzers hold. */
  bytes(): number {
    let b = 0;
    for (const l of this.live.values()) b += l.analyzer.memoryBytes;
    return b;
  }

  /**
   * Subscribes to a series; resolves to the analyzer (its current state is the starting point) and an
   * unsubscribe function. A new analyzer that would exceed the memory budget is refused
   * (RESOURCE_EXHAUSTED); existing ones are shared whatever the budget.
   */
  async subscribe(
    symbol: string,
    timeframe: string,
    options: AnalysisOptions,
    listener: Listener,
  ): Promise<{ analyzer: StreamingAnalyzer; unsubscribe: () => void }> {
    const optionsKey = stringifyExact(options);
    const key = `${symbol}\u0000${timeframe}\u0000${optionsKey}`;
    let l = this.live.get(key);
    if (l === undefined) {
      let opening = this.opening.get(key);
      if (opening === undefined) {
        opening = this.checkBudget(symbol, timeframe)
          .then(() => this.open(symbol, timeframe, options, optionsKey))
          .finally(() => this.opening.delete(key));
        this.opening.set(key, opening);
      }
      l = await opening;
      this.live.set(key, l);
    }
    l.listeners.add(listener);
    const live = l;
    return {
      analyzer: l.analyzer,
      unsubscribe: () => {
        live.listeners.delete(listener);
        if (live.listeners.size === 0) {
          void this.save(live);
          this.live.delete(key);
        }
      },
    };
  }

  /** Refuses a new analyzer when the live ones and it (estimated from the bars it would hold) exceed the budget. */
  private async checkBudget(symbol: string, timeframe: string): Promise<void> {
    if (this.maxBytes === Infinity) return;
    const stored = (await this.store.info(symbol, timeframe))?.count ?? 0;
    const held = this.bytes(),
      more = Math.min(stored, 2 * (this.window ?? Infinity)) * STREAM_BYTES_PER_BAR;
    if (held + more > this.maxBytes) {
      const mb = (b: number) => `${Math.ceil(b / 1024 / 1024)} MB`;
      throw new ServiceError(
        Code.RESOURCE_EXHAUSTED,
        `stream memory budget is full: ${this.live.size} live streams hold ${mb(held)}, this one needs about ${mb(more)}, the budget (service.streams_max_mb) is ${mb(this.maxBytes)}`,
      );
    }
  }

  /** An analyzer for the stored series: from saved state plus the bars written since, or from all bars. */
  private async open(symbol: string, timeframe: string, options: AnalysisOptions, optionsKey: string): Promise<Live> {
    const live: Live = {
      symbol,
      timeframe,
      options,
      optionsKey,
      analyzer: undefined as never,
      listeners: new Set(),
      restored: false,
      rebuilding: null,
      queue: Promise.resolve(),
    };
    const blob = await this.store.loadStreamState(symbol, timeframe, optionsKey);
    if (blob !== null) {
      try {
        live.analyzer = StreamingAnalyzer.restore(blob, options, { kernel: this.kernel });
        if (live.analyzer.window !== (this.window ?? Infinity))
          throw new Error(`saved with window ${live.analyzer.window}, configured ${this.window ?? 'none'}`);
        await this.replay(live);
        live.restored = true;
        return live;
      } catch (e) {
        this.log.warn({ symbol, timeframe, err: (e as Error).message }, 'saved stream state not usable; recomputing from the bars');
      }
    }
    try {
      live.analyzer = new StreamingAnalyzer(live.options, { kernel: this.kernel, window: this.window });
      await this.replay(live);
    } catch (e) {
      if (this.kernel === tsStreamKernel) throw e;
      this.log.error({ symbol, timeframe, err: String(e) }, 'stream engine failed while opening; using the TS engine');
      live.analyzer = new StreamingAnalyzer(live.options, { kernel: tsStreamKernel, window: this.window });
      await this.replay(live);
    }
    return live;
  }

  private replay(live: Live): Promise<void> {
    return replay(this.store, live.symbol, live.timeframe, live.analyzer);
  }

  /**
   * After a write to a series (here, or by another instance on a shared store; symbol '' for every
   * series): brings its live analyzers up to date and notifies their subscribers, in bar order.
   */
  onSubmit(symbol: string, timeframe: string): void {
    for (const l of this.live.values()) {
      if (symbol !== '' && (l.symbol !== symbol || l.timeframe !== timeframe)) continue;
      l.queue = l.queue.then(() => this.follow(l));
    }
  }

  /** Settles when every catch-up queued so far is done (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => l.queue));
  }

  private async follow(l: Live): Promise<void> {
    if (l.rebuilding !== null) return;
    const emit = (u: LiveUpdate) => {
      for (const f of l.listeners) f(u);
    };
    let since;
    try {
      since = await storedSince(this.store, l.symbol, l.timeframe, l.analyzer);
    } catch (e) {
      // The store cannot be read now: the next write or notification catches up from the same bar.
      this.log.warn({ symbol: l.symbol, timeframe: l.timeframe, err: String(e) }, 'stream could not read the store; will catch up later');
      return;
    }
    try {
      applySince(l.analyzer, since, (update, bar) => emit({ update, timestamp: bar.timestamp, barCount: l.analyzer.barCount }));
    } catch (e) {
      // The per-bar engine failed (a WASM trap): its state cannot be trusted. Rebuild the series
      // on the TS engine from the store and hand subscribers the whole state again.
      this.log.error(
        { symbol: l.symbol, timeframe: l.timeframe, engine: l.analyzer.engine, err: String(e) },
        'stream engine failed; rebuilding on the TS engine',
      );
      l.analyzer = new StreamingAnalyzer(l.options, { kernel: tsStreamKernel, window: this.window });
      l.restored = false;
      l.rebuilding = this.replay(l).then(
        () => {
          l.rebuilding = null;
          emit({ resync: l.analyzer });
        },
        (err: unknown) => this.log.error({ symbol: l.symbol, timeframe: l.timeframe, err: String(err) }, 'stream could not be rebuilt'),
      );
    }
  }

  private async save(l: Live): Promise<void> {
    try {
      await this.store.saveStreamState(l.symbol, l.timeframe, l.optionsKey, l.analyzer.barCount, l.analyzer.save());
    } catch (e) {
      this.log.warn({ symbol: l.symbol, timeframe: l.timeframe, err: String(e) }, 'could not save stream state');
    }
  }

  /** Saves every live analyzer's state (graceful shutdown). */
  async saveAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => this.save(l)));
  }

  stats(): LiveStreamStats[] {
    return [...this.live.values()].map((l) => ({
      symbol: l.symbol,
      timeframe: `TIMEFRAME_${l.timeframe}`,
      subscribers: l.listeners.size,
      bars: l.analyzer.barCount,
      restored: l.restored,
      engine: l.analyzer.engine,
    }));
  }
}
