// Persistent bar store: one SQLite file (WAL), bars keyed by (series, timestamp). Every batch is
// validated whole and written in one transaction, so a rejected or interrupted batch leaves nothing.
// Every row carries a checksum of its values, verified whenever it is read: a damaged file (a
// truncated page reads as zeros) is an error naming the series and bar, never a different number.
import Database from 'better-sqlite3';
import { allocateBars } from '../core/bars.js';
import { BarValidationError, ChanEngineError, HistoryConflictError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { validateBars } from '../core/validate.js';

const SCHEMA_VERSION = 3;
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

/** The store cannot be trusted: a row whose values do not match their checksum, or a damaged file. */
export class StoreCorruptionError extends ChanEngineError {
  override readonly name: string = 'StoreCorruptionError';
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
    try {
      this.db = new Database(path);
      this.checkFile();
    } catch (e) {
      if (e instanceof StoreCorruptionError) throw e;
      throw new StoreCorruptionError(`${path}: ${damaged((e as Error).message)}`);
    }
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
          'SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = ? AND ts BETWEEN ? AND ? ORDER BY ts',
        )
        .raw(),
      insert: db.prepare<[number, number, number, number, number, number, number, number]>(
        'INSERT INTO bars (series, ts, open, high, low, close, volume, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare<[number, number, number, number, number, number, number, number]>(
        'UPDATE bars SET open = ?, high = ?, low = ?, close = ?, volume = ?, crc = ? WHERE series = ? AND ts = ?',
      ),
      all: db.prepare<[number]>('SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = ? ORDER BY ts').raw(),
      stats: db.prepare<[], { series: number; bars: number | null }>('SELECT COUNT(*) AS series, SUM(count) AS bars FROM series'),
    };
  }

  /** SQLite's quick check (structure of every page) and every series' bar count: a damaged file is refused here. */
  private checkFile(): void {
    const result = this.db.pragma('quick_check', { simple: true }) as string;
    if (result !== 'ok') throw new StoreCorruptionError(`${this.path}: ${damaged(`quick_check: ${result}`)}`);
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version < 1) return;
    const bad = this.db
      .prepare<[], { symbol: string; timeframe: string; count: number; found: number }>(
        'SELECT symbol, timeframe, count, (SELECT COUNT(*) FROM bars WHERE series = s.id) AS found FROM series s WHERE found != count',
      )
      .get();
    if (bad !== undefined)
      throw new StoreCorruptionError(
        `${this.path}: ${damaged(`series ${bad.symbol} ${bad.timeframe} lists ${bad.count} bars, ${bad.found} are stored`)}`,
      );
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
    // A checksum per bar and per saved state (computed for the rows already there).
    const v3 = `
      ALTER TABLE bars ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE bars SET crc = bar_crc(series, ts, open, high, low, close, volume);
      ALTER TABLE stream_state ADD COLUMN crc INTEGER NOT NULL DEFAULT 0;
      UPDATE stream_state SET crc = blob_crc(blob);`;
    this.db.function(
      'bar_crc',
      { deterministic: true },
      (series: unknown, ts: unknown, o: unknown, h: unknown, l: unknown, c: unknown, v: unknown) =>
        rowChecksum(series as number, ts as number, o as number, h as number, l as number, c as number, v as number),
    );
    this.db.function('blob_crc', { deterministic: true }, (b: unknown) => blobChecksum(b as Buffer));
    this.db.exec(`BEGIN; ${version < 1 ? v1 : ''} ${version < 2 ? v2 : ''} ${v3} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
  }

  /** Saves a streaming analyzer's state blob for a series and options key. */
  saveStreamState(symbol: string, timeframe: string, options: string, barCount: number, blob: Uint8Array): void {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return;
    this.db
      .prepare('INSERT OR REPLACE INTO stream_state (series, options, bar_count, blob, crc) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, options, barCount, blob, blobChecksum(blob));
  }

  loadStreamState(symbol: string, timeframe: string, options: string): Uint8Array | null {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return null;
    const r = this.db
      .prepare<[number, string], { blob: Buffer; crc: number }>('SELECT blob, crc FROM stream_state WHERE series = ? AND options = ?')
      .get(row.id, options);
    // A damaged saved state is only a cache: the caller recomputes from the bars.
    if (r === undefined || blobChecksum(r.blob) !== r.crc) return null;
    return new Uint8Array(r.blob.buffer, r.blob.byteOffset, r.blob.byteLength);
  }

  /** Stored bars from timestamp `from` on (inclusive). */
  loadFrom(symbol: string, timeframe: string, from: number): Bars {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return allocateBars(0);
    const rows = this.q.range.all(row.id, from, Number.MAX_SAFE_INTEGER) as number[][];
    const b = allocateBars(rows.length);
    rows.forEach((r, i) => this.setChecked(b, i, r, row.id, symbol, timeframe));
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
        this.verify(s, row.id, symbol, timeframe);
        const changed = FIELDS.findIndex((f, c) => b[f][i] !== s[c + 1]);
        if (changed < 0) unchanged++;
        else if (t === last) {
          this.q.update.run(
            b.open[i]!,
            b.high[i]!,
            b.low[i]!,
            b.close[i]!,
            b.volume[i]!,
            rowChecksum(row.id, t, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!),
            row.id,
            t,
          );
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
      const t = b.timestamp[i]!;
      this.q.insert.run(
        row.id,
        t,
        b.open[i]!,
        b.high[i]!,
        b.low[i]!,
        b.close[i]!,
        b.volume[i]!,
        rowChecksum(row.id, t, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!),
      );
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
        for (const r of this.q.all.iterate(row.id) as IterableIterator<number[]>) this.setChecked(bars, i++, r, row.id, symbol, timeframe);
        if (i !== info.count) throw new Error(`store inconsistency: series ${symbol}/${timeframe} lists ${info.count} bars, ${i} found`);
        return { bars, info };
      })
      .deferred();
  }

  /** Row r (ts, open, high, low, close, volume, crc) into bar i of b, after checking its checksum. */
  private setChecked(b: Bars, i: number, r: number[], series: number, symbol: string, timeframe: string): void {
    this.verify(r, series, symbol, timeframe);
    setRow(b, i, r);
  }

  private verify(r: number[], series: number, symbol: string, timeframe: string): void {
    if (rowChecksum(series, r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!) === r[6]) return;
    throw new StoreCorruptionError(
      `${this.path}: ${damaged(`series ${symbol} ${timeframe}, bar at ${r[0]}: its stored values do not match their checksum`)}`,
    );
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

/** A damaged store's message: what is wrong and what to do. */
function damaged(what: string): string {
  return `the store is damaged (${what}); restore the file from a backup, or move it away and submit the bars again`;
}

function blobChecksum(b: Uint8Array): number {
  let x = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) x = Math.imul(x ^ b[i]!, 0x01000193) >>> 0;
  return x;
}
