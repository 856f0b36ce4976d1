// Helpers for the service tests: servers on ephemeral loopback ports with a fresh store each.
import type { ServiceError } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type EngineConfig, type PostgresConfig, type ServiceConfig } from '../../src/config/index.js';
import { barAt } from '../../src/core/bars.js';
import type { Bars } from '../../src/core/types.js';
import { ChanClient } from '../../src/service/client.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/service/grpc-server.js';
import type { Kline } from '../../src/service/messages.js';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { Logger } from '../../src/failover/coordinator.js';
import type { TestPostgres } from './postgres.js';

export const tempDir = () => mkdtempSync(join(tmpdir(), 'chan-svc-'));

export function testConfig(service: Partial<ServiceConfig> = {}, yaml = ''): EngineConfig {
  const c = parseConfig(yaml);
  return {
    ...c,
    service: {
      ...c.service,
      port: 0,
      metricsPort: 0,
      store: { kind: 'sqlite', path: join(tempDir(), 'store.db') },
      shutdownGraceMs: 2000,
      ...service,
    },
  };
}

/** An SQLite store at `path` (testConfig's `store`). */
export const sqliteAt = (path: string) => ({ kind: 'sqlite', path }) as const;

/** The SQLite file of a test configuration's store. */
export function sqlitePath(c: EngineConfig): string {
  if (c.service.store.kind !== 'sqlite') throw new Error('not an SQLite store');
  return c.service.store.path;
}

/** The PostgreSQL settings of a test cluster: the password from its file. */
export function pgConfig(pgt: TestPostgres, o: Partial<PostgresConfig> = {}): PostgresConfig {
  return {
    poolSize: 10,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 2000,
    startupWaitMs: 60_000,
    tls: 'disable',
    tlsCa: '',
    passwordEnv: 'PGPASSWORD',
    passwordFile: pgt.passwordFile,
    ...o,
  };
}

export const silentLog: Logger = { info() {}, warn() {}, error() {} };

export interface TestServer {
  readonly server: RunningServer;
  readonly client: ChanClient;
  readonly address: string;
  readonly config: EngineConfig;
  close(): Promise<void>;
}

export async function startTestServer(config = testConfig(), o: StartServerOptions & { token?: string } = {}): Promise<TestServer> {
  const server = await startServer(config, { logger: pino({ level: 'silent' }), authToken: '', ...o });
  const address = `127.0.0.1:${server.port}`;
  const client = new ChanClient(address, { token: o.token ?? o.authToken, deadlineMs: 20_000 });
  return {
    server,
    client,
    address,
    config,
    async close() {
      client.close();
      await server.shutdown();
    },
  };
}

export function klines(bars: Bars, start = 0, end = bars.timestamp.length): Kline[] {
  return Array.from({ length: end - start }, (_, j) => barAt(bars, start + j));
}

/** The gRPC error a call fails with (a call that succeeds fails the test). */
export async function rejection(p: Promise<unknown>): Promise<{ code: number; details: string; index?: string; field?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as ServiceError;
    return {
      code: err.code,
      details: err.details,
      index: err.metadata?.get('bar-index')[0] as string | undefined,
      field: err.metadata?.get('field')[0] as string | undefined,
    };
  }
  throw new Error('expected the call to fail');
}

/**
 * An SQLite store file as an older build wrote it: schema version 1 (bars without checksums) or 2
 * (and saved stream state), holding `bars` as series 1, `symbol` `timeframe`.
 */
export function oldSqliteStore(path: string, version: 1 | 2, symbol: string, timeframe: string, bars: Bars): void {
  const db = new Database(path);
  const n = bars.timestamp.length;
  db.exec(`
    CREATE TABLE series (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, revision INTEGER NOT NULL,
      count INTEGER NOT NULL, last_ts INTEGER, UNIQUE (symbol, timeframe));
    CREATE TABLE bars (series INTEGER NOT NULL REFERENCES series (id), ts INTEGER NOT NULL, open REAL NOT NULL, high REAL NOT NULL,
      low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID;
    ${
      version === 2
        ? `CREATE TABLE stream_state (series INTEGER NOT NULL REFERENCES series (id), options TEXT NOT NULL, bar_count INTEGER NOT NULL,
      blob BLOB NOT NULL, PRIMARY KEY (series, options));`
        : ''
    }
    PRAGMA user_version = ${version};`);
  db.prepare('INSERT INTO series VALUES (1, ?, ?, 1, ?, ?)').run(symbol, timeframe, n, bars.timestamp[n - 1]);
  const insert = db.prepare('INSERT INTO bars VALUES (1, ?, ?, ?, ?, ?, ?)');
  for (let i = 0; i < n; i++) insert.run(bars.timestamp[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]);
  db.close();
}

/** A TCP relay to a loopback port that can stop relaying without closing anything (a peer whose network went quiet) and start again. */
export async function tcpRelay(to: number): Promise<{ port: number; stall(): void; resume(): void; close(): void }> {
  const pairs: [Socket, Socket][] = [];
  const relay = createServer((down) => {
    const up = connect(to, '127.0.0.1');
    pairs.push([down, up]);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return {
    port: (relay.address() as AddressInfo).port,
    stall() {
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
    resume() {
      for (const [a, b] of pairs) {
        a.pipe(b);
        b.pipe(a);
      }
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      relay.close();
    },
  };
}
