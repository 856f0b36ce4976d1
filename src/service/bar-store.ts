// Persistent bar store: one SQLite file (WAL), bars keyed by (series, timestamp). Every batch is
// validated whole and written in one transaction, so a rejected or interrupted batch leaves nothing.
import Database from 'better-sqlite3';
import { allocateBars } from '../core/bars.js';
import { BarValidationError, HistoryConflictError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { validateBars } from '../core/validate.js';

const SCHEMA_VERSION = 2;
const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

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
  readonly series: number;
  readonly bars: number;
  readonly fileBytes: number;
  readonly path: string;
  /** SQLite's journal mode (wal) and synchronous setting (FULL: every commit syncs the log to disk). */
  readonly journalMode: string;
  readonly synchronous: string;
}

interface SeriesRow {
  id: number;
  revision: number;
  count: number;
  last_ts: number;
}

/** Row `i` of `b` from a raw SQLite row (ts, open, high, low, close, volume). */
function setRow(b: Bars, i: number, r: number[]): void {
  b.timestamp[i] = r[0]!;
  b.open[i] = r[1]!;
  b.high[i] = r[2]!;
  b.low[i] = r[3]!;
  b.close[i] = r[4]!;
  b.volume[i] = r[5]!;
}

export class BarStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(
    readonly path: string,
    durability: 'full' | 'normal' = 'full',
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    // Primary and backup servers may share the file; a writer waits for the other instead of failing.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const db = this.db;
    this.q = {
      series: db.prepare<[string, string], SeriesRow>('SELECT id, revision, count, last_ts FROM series WHERE symbol = ? AND timeframe = ?'),
      createSeries: db.prepare<[string, string]>(
        'INSERT INTO series (symbol, timeframe, revision, count, last_ts) VALUES (?, ?, 0, 0, NULL)',
      ),
      updateSeries: db.prepare<[number, number, number, number]>(
        'UPDATE series SET revision = revision + 1, count = count + ?, last_ts = ? WHERE id = ? AND revision = ?',
      ),
      range: db
        .prepare<[number, number, number]>(
          'SELECT ts, open, high, low, close, volume FROM bars WHERE series = ? AND ts BETWEEN ? AND ? ORDER BY ts',
        )
        .raw(),
      insert: db.prepare<[number, number, number, number, number, number, number]>(
        'INSERT INTO bars (series, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare<[number, number, number, number, number, number, number]>(
        'UPDATE bars SET open = ?, high = ?, low = ?, close = ?, volume = ? WHERE series = ? AND ts = ?',
      ),
      all: db.prepare<[number]>('SELECT ts, open, high, low, close, volume FROM bars WHERE series = ? ORDER BY ts').raw(),
      stats: db.prepare<[], { series: number; bars: number | null }>('SELECT COUNT(*) AS series, SUM(count) AS bars FROM series'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${this.path}: store schema version ${version} is newer than this build supports (${SCHEMA_VERSION})`);
    }
    if (version === SCHEMA_VERSION) return;
    const v1 = `
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        symbol TEXT NOT NULL,
        timeframe TEXT NOT NULL,
        revision INTEGER NOT NULL,
        count INTEGER NOT NULL,
        last_ts INTEGER,
        UNIQUE (symbol, timeframe)
      );
      CREATE TABLE bars (
        series INTEGER NOT NULL REFERENCES series (id),
        ts INTEGER NOT NULL,
        open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL,
        PRIMARY KEY (series, ts)
      ) WITHOUT ROWID;`;
    // Saved streaming-analyzer state per series and options (a cache: it can always be recomputed).
    const v2 = `
      CREATE TABLE stream_state (
        series INTEGER NOT NULL REFERENCES series (id),
        options TEXT NOT NULL,
        bar_count INTEGER NOT NULL,
        blob BLOB NOT NULL,
        PRIMARY KEY (series, options)
      );`;
    this.db.exec(`BEGIN; ${version < 1 ? v1 : ''} ${v2} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
  }

  /** Saves a streaming analyzer's state blob for a series and options key. */
  saveStreamState(symbol: string, timeframe: string, options: string, barCount: number, blob: Uint8Array): void {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return;
    this.db
      .prepare('INSERT OR REPLACE INTO stream_state (series, options, bar_count, blob) VALUES (?, ?, ?, ?)')
      .run(row.id, options, barCount, blob);
  }

  loadStreamState(symbol: string, timeframe: string, options: string): Uint8Array | null {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return null;
    const r = this.db
      .prepare<[number, string], { blob: Buffer }>('SELECT blob FROM stream_state WHERE series = ? AND options = ?')
      .get(row.id, options);
    return r === undefined ? null : new Uint8Array(r.blob.buffer, r.blob.byteOffset, r.blob.byteLength);
  }

  /** Stored bars from timestamp `from` on (inclusive). */
  loadFrom(symbol: string, timeframe: string, from: number): Bars {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return allocateBars(0);
    const rows = this.q.range.all(row.id, from, Number.MAX_SAFE_INTEGER) as number[][];
    const b = allocateBars(rows.length);
    rows.forEach((r, i) => setRow(b, i, r));
    return b;
  }

  info(symbol: string, timeframe: string): SeriesInfo | null {
    const r = this.q.series.get(symbol, timeframe);
    return r === undefined || r.count === 0 ? null : { revision: r.revision, count: r.count, lastTimestamp: r.last_ts };
  }

  /**
   * Stores a batch (sorted, validated whole first). Bars at or before the last stored timestamp must
   * already be stored with identical values, except the last stored bar, which may be replaced.
   * Throws BarValidationError / HistoryConflictError naming the batch index and field; then nothing is written.
   */
  submit(symbol: string, timeframe: string, batch: Bars): SubmitResult {
    validateBars(batch);
    const ts = batch.timestamp;
    for (let i = 0; i < ts.length; i++) {
      if (!Number.isSafeInteger(ts[i]!)) throw new BarValidationError(i, 'timestamp', `must be a whole number of ms, got ${ts[i]}`);
    }
    // IMMEDIATE takes the write lock first, so a concurrent writer cannot slip in between read and write.
    return this.db.transaction(() => this.write(symbol, timeframe, batch)).immediate();
  }

  private write(symbol: string, timeframe: string, b: Bars): SubmitResult {
    let row = this.q.series.get(symbol, timeframe);
    if (row === undefined) {
      this.q.createSeries.run(symbol, timeframe);
      row = this.q.series.get(symbol, timeframe)!;
    }
    const n = b.timestamp.length;
    const last = row.count === 0 ? -Infinity : row.last_ts;
    // Bars up to the last stored one: compare with what is stored.
    let i = 0;
    let unchanged = 0,
      updated = 0;
    if (b.timestamp[0]! <= last) {
      // At most one stored row per batch bar, so reading the range whole is bounded by the batch.
      const stored = this.q.range.all(row.id, b.timestamp[0]!, last) as number[][];
      let k = 0;
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
        else if (t === last) {
          this.q.update.run(b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!, row.id, t);
          updated++;
        } else {
          const f = FIELDS[changed]!;
          throw new HistoryConflictError(
            i,
            f,
            `${b[f][i]} differs from the stored ${s[changed + 1]} at ${t}: only the last stored bar (${last}) may change`,
          );
        }
      }
    }
    const inserted = n - i;
    for (; i < n; i++) {
      this.q.insert.run(row.id, b.timestamp[i]!, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!);
    }
    const lastTimestamp = Math.max(last, b.timestamp[n - 1]!);
    let revision = row.revision;
    if (inserted + updated > 0) {
      this.q.updateSeries.run(inserted, lastTimestamp, row.id, row.revision);
      revision++;
    }
    return { inserted, updated, unchanged, revision, count: row.count + inserted, lastTimestamp };
  }

  /** The whole stored series, or null when nothing is stored under that name. */
  load(symbol: string, timeframe: string): { bars: Bars; info: SeriesInfo } | null {
    // One read transaction: the rows and the revision belong together even while another process writes.
    return this.db
      .transaction(() => {
        const row = this.q.series.get(symbol, timeframe);
        if (row === undefined || row.count === 0) return null;
        const info: SeriesInfo = { revision: row.revision, count: row.count, lastTimestamp: row.last_ts };
        const bars = allocateBars(info.count);
        let i = 0;
        for (const r of this.q.all.iterate(row.id) as IterableIterator<number[]>) setRow(bars, i++, r);
        if (i !== info.count) throw new Error(`store inconsistency: series ${symbol}/${timeframe} lists ${info.count} bars, ${i} found`);
        return { bars, info };
      })
      .deferred();
  }

  stats(): StoreStats {
    const s = this.q.stats.get()!;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][this.db.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    return { series: s.series, bars: s.bars ?? 0, fileBytes: pages * pageSize, path: this.path, journalMode, synchronous };
  }

  sqliteVersion(): string {
    return (this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
