// The service and its store, as the documentation describes them: several servers on one SQLite
// file never serve a stale cached answer, a store locked by another process beyond the busy
// timeout answers UNAVAILABLE (retry elsewhere), and writes issued together share one commit with
// each answer as if they ran one after the other.
import { status as Code } from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sliceBars } from '../src/core/bars.js';
import { HistoryConflictError } from '../src/core/errors.js';
import { BarStore } from '../src/service/bar-store.js';
import { fixtureBars } from './support/helpers.js';
import { klines, rejection, sqlitePath, startTestServer, tempDir, testConfig, type TestServer } from './support/service-helpers.js';

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

  it('while a write waits for the lock, other calls are answered at once; released, the write goes through', async () => {
    const other = new Database(sqlitePath(t.config));
    other.pragma('busy_timeout = 0');
    other.prepare('BEGIN IMMEDIATE').run();
    const write = t.client.submitKlines({ ...S, klines: klines(SSE, 20, 30) });
    await new Promise((r) => setTimeout(r, 300));
    // The server's event loop is not held by the wait (it was, for up to the 5 s busy timeout).
    const t0 = performance.now();
    expect(await t.client.serving(1000)).toBe(true);
    expect(await t.client.getKlines({ ...S, lastN: 1 })).toMatchObject({ barCount: 20 });
    expect(performance.now() - t0).toBeLessThan(500);
    other.prepare('ROLLBACK').run();
    other.close();
    expect(await write).toMatchObject({ inserted: 10, storedCount: 30 });
  }, 30_000);
});

describe('a store whose disk is full', () => {
  it('a write answers RESOURCE_EXHAUSTED saying so and stores nothing of its batch; with room again the same batch goes through', async () => {
    const t = await startTestServer();
    try {
      await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 100) });
      // The store's own connection may grow the file by two pages at most: SQLite's "database or disk is full".
      const db = (t.server.service as unknown as { store: { db: Database.Database } }).store.db;
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 2}`);
      const e = await rejection(t.client.submitKlines({ ...S, klines: klines(SSE, 100, N) }));
      expect([e.code, e.details]).toEqual([
        Code.RESOURCE_EXHAUSTED,
        `the store ${sqlitePath(t.config)} is full (database or disk is full): free space, then send the batch again; nothing of it was stored`,
      ]);
      expect((await t.client.getStatus()).store.bars).toBe(100);
      db.pragma('max_page_count = 1073741823');
      expect(await t.client.submitKlines({ ...S, klines: klines(SSE, 100, N) })).toMatchObject({ storedCount: N });
    } finally {
      await t.close();
    }
  });
});

describe('writes issued together on the SQLite store (one transaction, one synced commit)', () => {
  it('each answer is what it would be in the order issued; a refused one changes nothing and the others stand, on disk once acknowledged', async () => {
    const path = join(tempDir(), 'store.db');
    const store = new BarStore(path);
    const rewrite = sliceBars(SSE, 10, 20);
    const changed = { ...rewrite, volume: Float64Array.from(rewrite.volume, (v) => v + 1) };
    // Issued in one turn of the event loop: A's second batch continues its first, the rewrite of
    // A's history is refused after both, B is another series, A's third batch follows the second.
    const answers = await Promise.allSettled([
      store.submit('A', 'D1', sliceBars(SSE, 0, 100)),
      store.submit('A', 'D1', sliceBars(SSE, 100, 150)),
      store.submit('A', 'D1', changed),
      store.submit('B', 'D1', sliceBars(SSE, 0, 10)),
      store.submit('A', 'D1', sliceBars(SSE, 150, 160)),
    ]);
    const value = (i: number) => (answers[i] as PromiseFulfilledResult<unknown>).value;
    expect(value(0)).toMatchObject({ inserted: 100, revision: 1, count: 100 });
    expect(value(1)).toMatchObject({ inserted: 50, revision: 2, count: 150 });
    expect(answers[2]!.status).toBe('rejected');
    expect((answers[2] as PromiseRejectedResult).reason).toBeInstanceOf(HistoryConflictError);
    expect(value(3)).toMatchObject({ inserted: 10, revision: 1, count: 10 });
    expect(value(4)).toMatchObject({ inserted: 10, revision: 3, count: 160 });
    // Another connection sees every acknowledged write, and nothing of the refused one.
    const other = new Database(path, { readonly: true });
    const rows = other
      .prepare('SELECT s.symbol, count(*) AS n, max(b.close) AS top FROM bars b JOIN series s ON s.id = b.series GROUP BY s.symbol')
      .all();
    other.close();
    expect(rows).toEqual([
      { symbol: 'A', n: 160, top: Math.max(...sliceBars(SSE, 0, 160).close) },
      { symbol: 'B', n: 10, top: Math.max(...sliceBars(SSE, 0, 10).close) },
    ]);
    expect(Array.from((await store.load('A', 'D1'))!.bars.close)).toEqual(Array.from(sliceBars(SSE, 0, 160).close));
    await store.close();
  });
});
