// The deployment files (not run here: no Docker engine): docker-compose.yml parses and has the
// product's profiles; the service configurations it mounts load; the Prometheus alert rules pass
// promtool's check and their unit tests (each alert fires on the series that should raise it); the
// Grafana dashboard parses and every metric it and the rules query is one `chan serve` exposes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../src/node/config-file.js';
import { startTestServer } from './support/service-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

interface ComposeService {
  profiles?: string[];
  command?: string[];
  image?: string;
  build?: string;
  depends_on?: Record<string, { condition: string }>;
}

describe('deployment files', () => {
  it('docker-compose.yml: postgres and the primary by default, the backup and monitoring behind their profiles', () => {
    const c = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService>; secrets: object };
    const s = c.services;
    expect(Object.keys(s).sort()).toEqual(['backup', 'grafana', 'postgres', 'primary', 'prometheus']);
    expect([s.postgres!.profiles, s.primary!.profiles, s.backup!.profiles, s.prometheus!.profiles, s.grafana!.profiles]).toEqual([
      undefined,
      undefined,
      ['backup'],
      ['monitor'],
      ['monitor'],
    ]);
    expect(s.primary!.command).toEqual([
      'serve',
      '--role',
      'primary',
      '--config',
      '/app/deploy/chan.yaml',
      '--port',
      '50051',
      '--metrics-port',
      '9464',
    ]);
    expect(s.backup!.command).toEqual([
      'serve',
      '--role',
      'backup',
      '--config',
      '/app/deploy/chan.yaml',
      '--port',
      '50052',
      '--metrics-port',
      '9465',
    ]);
    expect(s.backup!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // No password anywhere in the compose files: it is a secret file.
    expect(read('docker-compose.yml') + read('docker-compose.prod.yml')).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/);
    const prod = parse(read('docker-compose.prod.yml')) as { services: Record<string, ComposeService> };
    expect(Object.keys(prod.services).sort()).toEqual(['backup', 'primary']);
  });

  it('the configurations the containers load: every instance on the shared store, the password from a file', () => {
    for (const file of ['deploy/chan.yaml', 'config/production.yaml']) {
      const c = loadConfigFile(join(ROOT, file));
      expect(c.service.store).toEqual({ kind: 'postgres', url: 'postgres://chan@postgres:5432/chan' });
      expect(c.service.postgres.passwordFile).toBe('/run/secrets/pg_password');
      expect(c.service.host).toBe('0.0.0.0');
      // The role decides the engine: the backup runs TS, the primary WASM.
      expect([loadConfigFile(join(ROOT, file), 'backup').system.primaryEngine, c.system.primaryEngine]).toEqual(['ts', 'wasm']);
    }
  });

  it('Prometheus: the configuration and rules pass promtool, and the rules their unit tests', () => {
    const dir = join(ROOT, 'deploy/prometheus');
    for (const args of [
      ['check', 'config', 'prometheus.yml'],
      ['check', 'rules', 'alerts.yml'],
      ['test', 'rules', 'alerts.test.yml'],
    ]) {
      const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
      expect(r.error, 'promtool is missing: apt-get install -y prometheus').toBeUndefined();
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.status).toBe(0);
    }
  });

  it('the Grafana dashboard parses, is provisioned from this repository, and queries only metrics chan serve exposes', async () => {
    const d = JSON.parse(read('deploy/grafana/dashboards/chan-engine.json')) as { uid: string; panels: { targets: { expr: string }[] }[] };
    expect(d.uid).toBe('chan-engine');
    const provider = parse(read('deploy/grafana/provisioning/dashboards/chan.yml')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
    const exprs = [...d.panels.flatMap((p) => p.targets.map((t) => t.expr)), read('deploy/prometheus/alerts.yml')];
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bchan_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    expect(used.size).toBeGreaterThanOrEqual(6);
    const t = await startTestServer();
    try {
      const text = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
      const exposed = new Set([...text.matchAll(/^# TYPE (chan_[a-z_]+) /gm)].map((m) => m[1]));
      for (const name of used) expect(exposed, name).toContain(name);
    } finally {
      await t.close();
    }
  });
});
