// Several service instances on one PostgreSQL database (a throwaway cluster started here): any
// instance serves any series; concurrent writers through different instances; exact answers; live
// streams that follow bars written through other instances; PostgreSQL stopped and restarted under
// traffic (UNAVAILABLE and NOT_SERVING while down, recovery by itself, nothing acknowledged lost);
// an instance started before PostgreSQL; kill -9 of an instance during a stream of batches.
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/index.js';
import { sliceBars } from '../src/core/bars.js';
import { ChanClient } from '../src/service/client.js';
import type { AnalysisUpdate } from '../src/service/messages.js';
import { PgStore } from '../src/service/pg-store.js';
import { fixtureBars } from './support/helpers.js';
import { TestPostgres } from './support/postgres.js';
import { klines, pgConfig, rejection, silentLog, startTestServer, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pen as the service sends it, from analyze()'s result. */
const penRow = (p: { index: number; startTime: number; endTime: number; startPrice: number; endPrice: number; confirmed: boolean }) => [
  p.index,
  p.startTime,
  p.endTime,
  p.startPrice,
  p.endPrice,
  p.confirmed,
];

let pgt: TestPostgres;
let databases = 0;
beforeAll(async () => {
  pgt = await TestPostgres.start();
});
afterAll(() => pgt.destroy());

async function pgServers(count: number): Promise<{ url: string; servers: TestServer[] }> {
  const url = await pgt.createDatabase(`svc${databases++}`);
  const config = testConfig({ store: { kind: 'postgres', url }, postgres: pgConfig(pgt) });
  return { url, servers: await Promise.all(Array.from({ length: count }, () => startTestServer(config))) };
}

describe('service instances on one PostgreSQL database', () => {
  it('three instances: writers through random instances, readers on the others, a subscriber on a third: exact answers, every bar in order', async () => {
    const { servers } = await pgServers(3);
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const series = ['X', 'Y'].map((symbol) => ({ symbol, timeframe: 'TIMEFRAME_D1' }));
    const size = 40,
      total = 1200;
    const X = series[0]!;
    await a.client.submitKlines({ ...X, klines: klines(SSE, 0, size) });
    // The subscriber, on an instance that writes nothing.
    const updates: AnalysisUpdate[] = [];
    const sub = c.client.streamAnalysis(X, (u) => updates.push(u));
    for (let i = 0; i < 200 && updates.length === 0; i++) await sleep(10);
    expect(updates[0]).toMatchObject({ initial: true, barCount: size });

    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) as number;
    const writer = async (s: (typeof series)[number]) => {
      for (let k = 0; k * size < total; k++)
        await servers[random(2)]!.client.submitKlines({ ...s, klines: klines(SSE, k * size, (k + 1) * size) });
    };
    let writing = true;
    const checked: number[] = [];
    const reader = async (t: TestServer) => {
      while (writing) {
        const s = series[random(2)]!;
        const r = await t.client.calculatePens(s).catch((e: grpc.ServiceError) => {
          if (e.code === grpc.status.NOT_FOUND) return null; // Y before its first batch
          throw e;
        });
        if (r === null) continue;
        // Exactly the analysis of the bars stored at some moment: the first barCount bars.
        expect(r.pens.map((p) => [p.index, p.startTime, p.endTime, p.startPrice, p.endPrice, p.confirmed])).toEqual(
          analyze(sliceBars(SSE, 0, r.barCount)).pens.map(penRow),
        );
        checked.push(r.barCount);
      }
    };
    // Two writers per series (the same batches, in order: resends are idempotent) through random instances.
    const writers = Promise.all([...series, ...series].map(writer)).finally(() => (writing = false));
    await Promise.all([writers, reader(b), reader(c)]);
    expect(checked.length).toBeGreaterThan(5);

    for (const s of series) {
      for (const t of servers) {
        const r = await t.client.calculatePens(s);
        expect(r.barCount).toBe(total);
        expect(r.pens.map((p) => [p.index, p.startTime, p.endTime, p.startPrice, p.endPrice, p.confirmed])).toEqual(
          analyze(sliceBars(SSE, 0, total)).pens.map(penRow),
        );
      }
    }
    // The subscriber saw every bar after its first message, once and in order, though none was written through its instance.
    for (let i = 0; i < 500 && updates.at(-1)?.barCount !== total; i++) await sleep(10);
    const stamps = updates.slice(1).map((u) => u.timestamp);
    expect(stamps).toEqual(Array.from(SSE.timestamp.subarray(size, total)));
    expect(updates.slice(1).every((u) => !u.initial && !u.replaced)).toBe(true);
    sub.cancel();
    await Promise.all(servers.map((t) => t.close()));
  });

  it('after PostgreSQL restarts, a subscriber on one instance again receives the bars written through another', async () => {
    const { servers } = await pgServers(2);
    const [a, b] = servers as [TestServer, TestServer];
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_D1' };
    await a.client.submitKlines({ ...X, klines: klines(SSE, 0, 300) });
    const updates: AnalysisUpdate[] = [];
    const sub = b.client.streamAnalysis(X, (u) => updates.push(u));
    for (let i = 0; i < 300 && updates.length === 0; i++) await sleep(10);
    await a.client.submitKlines({ ...X, klines: klines(SSE, 300, 310) });
    for (let i = 0; i < 300 && updates.at(-1)?.barCount !== 310; i++) await sleep(10);
    expect(updates.at(-1)?.barCount).toBe(310);
    pgt.stop();
    await sleep(300);
    pgt.resume();
    // Both instances serve again by themselves; the one with the subscriber listens again.
    for (const t of servers) {
      let serving = false;
      for (let i = 0; i < 100 && !serving; i++) {
        serving = (await t.client.healthCheck({})).serving;
        if (!serving) await sleep(100);
      }
      expect(serving).toBe(true);
    }
    let done = false;
    for (let k = 0; !done && k < 50; k++) {
      // Written through the other instance until the subscriber's one has its notifications back.
      await a.client.submitKlines({ ...X, klines: klines(SSE, 310, 320 + k) });
      for (let i = 0; i < 20 && updates.at(-1)?.barCount !== 320 + k; i++) await sleep(10);
      done = updates.at(-1)?.barCount === 320 + k;
    }
    expect(done).toBe(true);
    // Every bar once and in order, none lost across the restart.
    expect(updates.slice(1).map((u) => u.timestamp)).toEqual(Array.from(SSE.timestamp.subarray(300, updates.at(-1)!.barCount)));
    sub.cancel();
    await Promise.all(servers.map((t) => t.close()));
  });

  it('a saved stream state in the database: an instance started later resumes from it (restored), not from the bars', async () => {
    const { servers } = await pgServers(1);
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_D1' };
    await servers[0]!.client.submitKlines({ ...X, klines: klines(SSE, 0, 800) });
    const first: AnalysisUpdate[] = [];
    const sub = servers[0]!.client.streamAnalysis(X, (u) => first.push(u));
    for (let i = 0; i < 300 && first.length === 0; i++) await sleep(10);
    sub.cancel();
    await sub.done;
    // Unsubscribing saved the analyzer's state (in the database); the instance goes away.
    for (let i = 0; i < 300 && (await servers[0]!.client.getStatus()).streams.length > 0; i++) await sleep(10);
    const url = servers[0]!.config.service.store.kind === 'postgres' ? servers[0]!.config.service.store.url : '';
    await servers[0]!.close();
    const later = await startTestServer(testConfig({ store: { kind: 'postgres', url }, postgres: pgConfig(pgt) }));
    await later.client.submitKlines({ ...X, klines: klines(SSE, 800, 820) });
    const again: AnalysisUpdate[] = [];
    const sub2 = later.client.streamAnalysis(X, (u) => again.push(u));
    for (let i = 0; i < 300 && again.length === 0; i++) await sleep(10);
    expect(again[0]).toMatchObject({ initial: true, barCount: 820 });
    expect((await later.client.getStatus()).streams).toMatchObject([{ symbol: 'X', bars: 820, restored: true }]);
    sub2.cancel();
    await later.close();
  });

  it('a batch waiting longer than statement_timeout_ms (its series locked elsewhere) fails UNAVAILABLE and writes nothing; limits answer RESOURCE_EXHAUSTED', async () => {
    const url = await pgt.createDatabase(`svc${databases++}`);
    const t = await startTestServer(
      testConfig({ store: { kind: 'postgres', url }, postgres: pgConfig(pgt, { statementTimeoutMs: 300 }), maxBarsPerRequest: 1000 }),
    );
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_D1' };
    await t.client.submitKlines({ ...X, klines: klines(SSE, 0, 100) });
    // Another session holds the series' row lock (as a long write through another instance would).
    const other = new pg.Client({
      host: '127.0.0.1',
      port: pgt.port,
      user: pgt.user,
      database: url.split('/').pop(),
      password: pgt.password,
    });
    await other.connect();
    await other.query('BEGIN');
    await other.query("SELECT * FROM series WHERE symbol = 'X' FOR UPDATE");
    const e = await rejection(t.client.submitKlines({ ...X, klines: klines(SSE, 100, 110) }));
    expect(e.code).toBe(grpc.status.UNAVAILABLE);
    expect(e.details).toContain('canceling statement due to statement timeout');
    await other.query('ROLLBACK');
    await other.end();
    expect((await t.client.calculatePens(X)).barCount).toBe(100);
    const big = await rejection(t.client.submitKlines({ ...X, klines: klines(SSE, 100, 1101) }));
    expect(big.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await t.client.submitKlines({ ...X, klines: klines(SSE, 100, 110) })).storedCount).toBe(110);
    await t.close();
  });

  it('PostgreSQL stopped under traffic: UNAVAILABLE and NOT_SERVING while down, serving again by itself, nothing acknowledged lost', async () => {
    const { url, servers } = await pgServers(1);
    const t = servers[0]!;
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_D1' };
    const size = 20;
    let acked = 0;
    const codes = new Set<number>();
    let k = 0;
    // One writer, batch after batch; a failed batch is sent again (as a client with retries would).
    const writer = (async () => {
      while (k * size < 1500) {
        try {
          const r = await t.client.submitKlines({ ...X, klines: klines(SSE, k * size, (k + 1) * size) });
          acked = Math.max(acked, r.storedCount);
          k++;
        } catch (e) {
          codes.add((e as grpc.ServiceError).code);
          await sleep(50);
        }
      }
    })();
    for (let i = 0; i < 500 && acked < 200; i++) await sleep(10);
    pgt.stop();
    // Within a few health intervals (1 s) the instance says it is not serving; calls fail UNAVAILABLE.
    let health = await t.client.healthCheck({});
    for (let i = 0; i < 60 && health.serving; i++) {
      await sleep(100);
      health = await t.client.healthCheck({});
    }
    expect(health.serving).toBe(false);
    const down = await rejection(t.client.calculatePens(X));
    expect(down.code).toBe(grpc.status.UNAVAILABLE);
    expect(down.details).toContain(`store ${url} unavailable`);
    const metric = async (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text())?.[1]);
    expect(await metric('chan_store_up')).toBe(0);
    const errorsWhileDown = await metric('chan_store_errors_total');
    expect(errorsWhileDown).toBeGreaterThanOrEqual(1);
    const ackedWhileDown = acked;
    pgt.resume();
    for (let i = 0; i < 60 && !health.serving; i++) {
      await sleep(100);
      health = await t.client.healthCheck({});
    }
    expect(health.serving).toBe(true);
    expect(await metric('chan_store_up')).toBe(1);
    await writer;
    expect([...codes]).toEqual([grpc.status.UNAVAILABLE]);
    expect(acked).toBeGreaterThan(ackedWhileDown);
    // Every acknowledged bar is there, equal to what was sent; the answers are exact again.
    const r = await t.client.calculatePens(X);
    expect(r.barCount).toBeGreaterThanOrEqual(acked);
    expect(r.pens.map((p) => [p.index, p.startTime, p.endTime, p.startPrice, p.endPrice, p.confirmed])).toEqual(
      analyze(sliceBars(SSE, 0, r.barCount)).pens.map(penRow),
    );
    const status = await t.client.getStatus();
    expect(status.store).toMatchObject({ kind: 'postgres', path: url, bars: r.barCount, synchronous: 'on' });
    await t.close();
  });

  it('an instance started while PostgreSQL is down waits for it (service.postgres.startup_wait_ms) and then serves; past the wait it stops, naming the store', async () => {
    const url = await pgt.createDatabase(`svc${databases++}`);
    const store = { kind: 'postgres', url } as const;
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_D1' };
    pgt.stop();
    try {
      const refused = startTestServer(testConfig({ store, postgres: pgConfig(pgt, { startupWaitMs: 300 }) }));
      await expect(refused).rejects.toThrow(`store ${url} unavailable`);
      await expect(refused).rejects.toThrow('after waiting 300 ms for it (service.postgres.startup_wait_ms)');

      const waiting: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void waiting.push((JSON.parse(line) as { msg: string }).msg) });
      const starting = startTestServer(testConfig({ store, postgres: pgConfig(pgt, { startupWaitMs: 60_000 }) }), { logger });
      for (let i = 0; i < 100 && waiting.length < 2; i++) await sleep(50);
      // Each failed attempt is logged; the instance is still waiting, not gone.
      expect(waiting.length).toBeGreaterThanOrEqual(2);
      expect(waiting[0]).toContain('waiting for the store');
      pgt.resume();
      const t = await starting;
      await t.client.submitKlines({ ...X, klines: klines(SSE, 0, 300) });
      const r = await t.client.calculatePens(X);
      expect(r.pens.map(penRow)).toEqual(analyze(sliceBars(SSE, 0, 300)).pens.map(penRow));
      expect((await t.client.healthCheck({})).serving).toBe(true);
      await t.close();
    } finally {
      pgt.resume();
    }
  });

  it('kill -9 of an instance during a stream of batches: every acknowledged batch is stored, no partial batch', async () => {
    const url = await pgt.createDatabase(`svc${databases++}`);
    const size = 25;
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--store', url, '--port', '0', '--metrics-port', '0'], {
      env: { ...process.env, PGPASSWORD: pgt.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"port":(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`chan serve exited with ${code}: ${out}`)));
    });
    const client = new ChanClient(`127.0.0.1:${port}`, { deadlineMs: 10_000 });
    const X = { symbol: 'X', timeframe: 'TIMEFRAME_M1' };
    let acked = 0;
    const failed: { error?: grpc.ServiceError } = {};
    const writer = (async () => {
      for (let k = 0; (k + 1) * size <= SSE.timestamp.length; k++) {
        try {
          acked = (await client.submitKlines({ ...X, klines: klines(SSE, k * size, (k + 1) * size) })).storedCount;
        } catch (e) {
          failed.error = e as grpc.ServiceError;
          return;
        }
      }
    })();
    for (let i = 0; i < 500 && acked < 500; i++) await sleep(10);
    child.kill('SIGKILL');
    await writer;
    client.close();
    // Killed mid-stream: the call in flight failed because the server went away.
    expect([grpc.status.UNAVAILABLE, grpc.status.CANCELLED, grpc.status.INTERNAL]).toContain(failed.error?.code);
    // The logs name the store by its URL, never with the password.
    expect(out).toContain(`"store":"${url}"`);
    expect(out).not.toContain(pgt.password);
    const store = await PgStore.open(url, pgConfig(pgt), silentLog);
    const loaded = (await store.load('X', 'M1'))!;
    await store.close();
    const n = loaded.info.count;
    expect(n % size).toBe(0);
    expect(n).toBeGreaterThanOrEqual(acked);
    expect(n).toBeLessThanOrEqual(acked + size);
    expect(loaded.bars.close).toEqual(SSE.close.subarray(0, n));
  });
});
