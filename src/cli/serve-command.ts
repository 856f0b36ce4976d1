// `chan serve`: runs the gRPC service until SIGTERM/SIGINT, then shuts down gracefully.
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { checkHost, storeLocation, type EngineConfig } from '../config/schema.js';
import { openStore } from '../service/open-store.js';
import { checkInt } from '../core/checks.js';
import { loadConfigFile } from '../node/config-file.js';
import { startServer } from '../service/grpc-server.js';
import { UsageError } from './usage-error.js';

export interface ServeArgs {
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
  readonly metricsPort?: string;
  /** The SQLite file (the older flag; --store sqlite:FILE says the same). */
  readonly db?: string;
  readonly store?: string;
  readonly engine?: string;
  readonly role?: string;
}

/** The configuration with the command-line overrides applied. */
export function serveConfig(a: ServeArgs): EngineConfig {
  if (a.role !== undefined && a.role !== 'primary' && a.role !== 'backup')
    throw new UsageError(`--role must be primary or backup, got "${a.role}"`);
  const c = loadConfigFile(a.config, a.role as 'primary' | 'backup' | undefined);
  if (a.db !== undefined && a.store !== undefined) throw new UsageError('give --store or --db, not both');
  if (a.engine !== undefined && a.engine !== 'wasm' && a.engine !== 'ts')
    throw new UsageError(`--engine must be wasm or ts, got "${a.engine}"`);
  const port = (key: string, v: string | undefined, def: number) => (v === undefined ? def : checkInt(key, Number(v), 0, 65535));
  return {
    ...c,
    system: { ...c.system, primaryEngine: (a.engine as 'wasm' | 'ts' | undefined) ?? c.system.primaryEngine },
    service: {
      ...c.service,
      host: a.host === undefined ? c.service.host : checkHost('--host', a.host),
      port: port('--port', a.port, c.service.port),
      metricsPort: port('--metrics-port', a.metricsPort, c.service.metricsPort),
      store:
        a.store !== undefined ? storeLocation('--store', a.store) : a.db !== undefined ? { kind: 'sqlite', path: a.db } : c.service.store,
    },
  };
}

/** `chan migrate`: opens the store (which migrates its schema) and closes it; returns what it did. */
export async function runMigrate(a: Pick<ServeArgs, 'config' | 'db' | 'store'>): Promise<string> {
  const sc = serveConfig(a).service;
  const log = pino({ name: 'chan' });
  const store = await openStore(sc, log);
  try {
    const s = await store.stats();
    return `store ${store.location} (${s.kind} ${s.serverVersion}) is at this version's schema: ${s.series} series, ${s.bars} bars`;
  } finally {
    await store.close();
  }
}

export async function runServe(a: ServeArgs): Promise<void> {
  const config = serveConfig(a);
  const log = pino({ name: 'chan' });
  // grpc-js's own messages into the JSON log (it writes plain lines to stderr otherwise).
  const grpcLog =
    (level: 'error' | 'info' | 'debug') =>
    (message?: unknown, ...rest: unknown[]) =>
      log[level === 'error' ? 'warn' : level]({ component: 'grpc-js' }, [message, ...rest].map(String).join(' '));
  grpc.setLogger({ error: grpcLog('error'), info: grpcLog('info'), debug: grpcLog('debug') });
  const server = await startServer(config, { logger: log });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      server.shutdown().then(resolve, (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
