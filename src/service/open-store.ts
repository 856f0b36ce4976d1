// Opens the store the configuration names: the embedded SQLite file, or a PostgreSQL database (its
// client, `pg`, loaded only then: an SQLite user need not install it).
import type { ServiceConfig } from '../config/schema.js';
import type { Logger } from '../failover/coordinator.js';
import { BarStore } from './bar-store.js';
import type { SeriesStore } from './store.js';

export async function openStore(sc: Pick<ServiceConfig, 'store' | 'postgres' | 'durability'>, log: Logger): Promise<SeriesStore> {
  if (sc.store.kind === 'sqlite') return new BarStore(sc.store.path, sc.durability);
  const { PgStore } = await import('./pg-store.js');
  return PgStore.open(sc.store.url, sc.postgres, log);
}
