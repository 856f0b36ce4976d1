// The store contract: what the service needs from wherever the bars live (an embedded SQLite file, or
// a PostgreSQL database shared by several instances). Both implementations keep the same rules: a
// batch is validated whole and written atomically; a resent bar is idempotent; the last stored bar
// may be replaced; older history may not change (HistoryConflictError naming the batch index and
// field); every bar carries a checksum verified when it is read (StoreCorruptionError naming the
// series and bar, never a silently different number).
import { BarValidationError, ChanEngineError, HistoryConflictError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { validateBars } from '../core/validate.js';

export interface SeriesInfo {
  /** Increases with every write that changed the series (cache key). */
  readonly revision: number;
  readonly count: number;
  readonly lastTimestamp: number;
}

export interface SubmitResult extends SeriesInfo {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

export interface StoreStats {
  readonly kind: 'sqlite' | 'postgres';
  readonly series: number;
  readonly bars: number;
  /** The file's size (SQLite) or the database's (PostgreSQL). */
  readonly fileBytes: number;
  /** The file, or the PostgreSQL URL (which never holds a password). */
  readonly path: string;
  /** SQLite's journal mode (wal); empty for PostgreSQL. */
  readonly journalMode: string;
  /** SQLite's synchronous setting (FULL: every commit syncs the log) or PostgreSQL's synchronous_commit (on). */
  readonly synchronous: string;
  /** The database software's version. */
  readonly serverVersion: string;
}

export interface SeriesStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the store is, for messages and logs (no password). */
  readonly location: string;
  /**
   * Stores a batch (sorted, validated whole first). Bars at or before the last stored timestamp must
   * already be stored with identical values, except the last stored bar, which may be replaced.
   * Throws BarValidationError / HistoryConflictError naming the batch index and field; then nothing is written.
   */
  submit(symbol: string, timeframe: string, batch: Bars): Promise<SubmitResult>;
  /**
   * The whole stored series, or its last `last` bars only, with the revision and count it was read
   * at; null when nothing is stored under that name.
   */
  load(symbol: string, timeframe: string, last?: number): Promise<{ bars: Bars; info: SeriesInfo } | null>;
  /** Stored bars from timestamp `from` on (inclusive). */
  loadFrom(symbol: string, timeframe: string, from: number): Promise<Bars>;
  info(symbol: string, timeframe: string): Promise<SeriesInfo | null>;
  /** Saves a streaming analyzer's state blob for a series and options key (a cache: it can always be recomputed). */
  saveStreamState(symbol: string, timeframe: string, options: string, barCount: number, blob: Uint8Array): Promise<void>;
  /** The saved state, or null when there is none or it is damaged. */
  loadStreamState(symbol: string, timeframe: string, options: string): Promise<Uint8Array | null>;
  stats(): Promise<StoreStats>;
  /**
   * Calls `listener` after another instance wrote to a series (a shared store; the SQLite store,
   * which one process owns at a time, never calls it). Called again after a lost connection to the
   * notifications is restored, for every series, as writes may have been missed meanwhile (symbol '').
   */
  onExternalWrite(listener: (symbol: string, timeframe: string) => void): void;
  /** Resolves when the store answers; rejects with StoreUnavailableError when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store cannot be trusted: a row whose values do not match their checksum, or a damaged file. */
export class StoreCorruptionError extends ChanEngineError {
  override readonly name: string = 'StoreCorruptionError';
}

/** The store cannot be reached now (a database that is down or restarting): retryable. */
export class StoreUnavailableError extends ChanEngineError {
  override readonly name: string = 'StoreUnavailableError';
}

/** The store has no room for a write (its disk is full): nothing of the batch was stored. */
export class StoreFullError extends ChanEngineError {
  override readonly name: string = 'StoreFullError';
}

/** The StoreFullError of a write to `location` refused for want of room (`detail`: the database's words). */
export function storeFull(location: string, detail: string): StoreFullError {
  return new StoreFullError(`the store ${location} is full (${detail}): free space, then send the batch again; nothing of it was stored`);
}

export const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Validates a batch for storing: the bar rules, whole-millisecond timestamps, and -0 made 0 (a
 * PostgreSQL round trip loses the sign, which would break the checksum).
 */
export function checkBatch(batch: Bars): void {
  validateBars(batch);
  const ts = batch.timestamp;
  for (let i = 0; i < ts.length; i++) {
    if (!Number.isSafeInteger(ts[i]!)) throw new BarValidationError(i, 'timestamp', `must be a whole number of ms, got ${ts[i]}`);
  }
  for (const f of FIELDS) {
    const col = batch[f];
    for (let i = 0; i < col.length; i++) if (col[i] === 0) col[i] = 0;
  }
}

/**
 * Compares a batch with what is stored from its first bar on: `stored` rows (ts, open, high, low,
 * close, volume, ...) in timestamp order, `last` the last stored timestamp. Returns the number of
 * batch bars at or before `last` and, among them, the indices of those that replace the last stored
 * bar; throws HistoryConflictError for a bar that is not stored or differs from the stored one.
 */
export function compareWithStored(
  b: Bars,
  stored: readonly (readonly number[])[],
  last: number,
): { overlap: number; unchanged: number; replaceLast: number | null } {
  const n = b.timestamp.length;
  let i = 0,
    k = 0,
    unchanged = 0,
    replaceLast: number | null = null;
  for (; i < n && b.timestamp[i]! <= last; i++) {
    const t = b.timestamp[i]!;
    while (k < stored.length && stored[k]![0]! < t) k++;
    const s = stored[k];
    if (s === undefined || s[0] !== t) {
      throw new HistoryConflictError(
        i,
        'timestamp',
        `${t} is before the last stored bar (${last}) and is not stored: history cannot be inserted into`,
      );
    }
    const changed = FIELDS.findIndex((f, c) => b[f][i] !== s[c + 1]);
    if (changed < 0) unchanged++;
    else if (t === last) replaceLast = i;
    else {
      const f = FIELDS[changed]!;
      throw new HistoryConflictError(
        i,
        f,
        `${b[f][i]} differs from the stored ${s[changed + 1]} at ${t}: only the last stored bar (${last}) may change`,
      );
    }
  }
  return { overlap: i, unchanged, replaceLast };
}

const crcScratch = new Float64Array(7);
const crcWords = new Uint32Array(crcScratch.buffer);

/** FNV-1a over the bits of a row's series id, timestamp and values (a 32-bit checksum, as an integer). */
export function rowChecksum(series: number, ts: number, o: number, h: number, l: number, c: number, v: number): number {
  crcScratch[0] = series;
  crcScratch[1] = ts;
  crcScratch[2] = o;
  crcScratch[3] = h;
  crcScratch[4] = l;
  crcScratch[5] = c;
  crcScratch[6] = v;
  let x = 0x811c9dc5;
  for (let i = 0; i < 14; i++) x = Math.imul(x ^ crcWords[i]!, 0x01000193) >>> 0;
  return x;
}

/** The checksum of bar i of a batch stored under series id `series`. */
export function barChecksum(series: number, b: Bars, i: number): number {
  return rowChecksum(series, b.timestamp[i]!, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!);
}

export function blobChecksum(b: Uint8Array): number {
  let x = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) x = Math.imul(x ^ b[i]!, 0x01000193) >>> 0;
  return x;
}

/** Throws StoreCorruptionError (`damage` makes its message) unless stored row r (ts, open, high, low, close, volume, crc) matches its checksum. */
export function checkRow(r: readonly number[], series: number, damage: (what: string) => string): void {
  if (rowChecksum(series, r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!) !== r[6]) {
    throw new StoreCorruptionError(damage(`bar at ${r[0]}: its stored values do not match their checksum`));
  }
}

/** Stored row r into bar i of b, after checking its checksum (see checkRow). */
export function setCheckedRow(b: Bars, i: number, r: readonly number[], series: number, damage: (what: string) => string): void {
  checkRow(r, series, damage);
  b.timestamp[i] = r[0]!;
  b.open[i] = r[1]!;
  b.high[i] = r[2]!;
  b.low[i] = r[3]!;
  b.close[i] = r[4]!;
  b.volume[i] = r[5]!;
}

/** A damaged store's message: where, what is wrong and what to do (`it`: the file, the database). */
export function damaged(location: string, what: string, it: string): string {
  return `${location}: the store is damaged (${what}); restore ${it} from a backup, or move it away and submit the bars again`;
}
