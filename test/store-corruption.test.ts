// A damaged store is detected, never served: damaged copies of a real store (truncated, a byte
// changed) are refused at start-up with a message naming the file and what to do, or fail the read
// naming the series and bar; the service then answers DATA_LOSS and reports NOT_SERVING.
import { status as Code } from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sliceBars } from '../src/core/bars.js';
import { BarStore } from '../src/service/bar-store.js';
import { rowChecksum, StoreCorruptionError } from '../src/service/store.js';
import { fixtureBars, until } from './support/helpers.js';
import { oldSqliteStore, rejection, sqliteAt, startTestServer, tempDir, testConfig } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A closed store file holding SSE daily (checkpointed: everything in the main file). */
async function realStore(): Promise<string> {
  const path = join(tempDir(), 'store.db');
  const s = new BarStore(path);
  await s.submit('SSE', 'D1', SSE);
  await s.close();
  return path;
}

/** A SubmitKlines request of one bar, k days after SSE daily's last. */
function next(k: number) {
  const timestamp = SSE.timestamp[N - 1]! + k * 86_400_000;
  return { symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: [{ timestamp, open: 3210, high: 3220, low: 3200, close: 3215, volume: 1 }] };
}

function copyOf(path: string): string {
  const c = join(tempDir(), 'copy.db');
  copyFileSync(path, c);
  return c;
}

/** The store file with the 8 bytes of one stored close price (SQLite stores REALs big-endian) changed. */
function withChangedClose(path: string, close: number): string {
  const c = copyOf(path);
  const bytes = readFileSync(c);
  const be = Buffer.alloc(8);
  be.writeDoubleBE(close);
  const at = bytes.indexOf(be);
  expect(at).toBeGreaterThan(0);
  be.writeDoubleBE(close + 1);
  be.copy(bytes, at);
  writeFileSync(c, bytes);
  return c;
}

const corruption = async (run: () => unknown): Promise<StoreCorruptionError> => {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreCorruptionError);
    return e as StoreCorruptionError;
  }
  throw new Error('no StoreCorruptionError');
};

describe('damaged store files', () => {
  let store: string;
  beforeAll(async () => {
    store = await realStore();
  });

  it('an intact store loads every bar', async () => {
    const s = new BarStore(copyOf(store));
    expect((await s.load('SSE', 'D1'))!.bars.close).toEqual(SSE.close);
    await s.close();
  });

  it('5 bytes cut off the end: a read names the series and bar instead of serving a changed price', async () => {
    const c = copyOf(store);
    truncateSync(c, statSync(c).size - 5);
    const s = new BarStore(c);
    const e = await corruption(() => s.load('SSE', 'D1'));
    expect(e.message).toMatch(
      new RegExp(
        `^${c.replaceAll('/', '\\/')}: the store is damaged \\(series SSE D1, bar at \\d+: its stored values do not match their checksum\\); restore the file from a backup, or move it away and submit the bars again$`,
      ),
    );
    await s.close();
  });

  it('a changed close price inside the file: the read fails naming that bar', async () => {
    const i = 1234;
    const s = new BarStore(withChangedClose(store, SSE.close[i]!));
    expect((await corruption(() => s.load('SSE', 'D1'))).message).toContain(`series SSE D1, bar at ${SSE.timestamp[i]}:`);
    // Reads of other ranges that do not include it still work.
    expect((await s.loadFrom('SSE', 'D1', SSE.timestamp[N - 10]!)).close).toEqual(SSE.close.subarray(N - 10));
    await s.close();
  });

  it('half the file cut off: refused when opened, naming the file and what to do', async () => {
    const c = copyOf(store);
    truncateSync(c, Math.floor(statSync(c).size / 2));
    const e = await corruption(() => new BarStore(c));
    expect(e.message).toMatch(new RegExp(`^${c.replaceAll('/', '\\/')}: the store is damaged \\(.+\\); restore the file from a backup`));
  });

  it('a file that is not a store at all: refused when opened', async () => {
    const c = join(tempDir(), 'junk.db');
    writeFileSync(c, Buffer.alloc(8192, 7));
    expect((await corruption(() => new BarStore(c))).message).toContain(`${c}: the store is damaged`);
  });

  it('a store of the previous schema (no checksums) gets them for its rows when opened', async () => {
    const c = join(tempDir(), 'v2.db');
    oldSqliteStore(c, 2, 'SSE', 'D1', sliceBars(SSE, 0, 3));
    const s = new BarStore(c);
    expect((await s.load('SSE', 'D1'))!.bars.close).toEqual(SSE.close.subarray(0, 3));
    await s.close();
    const raw = new Database(c, { readonly: true });
    const r = raw.prepare('SELECT ts, open, high, low, close, volume, crc FROM bars ORDER BY ts LIMIT 1').raw().get() as number[];
    raw.close();
    expect(r[6]).toBe(rowChecksum(1, r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!));
  });
});

describe('the service on a damaged store', () => {
  it('answers DATA_LOSS naming the bar, and reports NOT_SERVING from then on', async () => {
    const damaged = withChangedClose(await realStore(), SSE.close[100]!);
    const t = await startTestServer(testConfig({ store: sqliteAt(damaged) }));
    try {
      expect((await t.client.healthCheck()).serving).toBe(true);
      const e = await rejection(t.client.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }));
      expect(e.code).toBe(Code.DATA_LOSS);
      expect(e.details).toContain(`series SSE D1, bar at ${SSE.timestamp[100]}: its stored values do not match their checksum`);
      expect((await t.client.healthCheck()).serving).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('its file removed or replaced while open: writes refused UNAVAILABLE (they would be lost with the old file), NOT_SERVING; the file put back, it serves again', async () => {
    const path = await realStore();
    const t = await startTestServer(testConfig({ store: sqliteAt(path) }));
    try {
      expect((await t.client.submitKlines(next(1))).storedCount).toBe(N + 1);
      const moved = `${path}.moved`;
      renameSync(path, moved); // e.g. a clean-up of the directory; the server still has the old file open
      // Told by the health ping, before any write fails.
      await until(async () => !(await t.client.healthCheck()).serving);
      const gone = await rejection(t.client.submitKlines(next(2)));
      expect([gone.code, gone.details]).toEqual([
        Code.UNAVAILABLE,
        `the store file ${path} was removed or replaced while this server had it open: a write now would be lost with it; put the file back, or restart the server`,
      ]);
      // Another file in its place (a copy is a new file) is refused the same way.
      copyFileSync(moved, path);
      expect((await rejection(t.client.submitKlines(next(2)))).code).toBe(Code.UNAVAILABLE);
      renameSync(moved, path);
      await until(async () => (await t.client.healthCheck()).serving);
      expect((await t.client.submitKlines(next(2))).storedCount).toBe(N + 2);
    } finally {
      await t.close();
    }
    // Nothing acknowledged was lost: the file holds every bar.
    const reopened = new BarStore(path);
    expect((await reopened.info('SSE', 'D1'))!.count).toBe(N + 2);
    await reopened.close();
  });

  it('its write-ahead log removed while open: what was acknowledged is moved into the main file at once (a crash would lose it with the log), writes refused UNAVAILABLE, NOT_SERVING', async () => {
    const path = await realStore();
    const t = await startTestServer(testConfig({ store: sqliteAt(path) }));
    try {
      expect((await t.client.submitKlines(next(1))).storedCount).toBe(N + 1);
      // The acknowledged bar is in the log only (not yet checkpointed): the main file alone lacks it.
      const before = new Database(copyOf(path), { readonly: true });
      expect(before.prepare('SELECT count(*) AS n FROM bars').get()).toEqual({ n: N });
      before.close();
      unlinkSync(`${path}-wal`); // e.g. a clean-up of *-wal files; the server still has the log open
      await until(async () => !(await t.client.healthCheck()).serving);
      const gone = await rejection(t.client.submitKlines(next(2)));
      expect([gone.code, gone.details]).toEqual([
        Code.UNAVAILABLE,
        `the store's write-ahead log ${path}-wal was removed while this server had it open: everything acknowledged is now in ${path}; restart the server to write again`,
      ]);
      // The main file alone (what a crash now would leave) holds every acknowledged bar.
      const after = new Database(copyOf(path), { readonly: true });
      expect(after.prepare('SELECT count(*) AS n FROM bars').get()).toEqual({ n: N + 1 });
      after.close();
    } finally {
      await t.close();
    }
    // Restarted, it writes again.
    const again = await startTestServer(testConfig({ store: sqliteAt(path) }));
    try {
      expect((await again.client.submitKlines(next(2))).storedCount).toBe(N + 2);
    } finally {
      await again.close();
    }
  });

  it('chan serve refuses a damaged file at start-up with the message, exit code 1 (no stack trace)', async () => {
    const c = copyOf(await realStore());
    truncateSync(c, Math.floor(statSync(c).size / 2));
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--db', c, '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^chan: ${c.replaceAll('/', '\\/')}: the store is damaged \\(.+\\); restore the file from a backup, or move it away and submit the bars again\\n$`,
      ),
    );
  });
});
