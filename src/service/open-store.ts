// Opens the store the configuration names: the embedded SQLite file, or a PostgreSQL database (its
// client, `pg`, loaded only then: an SQLite user need not install it).
import type { ServiceConfig } from '../config/schema.js';
import { ChanEngineError } from '../core/errors.js';
import type { Logger } from '../failover/coordinator.js';
import { missingPeer, peerPackages } from '../node/peer-packages.js';
import { BarStore } from './bar-store.js';
import type { SeriesStore } from './store.js';

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
  return PgStore.open(sc.store.url, sc.postgres, log);
}
