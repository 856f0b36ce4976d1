// The service and its store, as the documentation describes them: several servers on one SQLite
// file never serve a stale cached answer, and a store locked by another process beyond the busy
// timeout answers UNAVAILABLE (retry elsewhere).
import { status as Code } from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBars } from './support/helpers.js';
import { klines, rejection, sqlitePath, startTestServer, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length;
const S = { symbol: 'SSE', timeframe: 'TIMEFRAME_D1' };

describe('two servers on one store file', () => {
  let a: TestServer, b: TestServer;
  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer(testConfig({ store: a.config.service.store }));
    await a.client.submitKlines({ ...S, klines: klines(SSE, 0, N - 1) });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a cached analysis is not served once the other server wrote the series', async () => {
    expect(await a.client.calculatePens(S)).toMatchObject({ cached: false, barCount: N - 1 });
    expect(await a.client.calculatePens(S)).toMatchObject({ cached: true, barCount: N - 1 });
    await b.client.submitKlines({ ...S, klines: klines(SSE, N - 1, N) });
    const after = await a.client.calculatePens(S);
    expect([after.cached, after.barCount, after.total]).toEqual([false, N, 202]);
  });
});

describe('a store locked by another process', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 10) });
  });
  afterAll(() => t.close());

  it('a write waits for the lock, then answers UNAVAILABLE after the 5 s busy timeout and stores nothing', async () => {
    const other = new Database(sqlitePath(t.config));
    other.pragma('busy_timeout = 0');
    other.prepare('BEGIN IMMEDIATE').run();
    const t0 = performance.now();
    const e = await rejection(t.client.submitKlines({ ...S, klines: klines(SSE, 10, 20) }));
    const waited = performance.now() - t0;
    other.prepare('ROLLBACK').run();
    other.close();
    expect(e.code).toBe(Code.UNAVAILABLE);
    expect(e.details).toMatch(/^store busy: /);
    expect(waited).toBeGreaterThanOrEqual(4900);
    expect((await t.client.getStatus()).store.bars).toBe(10);
    // Once the lock is released, the same batch goes through.
    expect(await t.client.submitKlines({ ...S, klines: klines(SSE, 10, 20) })).toMatchObject({ inserted: 10, storedCount: 20 });
  }, 30_000);
});
