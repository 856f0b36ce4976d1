// Bringing a streaming analyzer up to a stored series: the bars after its last one (which may have
// been replaced since), all at once or, for a long history, in slices that yield to the event loop.
import { barAt } from '../core/bars.js';
import type { Bars } from '../core/types.js';
import type { StreamBar, StreamingAnalyzer, StreamUpdate } from '../streaming/analyzer.js';
import type { SeriesStore } from './store.js';

/** Bars replayed between two yields to the event loop. */
const REPLAY_SLICE_MS = 10;

/** The stored bars from the analyzer's last one on (reading the store: its errors are the store's). */
export async function storedSince(store: SeriesStore, symbol: string, timeframe: string, a: StreamingAnalyzer): Promise<Since> {
  const last = a.lastBar();
  return { last, bars: await store.loadFrom(symbol, timeframe, last === null ? -Number.MAX_SAFE_INTEGER : last.timestamp) };
}

export interface Since {
  readonly last: StreamBar | null;
  readonly bars: Bars;
}

/** Applies `since` (from storedSince) to the analyzer, calling `emit` with each update (the analyzer's errors are the engine's). */
export function applySince(
  a: StreamingAnalyzer,
  { last, bars }: Since,
  emit: (update: StreamUpdate, bar: StreamBar) => void = () => undefined,
): void {
  for (let i = 0; i < bars.timestamp.length; i++) {
    const b = barAt(bars, i);
    if (last !== null && b.timestamp === last.timestamp) {
      if (!sameBar(b, last)) emit(a.replaceLast(b), b);
    } else emit(a.append(b), b);
  }
}

/**
 * Applies the stored bars written since the analyzer's last bar (replacing that bar if it changed),
 * calling `emit` with each update; so the analyzer follows the store also when another process writes to it.
 */
export async function catchUp(
  store: SeriesStore,
  symbol: string,
  timeframe: string,
  a: StreamingAnalyzer,
  emit?: (update: StreamUpdate, bar: StreamBar) => void,
): Promise<void> {
  applySince(a, await storedSince(store, symbol, timeframe, a), emit);
}

/** catchUp for a long history: slices of about REPLAY_SLICE_MS with a yield between them, then the bars written meanwhile. */
export async function replay(store: SeriesStore, symbol: string, timeframe: string, a: StreamingAnalyzer): Promise<void> {
  const { last, bars } = await storedSince(store, symbol, timeframe, a);
  const n = bars.timestamp.length;
  let i = 0;
  if (last !== null && n > 0 && bars.timestamp[0] === last.timestamp) {
    const b = barAt(bars, i++);
    if (!sameBar(b, last)) a.replaceLast(b);
  }
  while (i < n) {
    const until = performance.now() + REPLAY_SLICE_MS;
    do {
      const end = Math.min(n, i + 256);
      while (i < end) a.append(barAt(bars, i++));
    } while (i < n && performance.now() < until);
    if (i < n) await new Promise<void>((r) => setImmediate(r));
  }
  await catchUp(store, symbol, timeframe, a);
}

const sameBar = (a: StreamBar, b: StreamBar) =>
  a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;
