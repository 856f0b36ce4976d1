// The embedded store: one SQLite file (WAL), bars keyed by (series, timestamp), the contract of
// store.ts. Every batch is validated whole and written in one transaction, so a rejected or
// interrupted batch leaves nothing. Every row carries a checksum of its values, verified whenever it
// is read: a damaged file (a truncated page reads as zeros) is an error naming the series and bar.
// better-sqlite3 is synchronous: each method runs to completion before its promise is returned.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { allocateBars } from '../core/bars.js';
import type { Bars } from '../core/types.js';
import {
  barChecksum,
  blobChecksum,
  checkBatch,
  checkRow,
  compareWithStored,
  damaged,
  rowChecksum,
  setCheckedRow,
  StoreCorruptionError,
  storeFull,
  StoreUnavailableError,
  type SeriesInfo,
  type SeriesStore,
  type StoreStats,
  type SubmitResult,
} from './store.js';

const SCHEMA_VERSION = 3;

/** The device and inode of the file at `path`, or undefined when there is none. */
function fileIdentity(path: string): string | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}`;
}

interface SeriesRow {
  id: number;
  revision: number;
  count: number;
  last_ts: number;
}

/** A write waiting for the next group commit. */
interface Waiting {
  readonly symbol: string;
  readonly timeframe: string;
  readonly batch: Bars;
  /** When it was submitted (performance.now()). */
  readonly since: number;
  resolve(r: SubmitResult): void;
  reject(e: unknown): void;
}

/** How long a statement, or a write, waits for another process's lock before it fails "store busy". */
const BUSY_TIMEOUT_MS = 5000;
/** A write that finds the lock taken asks again after this long, the event loop serving other calls meanwhile. */
const BUSY_RETRY_MS = 20;

export class BarStore implements SeriesStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly q;
  private readonly damage = (what: string) => damaged(this.path, what, 'the file');
  /** Writes for the next group commit (see submit). */
  private waiting: Waiting[] = [];
  /** The opened file's device and inode: a file removed or replaced at `path` is told by them. */
  private readonly identity: string;
  /** The same for its write-ahead log (PATH-wal), which the connection keeps open (taken when first seen). */
  private logIdentity: string | undefined;

  constructor(
    readonly path: string,
    durability: 'full' | 'normal' = 'full',
  ) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile()) {
      throw new StoreUnavailableError(`cannot open the store ${path}: it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`);
    }
    try {
      this.db = new Database(path);
    } catch (e) {
      // Not the file's fault: where it should be cannot be opened.
      const m = (e as Error).message;
      throw new StoreUnavailableError(
        `cannot open the store ${path}: ${/directory does not exist/.test(m) ? 'its directory does not exist' : m}`,
      );
    }
    try {
      this.checkFile();
    } catch (e) {
      if (e instanceof StoreCorruptionError) throw e;
      throw new StoreCorruptionError(this.damage((e as Error).message));
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
      // Primary and backup servers may share the file; a writer waits for the other instead of failing.
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.migrate();
    } catch (e) {
      this.db.close();
      if (e instanceof StoreCorruptionError) throw e;
      // Readable but not writable as a store (a read-only place: SQLite also writes PATH-wal beside it).
      throw new StoreUnavailableError(`cannot open the store ${path} for writing: ${(e as Error).message}`);
    }
    // After the schema's transaction, so that the file (and its log) exists.
    this.identity = fileIdentity(path)!;
    this.logIdentity = fileIdentity(`${path}-wal`);
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
      last: db
        .prepare<[number, number]>('SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = ? ORDER BY ts DESC LIMIT ?')
        .raw(),
      stats: db.prepare<[], { series: number; bars: number | null }>('SELECT COUNT(*) AS series, SUM(count) AS bars FROM series'),
    };
  }

  get location(): string {
    return this.path;
  }

  /** SQLite's quick check (structure of every page) and every series' bar count: a damaged file is refused here. */
  private checkFile(): void {
    const result = this.db.pragma('quick_check', { simple: true }) as string;
    if (result !== 'ok') throw new StoreCorruptionError(this.damage(`quick_check: ${result}`));
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version < 1) return;
    const bad = this.db
      .prepare<[], { symbol: string; timeframe: string; count: number; found: number }>(
        'SELECT symbol, timeframe, count, (SELECT COUNT(*) FROM bars WHERE series = s.id) AS found FROM series s WHERE found != count',
      )
      .get();
    if (bad !== undefined)
      throw new StoreCorruptionError(this.damage(`series ${bad.symbol} ${bad.timeframe} lists ${bad.count} bars, ${bad.found} are stored`));
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

  async saveStreamState(symbol: string, timeframe: string, options: string, barCount: number, blob: Uint8Array): Promise<void> {
    this.checkSameFile();
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return;
    this.db
      .prepare('INSERT OR REPLACE INTO stream_state (series, options, bar_count, blob, crc) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, options, barCount, blob, blobChecksum(blob));
  }

  async loadStreamState(symbol: string, timeframe: string, options: string): Promise<Uint8Array | null> {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return null;
    const r = this.db
      .prepare<[number, string], { blob: Buffer; crc: number }>('SELECT blob, crc FROM stream_state WHERE series = ? AND options = ?')
      .get(row.id, options);
    // A damaged saved state is only a cache: the caller recomputes from the bars.
    if (r === undefined || blobChecksum(r.blob) !== r.crc) return null;
    return new Uint8Array(r.blob.buffer, r.blob.byteOffset, r.blob.byteLength);
  }

  async loadFrom(symbol: string, timeframe: string, from: number): Promise<Bars> {
    const row = this.q.series.get(symbol, timeframe);
    if (row === undefined) return allocateBars(0);
    const rows = this.q.range.all(row.id, from, Number.MAX_SAFE_INTEGER) as number[][];
    const b = allocateBars(rows.length);
    const damage = this.seriesDamage(symbol, timeframe);
    rows.forEach((r, i) => setCheckedRow(b, i, r, row.id, damage));
    return b;
  }

  async info(symbol: string, timeframe: string): Promise<SeriesInfo | null> {
    const r = this.q.series.get(symbol, timeframe);
    return r === undefined || r.count === 0 ? null : { revision: r.revision, count: r.count, lastTimestamp: r.last_ts };
  }

  /**
   * Writes that arrive in the same turn of the event loop share one transaction, so one synced
   * commit (group commit): each in a savepoint of its own, so a refused one changes nothing and the
   * others stand; each is acknowledged only once the commit is on disk.
   */
  submit(symbol: string, timeframe: string, batch: Bars): Promise<SubmitResult> {
    try {
      checkBatch(batch);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const w = { symbol, timeframe, batch, since: performance.now(), resolve, reject };
      if (this.waiting.push(w) === 1) setImmediate(() => this.commitWaiting());
    });
  }

  /**
   * Throws StoreUnavailableError when the file at `path` is no longer the one open (removed, or
   * another put in its place, as a clean-up of the directory might): a write would go to the old file
   * and be lost with it. Reads still come from the open file, whose rows are intact.
   */
  private checkSameFile(): void {
    if (fileIdentity(this.path) !== this.identity) {
      throw new StoreUnavailableError(
        `the store file ${this.path} was removed or replaced while this server had it open: a write now would be lost with it; put the file back, or restart the server`,
      );
    }
    this.checkSameLog();
  }

  /**
   * The same for the write-ahead log. Removed while open, the connection goes on writing into the
   * removed file: what it holds (acknowledged writes not yet checkpointed) would be lost with it by a
   * crash (a clean close still checkpoints it). So its content is checkpointed into the main file at
   * once, and writes are refused until a restart makes a new log. A log put in its place by another
   * process is not checkpointed into (the two logs would mix pages).
   */
  private checkSameLog(): void {
    const log = `${this.path}-wal`,
      now = fileIdentity(log);
    if (this.logIdentity === undefined) this.logIdentity = now;
    if (now === this.logIdentity) return;
    if (now === undefined) {
      const [r] = this.db.pragma('wal_checkpoint(FULL)') as { busy: number; log: number; checkpointed: number }[];
      const saved = r !== undefined && r.busy === 0 && r.checkpointed === r.log;
      throw new StoreUnavailableError(
        saved
          ? `the store's write-ahead log ${log} was removed while this server had it open: everything acknowledged is now in ${this.path}; restart the server to write again`
          : `the store's write-ahead log ${log} was removed while this server had it open, and what it held could not all be moved into ${this.path} yet (another process is using the file): stop the server cleanly (SIGTERM, not kill -9), which moves it, then start it again`,
      );
    }
    throw new StoreUnavailableError(
      `the store's write-ahead log ${log} was replaced while this server had it open: a write now could be lost; restart the server`,
    );
  }

  /**
   * Commits the waiting writes. When another process holds the write lock, they wait for it by
   * asking again every BUSY_RETRY_MS, up to BUSY_TIMEOUT_MS, rather than in SQLite's busy handler,
   * which would hold the event loop (health checks and reads) meanwhile; at `closing`, in the handler.
   */
  private commitWaiting(closing = false): void {
    const writes = this.waiting;
    this.waiting = [];
    // close() may have committed them already.
    if (writes.length === 0) return;
    try {
      this.checkSameFile();
    } catch (e) {
      for (const w of writes) w.reject(e);
      return;
    }
    const outcomes: ({ ok: SubmitResult } | { err: unknown })[] = [];
    if (!closing) this.db.pragma('busy_timeout = 0');
    try {
      // IMMEDIATE takes the write lock first, so another process cannot slip in between read and write.
      this.db
        .transaction(() => {
          for (const w of writes) {
            try {
              outcomes.push({ ok: this.db.transaction(() => this.write(w.symbol, w.timeframe, w.batch))() });
            } catch (e) {
              // A failure that ended the whole transaction (SQLite rolls back on some errors) fails every write.
              if (!this.db.inTransaction) throw e;
              outcomes.push({ err: this.told(e) });
            }
          }
        })
        .immediate();
    } catch (e) {
      const busy = (e as { code?: unknown }).code === 'SQLITE_BUSY';
      if (busy && !closing && performance.now() - writes[0]!.since < BUSY_TIMEOUT_MS) {
        this.waiting = writes.concat(this.waiting);
        setTimeout(() => this.commitWaiting(), BUSY_RETRY_MS);
        return;
      }
      for (const w of writes) w.reject(this.told(e));
      return;
    } finally {
      if (!closing) this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    writes.forEach((w, i) => {
      const o = outcomes[i]!;
      if ('ok' in o) w.resolve(o.ok);
      else w.reject(o.err);
    });
  }

  /** A failed write's error as the caller should get it: a full disk says so (it was "internal"). */
  private told(e: unknown): unknown {
    return (e as { code?: unknown }).code === 'SQLITE_FULL' ? storeFull(this.path, (e as Error).message) : e;
  }

  private write(symbol: string, timeframe: string, b: Bars): SubmitResult {
    let row = this.q.series.get(symbol, timeframe);
    if (row === undefined) {
      this.q.createSeries.run(symbol, timeframe);
      row = this.q.series.get(symbol, timeframe)!;
    }
    const id = row.id;
    const n = b.timestamp.length;
    const last = row.count === 0 ? -Infinity : row.last_ts;
    // At most one stored row per batch bar, so reading the overlap whole is bounded by the batch.
    const stored = b.timestamp[0]! <= last ? (this.q.range.all(id, b.timestamp[0]!, last) as number[][]) : [];
    const damage = this.seriesDamage(symbol, timeframe);
    for (const s of stored) checkRow(s, id, damage);
    const { overlap, unchanged, replaceLast: r } = compareWithStored(b, stored, last);
    if (r !== null) this.q.update.run(b.open[r]!, b.high[r]!, b.low[r]!, b.close[r]!, b.volume[r]!, barChecksum(id, b, r), id, last);
    for (let i = overlap; i < n; i++) {
      this.q.insert.run(id, b.timestamp[i]!, b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!, b.volume[i]!, barChecksum(id, b, i));
    }
    const inserted = n - overlap,
      updated = r === null ? 0 : 1;
    const lastTimestamp = Math.max(last, b.timestamp[n - 1]!);
    let revision = row.revision;
    if (inserted + updated > 0) {
      this.q.updateSeries.run(inserted, lastTimestamp, id, row.revision);
      revision++;
    }
    return { inserted, updated, unchanged, revision, count: row.count + inserted, lastTimestamp };
  }

  async load(symbol: string, timeframe: string, last?: number): Promise<{ bars: Bars; info: SeriesInfo } | null> {
    // One read transaction: the rows and the revision belong together even while another process writes.
    return this.db
      .transaction(() => {
        const row = this.q.series.get(symbol, timeframe);
        if (row === undefined || row.count === 0) return null;
        const info: SeriesInfo = { revision: row.revision, count: row.count, lastTimestamp: row.last_ts };
        const damage = this.seriesDamage(symbol, timeframe);
        if (last !== undefined && last < info.count) {
          const rows = (this.q.last.all(row.id, last) as number[][]).reverse();
          if (rows.length !== last) throw new StoreCorruptionError(damage(`it lists ${info.count} bars, ${rows.length} found`));
          const bars = allocateBars(rows.length);
          rows.forEach((r, i) => setCheckedRow(bars, i, r, row.id, damage));
          return { bars, info };
        }
        const bars = allocateBars(info.count);
        let i = 0;
        for (const r of this.q.all.iterate(row.id) as IterableIterator<number[]>) setCheckedRow(bars, i++, r, row.id, damage);
        if (i !== info.count) throw new StoreCorruptionError(damage(`it lists ${info.count} bars, ${i} found`));
        return { bars, info };
      })
      .deferred();
  }

  private seriesDamage(symbol: string, timeframe: string): (what: string) => string {
    return (what) => this.damage(`series ${symbol} ${timeframe}, ${what}`);
  }

  async stats(): Promise<StoreStats> {
    const s = this.q.stats.get()!;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][this.db.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const serverVersion = (this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    return {
      kind: 'sqlite',
      series: s.series,
      bars: s.bars ?? 0,
      fileBytes: pages * pageSize,
      path: this.path,
      journalMode,
      synchronous,
      serverVersion,
    };
  }

  /** One process owns the file's writes at a time (a backup sharing it re-reads the revision): nothing to listen to. */
  onExternalWrite(): void {}

  /** NOT_SERVING while the file open is not the one at `path` (see checkSameFile). */
  async ping(): Promise<void> {
    this.checkSameFile();
  }

  async close(): Promise<void> {
    if (this.waiting.length > 0 && this.db.open) this.commitWaiting(true);
    if (this.db.open) this.db.close();
  }
}
