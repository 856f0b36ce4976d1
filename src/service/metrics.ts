// Prometheus metrics, served as text at /metrics on their own port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineCoordinator } from '../failover/coordinator.js';
import type { BarStore } from './bar-store.js';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'method' | 'engine' | 'code'>;

  constructor(coordinator: EngineCoordinator, store: BarStore) {
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
      collect() {
        this.set(store.stats().bars);
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
