// Helpers for the service tests: servers on ephemeral loopback ports with a fresh store each.
import type { ServiceError } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type EngineConfig, type PostgresConfig, type ServiceConfig } from '../../src/config/schema.js';
import { barAt } from '../../src/core/bars.js';
import type { Bars } from '../../src/core/types.js';
import { ChanClient } from '../../src/service/client.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/service/grpc-server.js';
import type { Kline } from '../../src/service/messages.js';
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
