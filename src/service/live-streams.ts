// Live streaming analyzers, one per (series, options) with subscribers. SubmitKlines feeds every
// written bar to them; their state is saved in the store so a restart resumes without recomputing.
import type { AnalysisOptions } from '../core/options.js';
import { tsStreamKernel } from '../engines/ts/kernel.js';
import { type StreamKernelFactory } from '../core/stream-kernel.js';
import { barAt } from '../core/bars.js';
import { StreamingAnalyzer, type StreamBar, type StreamUpdate } from '../streaming/analyzer.js';
import type { Logger } from '../failover/coordinator.js';
import type { BarStore } from './bar-store.js';

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

  /** `kernel`: the engine for the per-bar stages; when it fails, a series falls back to the TS engine. */
  constructor(
    private readonly store: BarStore,
    private readonly log: Logger,
    private readonly kernel: StreamKernelFactory = tsStreamKernel,
    /** History window of each analyzer (undefined = all bars). */
    private readonly window?: number,
  ) {}

  /** Subscribes to a series; returns the analyzer (its current state is the starting point) and an unsubscribe function. */
  subscribe(
    symbol: string,
    timeframe: string,
    options: AnalysisOptions,
    listener: Listener,
  ): { analyzer: StreamingAnalyzer; unsubscribe: () => void } {
    const optionsKey = JSON.stringify(options);
    const key = `${symbol}\u0000${timeframe}\u0000${optionsKey}`;
    let l = this.live.get(key);
    if (l === undefined) {
      l = this.open(symbol, timeframe, options, optionsKey);
      this.live.set(key, l);
    }
    l.listeners.add(listener);
    const live = l;
    return {
      analyzer: l.analyzer,
      unsubscribe: () => {
        live.listeners.delete(listener);
        if (live.listeners.size === 0) {
          this.save(live);
          this.live.delete(key);
        }
      },
    };
  }

  /** An analyzer for the stored series: from saved state plus the bars written since, or from all bars. */
  private open(symbol: string, timeframe: string, options: AnalysisOptions, optionsKey: string): Live {
    const live: Live = { symbol, timeframe, options, optionsKey, analyzer: undefined as never, listeners: new Set(), restored: false };
    const blob = this.store.loadStreamState(symbol, timeframe, optionsKey);
    if (blob !== null) {
      try {
        live.analyzer = StreamingAnalyzer.restore(blob, options, { kernel: this.kernel });
        if (live.analyzer.window !== (this.window ?? Infinity))
          throw new Error(`saved with window ${live.analyzer.window}, configured ${this.window ?? 'none'}`);
        this.catchUp(live, () => undefined);
        live.restored = true;
        return live;
      } catch (e) {
        this.log.warn({ symbol, timeframe, err: (e as Error).message }, 'saved stream state not usable; recomputing from the bars');
      }
    }
    try {
      this.rebuild(live, this.kernel);
    } catch (e) {
      if (this.kernel === tsStreamKernel) throw e;
      this.log.error({ symbol, timeframe, err: String(e) }, 'stream engine failed while opening; using the TS engine');
      this.rebuild(live, tsStreamKernel);
    }
    return live;
  }

  /** A new analyzer over every stored bar. */
  private rebuild(live: Live, kernel: StreamKernelFactory): void {
    live.analyzer = new StreamingAnalyzer(live.options, { kernel, window: this.window });
    live.restored = false;
    this.catchUp(live, () => undefined);
  }

  /**
   * Applies the stored bars from the analyzer's last bar on (that bar may have been replaced since),
   * so the analyzer follows the store also when another process writes to it.
   */
  private catchUp(live: Live, emit: Listener): void {
    const a = live.analyzer;
    const last = a.lastBar();
    const bars = this.store.loadFrom(live.symbol, live.timeframe, last === null ? -Number.MAX_SAFE_INTEGER : last.timestamp);
    for (let i = 0; i < bars.timestamp.length; i++) {
      const b = barAt(bars, i);
      let update: StreamUpdate;
      if (last !== null && b.timestamp === last.timestamp) {
        if (sameBar(b, last)) continue;
        update = a.replaceLast(b);
      } else update = a.append(b);
      emit({ update, timestamp: b.timestamp, barCount: a.barCount });
    }
  }

  /** After a write to a series: brings its live analyzers up to date and notifies their subscribers. */
  onSubmit(symbol: string, timeframe: string): void {
    for (const l of this.live.values()) {
      if (l.symbol !== symbol || l.timeframe !== timeframe) continue;
      const emit = (u: LiveUpdate) => {
        for (const f of l.listeners) f(u);
      };
      try {
        this.catchUp(l, emit);
      } catch (e) {
        // The per-bar engine failed (a WASM trap): its state cannot be trusted. Rebuild the series
        // on the TS engine from the store and hand subscribers the whole state again.
        this.log.error({ symbol, timeframe, engine: l.analyzer.engine, err: String(e) }, 'stream engine failed; rebuilt on the TS engine');
        this.rebuild(l, tsStreamKernel);
        emit({ resync: l.analyzer });
      }
    }
  }

  private save(l: Live): void {
    try {
      this.store.saveStreamState(l.symbol, l.timeframe, l.optionsKey, l.analyzer.barCount, l.analyzer.save());
    } catch (e) {
      this.log.warn({ symbol: l.symbol, timeframe: l.timeframe, err: String(e) }, 'could not save stream state');
    }
  }

  /** Saves every live analyzer's state (graceful shutdown). */
  saveAll(): void {
    for (const l of this.live.values()) this.save(l);
  }

  stats(): LiveStreamStats[] {
    return [...this.live.values()].map((l) => ({
      symbol: l.symbol,
      timeframe: l.timeframe,
      subscribers: l.listeners.size,
      bars: l.analyzer.barCount,
      restored: l.restored,
      engine: l.analyzer.engine,
    }));
  }
}

const sameBar = (a: StreamBar, b: StreamBar) =>
  a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;
