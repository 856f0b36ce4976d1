// Opens the store the configuration names: the embedded SQLite file, or a PostgreSQL database (its
// client, `pg`, loaded only then: an SQLite user need not install it).
import type { ServiceConfig } from '../config/schema.js';
import { ChanEngineError } from '../core/errors.js';
import type { Logger } from '../failover/coordinator.js';
import { missingPeer, peerPackages } from '../node/peer-packages.js';
import { BarStore } from './bar-store.js';
import { StoreUnavailableError, type SeriesStore } from './store.js';

/** `loadPg`: how the PostgreSQL store's module is loaded (tests make it fail). */
export async function openStore(
  sc: Pick<ServiceConfig, 'store' | 'postgres' | 'durability'>,
  log: Logger,
  loadPg: () => Promise<typeof import('./pg-store.js')> = () => import('./pg-store.js'),
): Promise<SeriesStore> {
  if (sc.store.kind === 'sqlite') return new BarStore(sc.store.path, sc.durability);
  let PgStore;
  try {
    ({ PgStore } = await loadPg());
  } catch (e) {
    if (missingPeer(e) !== 'pg') throw e;
    throw new ChanEngineError(
      `a PostgreSQL store (${sc.store.url}) needs the package pg, which npm does not install with chan-engine: npm install pg@${peerPackages().pg}`,
    );
  }
  const { url } = sc.store;
  return untilReachable(() => PgStore.open(url, sc.postgres, log), url, sc.postgres.startupWaitMs, log);
}

/**
 * `open`, attempted again while the database cannot be reached (it may start after this instance, as
 * in a compose file), with pauses from 100 ms doubling to 5 s, for at most `waitMs`. Any other error
 * (a newer schema, a refused option) ends the start at once.
 */
async function untilReachable<T>(open: () => Promise<T>, url: string, waitMs: number, log: Logger): Promise<T> {
  const deadline = performance.now() + waitMs;
  for (let pause = 100; ; pause = Math.min(2 * pause, 5000)) {
    try {
      return await open();
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      const left = deadline - performance.now();
      if (left <= 0) throw new StoreUnavailableError(`${e.message}, after waiting ${waitMs} ms for it (service.postgres.startup_wait_ms)`);
      log.warn({ store: url, err: e.message }, 'waiting for the store to be reachable');
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
    }
  }
}
