// The shared store: a PostgreSQL database that several service instances use at once, the contract
// of store.ts. A batch is one transaction that first locks its series' row (an upsert, which locks it):
// writers to one series queue behind each other, writers to different series do not meet (no global
// lock). The commit sends a notification (NOTIFY chan_series) that the other instances' live streams
// follow. The database being unreachable is StoreUnavailableError (the call fails UNAVAILABLE).
// Client: node-postgres (`pg`): pure JavaScript (no native build), a pool, LISTEN/NOTIFY, TLS, and the
// most used PostgreSQL client on npm.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PostgresConfig } from '../config/schema.js';
import { allocateBars } from '../core/bars.js';
import { ChanEngineError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import type { Logger } from '../failover/coordinator.js';
import { migratePostgres } from './pg-schema.js';
import {
  barChecksum,
  blobChecksum,
  checkBatch,
  checkRow,
  compareWithStored,
  damaged,
  setCheckedRow,
  StoreCorruptionError,
  storeFull,
  StoreUnavailableError,
  type SeriesInfo,
  type SeriesStore,
  type StoreStats,
  type SubmitResult,
} from './store.js';

const CHANNEL = 'chan_series';
/** Waits before each new attempt to reconnect the notification listener. */
const RECONNECT_MS = 500;

interface SeriesRow {
  id: number;
  revision: number;
  count: number;
  last_ts: number | null;
}

/** BIGINT columns (timestamps, counts, checksums) read as numbers: every value stored fits 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The pg connection settings of a store URL and the configuration (the password from a file or the environment). */
export function connectionConfig(url: string, c: PostgresConfig): pg.ClientConfig {
  const password =
    c.passwordFile !== '' ? (readFileSync(c.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '') : (process.env[c.passwordEnv] ?? undefined);
  const ssl =
    c.tls === 'disable'
      ? false
      : c.tls === 'require'
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(c.tlsCa !== '' && { ca: readFileSync(c.tlsCa, 'utf8') }) };
  // Not pg's connectionString: its parts would override the password given beside it.
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname),
    port: u.port === '' ? 5432 : Number(u.port),
    user: u.username === '' ? undefined : decodeURIComponent(u.username),
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    ...(password !== undefined && { password }),
    ssl,
    connectionTimeoutMillis: c.connectTimeoutMs,
    statement_timeout: c.statementTimeoutMs,
    application_name: 'chan-engine',
    // Shortest exact text of every float8, so each price reads back as the number written.
    options: '-c extra_float_digits=3',
    types: TYPES,
  };
}

export class PgStore implements SeriesStore {
  readonly kind = 'postgres';
  /** Tells this instance's notifications from the others'. */
  private readonly instance = randomUUID();
  private readonly listeners: ((symbol: string, timeframe: string) => void)[] = [];
  private listener: pg.Client | null = null;
  private closed = false;
  private reconnecting: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
    private readonly connection: pg.ClientConfig,
    private readonly log: Logger,
  ) {}

  /** Connects, migrates the schema to this build's version, and starts listening for other instances' writes. */
  static async open(url: string, c: PostgresConfig, log: Logger): Promise<PgStore> {
    const connection = connectionConfig(url, c);
    const pool = new pg.Pool({ ...connection, max: c.poolSize });
    // An idle connection that breaks (the server restarted) is dropped by the pool; the next call gets a new one.
    pool.on('error', (e) => log.warn({ store: url, err: e.message }, 'idle PostgreSQL connection lost'));
    const store = new PgStore(url, pool, connection, log);
    try {
      await store.withConnection((client) => migratePostgres(client, undefined, url));
      await store.listen();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** `fn`, with the database's failures to answer made StoreUnavailableError (the caller's and the data's errors pass). */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw unavailable(this.location, e);
    }
  }

  /**
   * `fn` on one connection of the pool. A connection cut while checked out (the server restarting)
   * emits 'error' besides failing the statement in flight: handled here (unhandled, that event would
   * end the process), and such a connection, or one `fn` calls `discard` for, leaves the pool.
   */
  private withConnection<T>(fn: (c: pg.PoolClient, discard: () => void) => Promise<T>): Promise<T> {
    return this.run(async () => {
      const c = await this.pool.connect();
      let broken = false;
      const discard = () => (broken = true);
      c.on('error', discard);
      try {
        return await fn(c, discard);
      } finally {
        c.off('error', discard);
        c.release(broken);
      }
    });
  }

  /** `fn` in one transaction on one connection (`mode`: the BEGIN options). */
  private transaction<T>(mode: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withConnection(async (c, discard) => {
      await c.query(`BEGIN ${mode}`);
      try {
        const r = await fn(c);
        await c.query('COMMIT');
        return r;
      } catch (e) {
        await c.query('ROLLBACK').catch(discard);
        throw e;
      }
    });
  }

  async submit(symbol: string, timeframe: string, b: Bars): Promise<SubmitResult> {
    checkBatch(b);
    return this.transaction('', async (c) => {
      // Creates the series or locks its row (an upsert locks the row it finds), in one round trip.
      const row = (
        await c.query<SeriesRow>(
          `INSERT INTO series (symbol, timeframe) VALUES ($1, $2)
           ON CONFLICT (symbol, timeframe) DO UPDATE SET symbol = EXCLUDED.symbol
           RETURNING id, revision, count, last_ts`,
          [symbol, timeframe],
        )
      ).rows[0]!;
      const id = row.id,
        n = b.timestamp.length;
      const last = row.count === 0 || row.last_ts === null ? -Infinity : row.last_ts;
      const stored =
        b.timestamp[0]! <= last
          ? (
              await c.query<number[]>({
                text: 'SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = $1 AND ts BETWEEN $2 AND $3 ORDER BY ts',
                values: [id, b.timestamp[0]!, last],
                rowMode: 'array',
              })
            ).rows
          : [];
      const damage = this.seriesDamage(symbol, timeframe);
      for (const s of stored) checkRow(s, id, damage);
      const { overlap, unchanged, replaceLast: r } = compareWithStored(b, stored, last);
      if (r !== null) {
        await c.query('UPDATE bars SET open = $1, high = $2, low = $3, close = $4, volume = $5, crc = $6 WHERE series = $7 AND ts = $8', [
          b.open[r]!,
          b.high[r]!,
          b.low[r]!,
          b.close[r]!,
          b.volume[r]!,
          barChecksum(id, b, r),
          id,
          last,
        ]);
      }
      const inserted = n - overlap,
        updated = r === null ? 0 : 1;
      if (inserted > 0) {
        const col = (a: Float64Array) => Array.from(a.subarray(overlap));
        await c.query(
          `INSERT INTO bars (series, ts, open, high, low, close, volume, crc)
           SELECT $1, * FROM unnest($2::bigint[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::bigint[])`,
          [
            id,
            col(b.timestamp),
            col(b.open),
            col(b.high),
            col(b.low),
            col(b.close),
            col(b.volume),
            Array.from({ length: inserted }, (_, j) => barChecksum(id, b, overlap + j)),
          ],
        );
      }
      const lastTimestamp = Math.max(last, b.timestamp[n - 1]!);
      let revision = row.revision;
      if (inserted + updated > 0) {
        // The notification is delivered to the listening instances when (and only if) the transaction commits.
        await c.query(
          `WITH u AS (UPDATE series SET revision = revision + 1, count = count + $1, last_ts = $2 WHERE id = $3 RETURNING id)
           SELECT pg_notify($4, $5) FROM u`,
          [inserted, lastTimestamp, id, CHANNEL, JSON.stringify({ i: this.instance, s: symbol, t: timeframe })],
        );
        revision++;
      }
      return { inserted, updated, unchanged, revision, count: row.count + inserted, lastTimestamp };
    });
  }

  async load(symbol: string, timeframe: string, last?: number): Promise<{ bars: Bars; info: SeriesInfo } | null> {
    // One snapshot: the rows and the revision belong together while other instances write.
    return this.transaction('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (c) => {
      const row = await this.seriesRow(c, symbol, timeframe);
      if (row === undefined || row.count === 0) return null;
      const info: SeriesInfo = { revision: row.revision, count: row.count, lastTimestamp: row.last_ts! };
      const tail = last !== undefined && last < info.count;
      const rows = tail ? await this.lastRows(c, row.id, last) : await this.barRows(c, row.id, -Number.MAX_SAFE_INTEGER);
      const damage = this.seriesDamage(symbol, timeframe);
      const expected = tail ? last : info.count;
      if (rows.length !== expected) throw new StoreCorruptionError(damage(`it lists ${info.count} bars, ${rows.length} found`));
      const bars = allocateBars(rows.length);
      rows.forEach((r, i) => setCheckedRow(bars, i, r, row.id, damage));
      return { bars, info };
    });
  }

  async loadFrom(symbol: string, timeframe: string, from: number): Promise<Bars> {
    // One round trip (a live stream or hot series reads the few bars since its last one this way).
    const rows = await this.run(
      async () =>
        (
          await this.pool.query<number[]>({
            text: `SELECT b.ts, b.open, b.high, b.low, b.close, b.volume, b.crc, b.series FROM bars b JOIN series s ON s.id = b.series
                   WHERE s.symbol = $1 AND s.timeframe = $2 AND b.ts >= $3 ORDER BY b.ts`,
            values: [symbol, timeframe, from],
            rowMode: 'array',
          })
        ).rows,
    );
    const bars = allocateBars(rows.length);
    const damage = this.seriesDamage(symbol, timeframe);
    rows.forEach((r, i) => setCheckedRow(bars, i, r, r[7]!, damage));
    return bars;
  }

  async info(symbol: string, timeframe: string): Promise<SeriesInfo | null> {
    const r = await this.run(() => this.seriesRow(this.pool, symbol, timeframe));
    return r === undefined || r.count === 0 ? null : { revision: r.revision, count: r.count, lastTimestamp: r.last_ts! };
  }

  private async seriesRow(q: pg.Pool | pg.PoolClient, symbol: string, timeframe: string): Promise<SeriesRow | undefined> {
    return (
      await q.query<SeriesRow>('SELECT id, revision, count, last_ts FROM series WHERE symbol = $1 AND timeframe = $2', [symbol, timeframe])
    ).rows[0];
  }

  /** The last `n` rows of a series, oldest first. */
  private async lastRows(q: pg.PoolClient, series: number, n: number): Promise<number[][]> {
    return (
      await q.query<number[]>({
        text: 'SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = $1 ORDER BY ts DESC LIMIT $2',
        values: [series, n],
        rowMode: 'array',
      })
    ).rows.reverse();
  }

  private async barRows(q: pg.Pool | pg.PoolClient, series: number, from: number): Promise<number[][]> {
    return (
      await q.query<number[]>({
        text: 'SELECT ts, open, high, low, close, volume, crc FROM bars WHERE series = $1 AND ts >= $2 ORDER BY ts',
        values: [series, from],
        rowMode: 'array',
      })
    ).rows;
  }

  async saveStreamState(symbol: string, timeframe: string, options: string, barCount: number, blob: Uint8Array): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO stream_state (series, options, bar_count, blob, crc)
         SELECT id, $3, $4, $5, $6 FROM series WHERE symbol = $1 AND timeframe = $2
         ON CONFLICT (series, options) DO UPDATE SET bar_count = EXCLUDED.bar_count, blob = EXCLUDED.blob, crc = EXCLUDED.crc`,
        [symbol, timeframe, options, barCount, Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength), blobChecksum(blob)],
      ),
    );
  }

  async loadStreamState(symbol: string, timeframe: string, options: string): Promise<Uint8Array | null> {
    const r = await this.run(() =>
      this.pool.query<{ blob: Buffer; crc: number }>(
        'SELECT st.blob, st.crc FROM stream_state st JOIN series s ON s.id = st.series WHERE s.symbol = $1 AND s.timeframe = $2 AND st.options = $3',
        [symbol, timeframe, options],
      ),
    );
    const row = r.rows[0];
    // A damaged saved state is only a cache: the caller recomputes from the bars.
    if (row === undefined || blobChecksum(row.blob) !== row.crc) return null;
    return new Uint8Array(row.blob.buffer, row.blob.byteOffset, row.blob.byteLength);
  }

  async stats(): Promise<StoreStats> {
    const r = await this.run(() =>
      this.pool.query<{ series: number; bars: number; bytes: number; version: string; sync: string }>(
        `SELECT (SELECT count(*) FROM series) AS series, (SELECT coalesce(sum(count), 0)::bigint FROM series) AS bars,
                pg_database_size(current_database()) AS bytes, current_setting('server_version') AS version,
                current_setting('synchronous_commit') AS sync`,
      ),
    );
    const s = r.rows[0]!;
    return {
      kind: 'postgres',
      series: s.series,
      bars: s.bars,
      fileBytes: s.bytes,
      path: this.location,
      journalMode: '',
      synchronous: s.sync,
      serverVersion: s.version,
    };
  }

  onExternalWrite(listener: (symbol: string, timeframe: string) => void): void {
    this.listeners.push(listener);
  }

  /** LISTEN on its own connection; reconnects when it breaks, then tells the listeners to catch up on every series. */
  private async listen(): Promise<void> {
    const client = new pg.Client(this.connection);
    client.on('notification', (m) => {
      if (m.payload === undefined) return;
      const { i, s, t } = JSON.parse(m.payload) as { i: string; s: string; t: string };
      if (i !== this.instance) for (const f of this.listeners) f(s, t);
    });
    const lost = (e?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.log.warn({ store: this.location, err: e?.message ?? 'connection ended' }, 'PostgreSQL notifications lost; reconnecting');
      this.reconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private reconnect(): void {
    if (this.closed || this.reconnecting !== null) return;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = null;
      this.listen().then(
        () => {
          this.log.info({ store: this.location }, 'PostgreSQL notifications restored');
          for (const f of this.listeners) f('', '');
        },
        () => this.reconnect(),
      );
    }, RECONNECT_MS);
    this.reconnecting.unref();
  }

  async ping(): Promise<void> {
    await this.run(() => this.pool.query('SELECT 1'));
  }

  private seriesDamage(symbol: string, timeframe: string): (what: string) => string {
    return (what) => damaged(this.location, `series ${symbol} ${timeframe}, ${what}`, 'the database');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnecting !== null) clearTimeout(this.reconnecting);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * The error a failed store call becomes: the caller's and the data's errors (ChanEngineError) and
 * PostgreSQL's errors of the statement itself (SQL, data, integrity) as they are; everything that
 * says the database did not answer (refused or broken connections, timeouts, a server shutting down
 * or out of resources, a cancelled statement) StoreUnavailableError, which callers may retry; a
 * full disk StoreFullError.
 */
function unavailable(location: string, e: unknown): unknown {
  if (e instanceof ChanEngineError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^(22|23|42|0A)/.test(code)) return e;
  // disk_full: no other instance can write either; the caller frees space and sends the batch again.
  if (code === '53100') return storeFull(location, (e as Error).message);
  return new StoreUnavailableError(`store ${location} unavailable: ${(e as Error).message ?? String(e)}`);
}
