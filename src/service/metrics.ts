// Prometheus metrics, served as text at /metrics on their own port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineCoordinator } from '../failover/coordinator.js';
import type { SeriesStore } from './store.js';

/** What the service knows of its store's health. */
export interface StoreHealth {
  readonly reachable: boolean;
  /** Calls that failed because the store was unreachable or damaged. */
  readonly errors: number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'method' | 'engine' | 'code'>;

  constructor(coordinator: EngineCoordinator, store: SeriesStore, storeHealth: () => StoreHealth) {
    collectDefaultMetrics({ register: this.registry, prefix: 'chan_' });
    this.latency = new Histogram({
      name: 'chan_rpc_duration_seconds',
      help: 'RPC latency by method, engine active at the answer, and status code',
      labelNames: ['method', 'engine', 'code'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'chan_active_engine',
      help: '1 for the engine serving analyses now, 0 for the other',
      labelNames: ['engine'],
      registers: [this.registry],
      collect() {
        const s = coordinator.status();
        this.set({ engine: s.primaryEngine }, s.active === s.primaryEngine && !s.degraded ? 1 : 0);
        if (s.backupEngine !== s.primaryEngine) this.set({ engine: s.backupEngine }, s.degraded ? 1 : 0);
      },
    });
    new Gauge({
      name: 'chan_degraded',
      help: '1 while the backup engine serves',
      registers: [this.registry],
      collect() {
        this.set(coordinator.status().degraded ? 1 : 0);
      },
    });
    let seenSwitches = 0;
    new Counter({
      name: 'chan_failovers_total',
      help: 'Switches between the primary and backup engines',
      registers: [this.registry],
      collect() {
        const n = coordinator.status().switchCount;
        this.inc(n - seenSwitches);
        seenSwitches = n;
      },
    });
    new Gauge({
      name: 'chan_store_bars',
      help: 'Bars in the store',
      registers: [this.registry],
      async collect() {
        // While the store is unreachable the last count stays.
        await store.stats().then(
          (s) => this.set(s.bars),
          () => undefined,
        );
      },
    });
    new Gauge({
      name: 'chan_store_up',
      help: '1 while the store answers, 0 while it cannot be reached or is damaged',
      registers: [this.registry],
      collect() {
        this.set(storeHealth().reachable ? 1 : 0);
      },
    });
    let seenStoreErrors = 0;
    new Counter({
      name: 'chan_store_errors_total',
      help: 'Calls that failed because the store was unreachable or damaged',
      registers: [this.registry],
      collect() {
        const n = storeHealth().errors;
        this.inc(n - seenStoreErrors);
        seenStoreErrors = n;
      },
    });
  }

  observe(method: string, engine: string, code: string, seconds: number): void {
    this.latency.observe({ method, engine, code }, seconds);
  }

  /** Serves /metrics; resolves with the bound port. */
  listen(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else res.writeHead(404).end('not found: try /metrics\n');
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
    });
  }
}
