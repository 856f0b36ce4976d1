// `chan serve` as a real process (npm test builds dist/ first): the CLI client commands, SIGTERM,
// restart on the same store, and kill -9 during a stream of SubmitKlines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { status as status_ } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateBars } from '../src/core/bars.js';
import { parseBarsCsv } from '../src/core/csv.js';
import { readBarsCsvFile } from '../src/node/csv-file.js';
import { BarStore } from '../src/service/bar-store.js';
import { ChanClient, FailoverClient } from '../src/service/client.js';
import type { AnalysisUpdate } from '../src/service/messages.js';
import { fixtureBars, until } from './support/helpers.js';
import { klines, tempDir } from './support/service-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const running: ChildProcess[] = [];
const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length;
const SAMPLE_FILE = join(ROOT, 'data/sse_000001_1d.csv');

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

/** Starts `chan serve` on ephemeral ports; resolves once it logs "listening". */
function serve(db: string, ...args: string[]): Promise<{ proc: ChildProcess; port: number; log: string[] }> {
  const proc = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--metrics-port', '0', '--db', db, ...args], {
    cwd: ROOT,
    env: { ...process.env, CHAN_AUTH_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(proc);
  const log: string[] = [];
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`chan serve exited with ${code} before listening: ${log.join('\n')}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      log.push(line);
      const j = JSON.parse(line) as { msg: string; port?: number };
      if (j.msg === 'listening') resolve({ proc, port: j.port!, log });
    });
  });
}

const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));
const chan = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('chan serve process', () => {
  it('CLI client commands; SIGTERM stops cleanly; a restart serves the same stored bars', async () => {
    const db = join(tempDir(), 'store.db');
    const first = await serve(db);
    const addr = ['--addr', `127.0.0.1:${first.port}`];
    const sub = chan('submit', 'data/sse_000001_1d.csv', '--symbol', 'SSE', '--timeframe', 'd1', '--batch', '1000', ...addr);
    expect(sub.stderr).toBe('');
    expect(sub.stdout).toBe('SSE D1: 3332 bars sent, 3332 inserted, 0 updated, 0 unchanged; 3332 stored\n');
    const pens = chan('pens', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '2', ...addr);
    expect(pens.stdout).toBe(
      '2 of 202 pens, 3332 bars, engine wasm\n' +
        '#200 up   2802.47 -> 3456.97  2020-05-25T00:00:00Z .. 2020-07-09T00:00:00Z  confirmed\n' +
        '#201 down 3456.97 -> 3209.76  2020-07-09T00:00:00Z .. 2020-07-16T00:00:00Z  provisional\n',
    );
    const segs = chan('segments', '--symbol', 'SSE', '--timeframe', 'D1', '--confirmed-only', '--last-n', '1', '--json', ...addr);
    expect(JSON.parse(segs.stdout)).toMatchObject({ total: 25, barCount: 3332, segments: [{ index: 24, confirmed: true }] });
    const pivots = chan('pivots', '--symbol', 'SSE', '--timeframe', 'D1', '--level', 'segment', ...addr);
    expect(pivots.stdout).toBe(
      '2 of 2 segment pivots, 3332 bars, engine wasm\n' +
        '#0 2912.89 .. 3181.66  lines 5..7  2009-08-04T00:00:00Z .. 2010-07-02T00:00:00Z  confirmed\n' +
        '#1 2733.92 .. 3127.17  lines 22..24  2018-10-19T00:00:00Z .. 2020-01-14T00:00:00Z  provisional\n',
    );
    const points = chan('points', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '1', ...addr);
    expect(points.stdout).toBe(
      '1 of 17 pen buy/sell points, 3332 bars, engine wasm\n2020-07-16T00:00:00Z  buy  3a     3209.76  line 201  provisional\n',
    );
    const macd = chan('macd', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '1', ...addr);
    expect(macd.stdout).toBe('MACD(12,26,9) 3332 bars, engine wasm\n2020-07-16T00:00:00Z  DIF 117.2986  DEA 110.6233  histogram 13.3506\n');
    // The stored bars as CSV, which the CSV reader reads back to the same bars (and `chan analyze -` takes).
    const kl = chan('klines', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '2', ...addr);
    expect([kl.status, kl.stderr, kl.stdout]).toEqual([
      0,
      '',
      'timestamp,open,high,low,close,volume\n' +
        '2020-07-15T00:00:00Z,3422.08,3432.45,3345.75,3361.3,492030542\n' +
        '2020-07-16T00:00:00Z,3356.11,3373.53,3209.76,3210.1,486366915\n',
    ]);
    const all = chan('klines', '--symbol', 'SSE', '--timeframe', 'D1', ...addr);
    expect(parseBarsCsv(all.stdout)).toEqual(readBarsCsvFile(join(ROOT, 'data/sse_000001_1d.csv')));
    const json = JSON.parse(chan('klines', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '1', '--json', ...addr).stdout);
    expect(json).toEqual({
      klines: [{ timestamp: 1594857600000, open: 3356.11, high: 3373.53, low: 3209.76, close: 3210.1, volume: 486366915 }],
      firstIndex: 3331,
      barCount: 3332,
    });
    expect(chan('health', ...addr).stdout).toBe(`SERVING  engine wasm (primary)  at 127.0.0.1:${first.port}\n`);
    const status = chan('status', ...addr).stdout;
    expect(status).toMatch(/^engine {10}wasm \(primary\); primary wasm, backup ts\nfailovers {7}0\n/);
    expect(status).toMatch(
      /\nstore {11}sqlite 1 series, 3332 bars, \d+ bytes  .*store\.db\nversions {8}chan-engine [\d.]+, node [\d.]+, sqlite 3\.\d+\.\d+; up \d+ s\n$/,
    );

    // A bad row in the file: the error names the file row; earlier batches stay stored.
    const bad = join(tempDir(), 'bad.csv');
    writeFileSync(
      bad,
      'timestamp,open,high,low,close,volume\n' +
        Array.from({ length: 5 }, (_, i) => `${2e12 + i * 60000},10,${i === 3 ? 9 : 11},9.5,10,1`).join('\n'),
    );
    const r = chan('submit', bad, '--symbol', 'B', '--timeframe', 'M1', '--batch', '2', ...addr);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("chan: 3 INVALID_ARGUMENT: bar 1: high 9 is below low 9.5 (file row 3); the file's rows before 2 were stored\n");
    // In the first batch: nothing of the file was stored (it said "bars before row 0 were stored").
    const inFirst = chan('submit', bad, '--symbol', 'B2', '--timeframe', 'M1', ...addr);
    expect(inFirst.stderr).toBe('chan: 3 INVALID_ARGUMENT: bar 3: high 9 is below low 9.5 (file row 3); no bar of the file was stored\n');
    // A timeframe the service does not have is refused before the server is asked.
    expect(chan('pens', '--symbol', 'SSE', '--timeframe', 'X1', ...addr)).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^chan: --timeframe must be one of M1 .* MN1, got "X1"\n/),
    });

    // chan watch: the initial state, then the update for a bar written by another client.
    const watcher = spawn(process.execPath, [MAIN, 'watch', '--symbol', 'SSE', '--timeframe', 'D1', '--json', ...addr], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    running.push(watcher);
    const lines: string[] = [];
    const nextLine = () =>
      new Promise<string>((resolve) => {
        const rl = createInterface({ input: watcher.stdout! });
        rl.once('line', (l) => {
          rl.close();
          resolve(l);
        });
      });
    lines.push(await nextLine());
    expect(JSON.parse(lines[0]!)).toMatchObject({ initial: true, barCount: 3332 });
    const more = join(tempDir(), 'more.csv');
    writeFileSync(more, 'timestamp,open,high,low,close,volume\n1594944000000,3210,3300,3200,3290,1000\n');
    const pending = nextLine();
    expect(chan('submit', more, '--symbol', 'SSE', '--timeframe', 'D1', ...addr).status).toBe(0);
    const update = JSON.parse(await pending);
    expect(update).toMatchObject({ initial: false, barIndex: 3332, barCount: 3333, timestamp: 1594944000000, replaced: false });
    expect(update.events.map((e: { type: string }) => e.type)).toContain('EVENT_TYPE_PEN_PROVISIONAL');
    watcher.kill('SIGINT');
    expect(await exited(watcher)).toBe(0);
    const beforeRestart = chan('pens', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '2', ...addr).stdout;
    expect(beforeRestart).toContain('2 of 202 pens, 3333 bars, engine wasm\n');

    first.proc.kill('SIGTERM');
    expect(await exited(first.proc)).toBe(0);
    expect(first.log.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining(['shutting down: NOT_SERVING, draining calls', 'stopped']),
    );

    const second = await serve(db);
    const again = chan('pens', '--symbol', 'SSE', '--timeframe', 'D1', '--last-n', '2', '--addr', `127.0.0.1:${second.port}`);
    expect(again.stdout).toBe(beforeRestart);
    expect(chan('status', '--json', '--addr', `127.0.0.1:${second.port}`).stdout).toContain('"store":{"series":2,"bars":3335,');
  });

  it('start-up failures say what to do, one line, no stack: a port in use, a store whose directory does not exist', async () => {
    const first = await serve(join(tempDir(), 'a.db'));
    const taken = spawnSync(
      process.execPath,
      [MAIN, 'serve', '--port', String(first.port), '--metrics-port', '0', '--db', join(tempDir(), 'b.db')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CHAN_AUTH_TOKEN: '' },
      },
    );
    expect(taken.status).toBe(1);
    expect(taken.stderr).toBe(
      `chan: cannot listen on 127.0.0.1:${first.port}: the address is in use (another server?); choose another port (--port, or service.port in the config)\n`,
    );
    // Its log stays JSON lines (grpc-js's own messages included).
    for (const line of taken.stdout.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line)).not.toThrow();
    first.proc.kill('SIGTERM');
    await exited(first.proc);
    const missing = join(tempDir(), 'no-such-dir', 'c.db');
    const r = chan('serve', '--port', '0', '--metrics-port', '0', '--store', `sqlite:${missing}`);
    expect([r.status, r.stderr]).toEqual([1, `chan: cannot open the store ${missing}: its directory does not exist\n`]);
    // A path that is not a file for a store (a device died with SQLite's "disk I/O error" and a stack trace).
    const dir = tempDir();
    for (const [path, what] of [
      ['/dev/null', 'not a regular file'],
      [dir, 'a directory'],
    ]) {
      const r = chan('serve', '--port', '0', '--metrics-port', '0', '--store', `sqlite:${path}`);
      expect([r.status, r.stderr]).toEqual([1, `chan: cannot open the store ${path}: it is ${what}\n`]);
    }
    // A file that reads but cannot be written as a store (SQLite's error, one line).
    const ro = chan('serve', '--port', '0', '--metrics-port', '0', '--store', 'sqlite:/proc/version');
    expect([ro.status, ro.stderr]).toEqual([1, 'chan: cannot open the store /proc/version for writing: unable to open database file\n']);
    // An empty --host (grpc-js said "No addresses resolved for port [object Object]", with a Node warning).
    const host = chan('serve', '--host', '', '--port', '0', '--metrics-port', '0', '--store', `sqlite:${join(tempDir(), 'd.db')}`);
    expect([host.status, host.stderr]).toEqual([
      1,
      'chan: config --host: must be a host name or IP address (127.0.0.1, 0.0.0.0, ::), got ""\n',
    ]);
  });

  it('SIGTERM with an idle client connected: the process exits at once (idle connections are closed, not waited for)', async () => {
    const db = join(tempDir(), 'store.db');
    const s = await serve(db);
    const c = new ChanClient(`127.0.0.1:${s.port}`);
    await c.getStatus(); // the connection stays open, idle
    const t0 = performance.now();
    s.proc.kill('SIGTERM');
    expect(await exited(s.proc)).toBe(0);
    const took = performance.now() - t0;
    c.close();
    // It took 4-5 s when the server waited for idle clients to hang up.
    expect(took).toBeLessThan(2000);
  });

  it('chan watch with two addresses: when its server shuts down it subscribes again on the other and goes on', async () => {
    const db = join(tempDir(), 'store.db');
    const primary = await serve(db);
    const backup = await serve(db, '--role', 'backup');
    const addr = ['--addr', `127.0.0.1:${primary.port},127.0.0.1:${backup.port}`];
    expect(chan('submit', SAMPLE_FILE, '--symbol', 'SSE', '--timeframe', 'D1', ...addr).status).toBe(0);
    // --addr given twice is a list too (only the last one was kept: here, an address nothing listens on).
    const twice = chan('health', '--addr', `127.0.0.1:${primary.port}`, '--addr', '127.0.0.1:1');
    expect([twice.status, twice.stdout]).toEqual([0, `SERVING  engine wasm (primary)  at 127.0.0.1:${primary.port}\n`]);
    const watcher = spawn(process.execPath, [MAIN, 'watch', '--symbol', 'SSE', '--timeframe', 'D1', '--json', ...addr], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(watcher);
    const lines: { initial: boolean; barCount: number }[] = [];
    createInterface({ input: watcher.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
    let stderr = '';
    watcher.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => lines.length === 1);
    primary.proc.kill('SIGTERM');
    expect(await exited(primary.proc)).toBe(0);
    // The backup's initial state, then a bar written through it.
    await until(() => lines.length === 2);
    expect(lines.map((l) => [l.initial, l.barCount])).toEqual([
      [true, 3332],
      [true, 3332],
    ]);
    expect(stderr).toBe(
      `chan: the stream from 127.0.0.1:${primary.port} ended (UNAVAILABLE: server shutting down: subscribe again (to another server, or to this one once it is back)); subscribing again\n` +
        `chan: watching 127.0.0.1:${backup.port}\n`,
    );
    const more = join(tempDir(), 'more.csv');
    writeFileSync(more, 'timestamp,open,high,low,close,volume\n1594944000000,3210,3300,3200,3290,1000\n');
    expect(chan('submit', more, '--symbol', 'SSE', '--timeframe', 'D1', '--addr', `127.0.0.1:${backup.port}`).status).toBe(0);
    await until(() => lines.length === 3);
    expect(lines[2]).toMatchObject({ initial: false, barCount: 3333 });
    // With no server left it waits for one (up to 30 s); Ctrl-C meanwhile ends it at once.
    backup.proc.kill('SIGTERM');
    await exited(backup.proc);
    await until(() => stderr.split('subscribing again').length === 3);
    const t0 = performance.now();
    watcher.kill('SIGINT');
    expect(await exited(watcher)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a stopped primary (SIGSTOP): a FailoverClient moves to the backup within about a second and back after SIGCONT', async () => {
    const db = join(tempDir(), 'store.db');
    const primary = await serve(db);
    const backup = await serve(db, '--role', 'backup');
    const [a, b] = [`127.0.0.1:${primary.port}`, `127.0.0.1:${backup.port}`];
    // Started as the backup, it says so, and runs the TS engine.
    const bs = new ChanClient(b);
    expect(await bs.getStatus()).toMatchObject({ serverRole: 'backup', activeEngine: 'ts', primaryEngine: 'ts' });
    bs.close();
    // The product's health settings: checked every 1000 ms, 500 ms to answer.
    const fc = new FailoverClient([a, b], { healthCheckIntervalMs: 1000, responseTimeoutMs: 500 });
    try {
      await fc.run((c) => c.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: klines(SSE) }));
      expect((await fc.run((c) => c.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }))).engine).toBe('wasm');
      primary.proc.kill('SIGSTOP');
      const t0 = performance.now();
      const r = await fc.run((c) => c.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }));
      const took = performance.now() - t0;
      expect([r.engine, r.total, fc.active]).toEqual(['ts', 202, b]);
      // One interval waiting for the answer, then a health check that times out: ~1.5 s, not the 30 s deadline.
      expect(took).toBeLessThan(3000);
      primary.proc.kill('SIGCONT');
      let back = '';
      for (let i = 0; i < 50 && back !== 'wasm'; i++) {
        await new Promise((res) => setTimeout(res, 200));
        back = (await fc.run((c) => c.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }))).engine;
      }
      expect([back, fc.active]).toEqual(['wasm', a]);
    } finally {
      primary.proc.kill('SIGCONT');
      fc.close();
    }
  }, 60_000);

  it('a stopped primary (SIGSTOP) under FailoverClient.watch: the subscription moves to the backup within about 2 s and back to the primary after SIGCONT', async () => {
    const db = join(tempDir(), 'store.db');
    const primary = await serve(db);
    const backup = await serve(db, '--role', 'backup');
    const [a, b] = [`127.0.0.1:${primary.port}`, `127.0.0.1:${backup.port}`];
    const S = { symbol: 'SSE', timeframe: 'TIMEFRAME_D1' };
    const fc = new FailoverClient([a, b], { healthCheckIntervalMs: 1000, responseTimeoutMs: 500 });
    const [ca, cb] = [new ChanClient(a), new ChanClient(b)];
    const seen: [string, boolean, number][] = [];
    const said: string[] = [];
    try {
      await ca.submitKlines({ ...S, klines: klines(SSE, 0, N - 2) });
      const w = fc.watch({ ...S, initialLastN: 1 }, (u, address) => seen.push([address, u.initial, u.barCount]), {
        onInterrupted: (address, e) => said.push(`ended ${address} ${status_[e.code]}`),
        onResumed: (address) => said.push(`resumed ${address}`),
      });
      await until(() => seen.length === 1);
      primary.proc.kill('SIGSTOP');
      const t0 = performance.now();
      await until(() => seen.length === 2);
      // One interval, a health check that times out (500 ms), the backup's check and its first message.
      expect(performance.now() - t0).toBeLessThan(3000);
      await cb.submitKlines({ ...S, klines: klines(SSE, N - 2, N - 1) });
      await until(() => seen.length === 3);
      primary.proc.kill('SIGCONT');
      // Back on the primary (preferred) once it answers its health check again: its stream's first message.
      await until(() => seen.length === 4);
      await ca.submitKlines({ ...S, klines: klines(SSE, N - 1, N) });
      await until(() => seen.length === 5);
      expect(seen).toEqual([
        [a, true, N - 2],
        [b, true, N - 2],
        [b, false, N - 1],
        [a, true, N - 1],
        [a, false, N],
      ]);
      expect(said).toEqual([`ended ${a} UNAVAILABLE`, `resumed ${b}`, `resumed ${a}`]);
      expect(fc.active).toBe(a);
      w.cancel();
      await w.done;
    } finally {
      primary.proc.kill('SIGCONT');
      for (const c of [fc, ca, cb]) c.close();
    }
  }, 60_000);

  it('kill -9 during a stream of SubmitKlines: every acknowledged batch is kept, no batch is partial', async () => {
    const db = join(tempDir(), 'store.db');
    const BATCH = 500;
    // The series grows as the stream needs it (a prefix of a longer one is the same bars), so no
    // machine sends it all before the kill.
    let bars = syntheticBars(200 * BATCH);
    const batch = (i: number) => {
      while (bars.timestamp.length < i + BATCH) bars = syntheticBars(2 * bars.timestamp.length);
      return klines(bars, i, i + BATCH);
    };
    let acked = 0;
    for (const killAfterMs of [150, 400, 250]) {
      const { proc, port } = await serve(db);
      const client = new ChanClient(`127.0.0.1:${port}`, { deadlineMs: 5000 });
      // Resume where the store is (as a feeder would after a crash), then stream batches until killed.
      const status = await client.getStatus();
      // Acknowledged means committed with the log synced to disk (WAL, synchronous = FULL).
      expect([status.store.journalMode, status.store.synchronous]).toEqual(['wal', 'FULL']);
      const stored = status.store.bars;
      expect(stored % BATCH).toBe(0);
      expect(stored).toBeGreaterThanOrEqual(acked);
      acked = stored;
      const stream = (async () => {
        for (let i = stored; ; i += BATCH) {
          const r = await client.submitKlines({ symbol: 'SYN', timeframe: 'TIMEFRAME_M1', klines: batch(i) });
          acked = r.storedCount;
        }
      })();
      // Settled with the error that ended it (null if none); attached at once so no rejection is unhandled.
      const ended = stream.then(
        () => null,
        (e: { code?: number }) => e,
      );
      await new Promise((r) => setTimeout(r, killAfterMs));
      const ackedBeforeKill = acked;
      proc.kill('SIGKILL');
      await exited(proc);
      // The kill ends the stream: the next call finds the server gone.
      const error = await ended;
      expect(error?.code).toBe(status_.UNAVAILABLE);
      // The round made progress before the kill.
      expect(ackedBeforeKill).toBeGreaterThan(stored);
      client.close();
    }
    expect(acked).toBeGreaterThan(0);
    // The store after the last crash: a whole number of batches, at least every acknowledged one, equal to what was sent.
    const store = new BarStore(db);
    const loaded = (await store.load('SYN', 'M1'))!;
    await store.close();
    const n = loaded.info.count;
    expect(n % BATCH).toBe(0);
    expect(n).toBeGreaterThanOrEqual(acked);
    expect(n).toBeLessThanOrEqual(acked + BATCH);
    for (const f of ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(loaded.bars[f]).toEqual(bars[f].subarray(0, n));
    }
  });
});

describe('chan serve process: computation and stream state', () => {
  it('identical requests in flight share one computation (WASM in a worker thread, no cache)', async () => {
    const dir = tempDir();
    const config = join(dir, 'default.yaml');
    writeFileSync(config, 'system: { execution: worker_thread }\nservice: { cache_entries: 0 }\n');
    const { port } = await serve(join(dir, 'store.db'), '--config', config);
    const client = new ChanClient(`127.0.0.1:${port}`);
    await client.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: klines(SSE) });
    const before = (await client.getStatus()).engineCalls;
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' })));
    expect((await client.getStatus()).engineCalls).toBe(before + 1);
    for (const r of answers) expect(r).toEqual(answers[0]);
    expect(answers[0]!.total).toBe(202);
    client.close();
  });

  it('after kill -9 a stream resumes from the state saved last and the bars written since, or is recomputed from the bars', async () => {
    const db = join(tempDir(), 'store.db');
    const S = { symbol: 'SSE', timeframe: 'TIMEFRAME_D1' };
    const stateOf = async (port: number) => {
      const c = new ChanClient(`127.0.0.1:${port}`);
      const first = new Promise<AnalysisUpdate>((resolve) => {
        const sub = c.streamAnalysis(S, (u) => {
          resolve(u);
          sub.cancel();
        });
      });
      const initial = await first;
      const [status, pens] = [await c.getStatus(), await c.calculatePens(S)];
      c.close();
      return { initial, restored: status.streams.find((l) => l.symbol === 'SSE')?.restored, pens };
    };
    // 1. No state was ever saved: the stream is computed from the stored bars.
    let server = await serve(db);
    const c1 = new ChanClient(`127.0.0.1:${server.port}`);
    await c1.submitKlines({ ...S, klines: klines(SSE, 0, 3000) });
    const sub = c1.streamAnalysis(S, () => undefined);
    const subEnded = sub.done.catch(() => undefined); // the kill ends it
    await c1.submitKlines({ ...S, klines: klines(SSE, 3000, 3100) }); // live, unsaved
    server.proc.kill('SIGKILL');
    await exited(server.proc);
    await subEnded;
    c1.close();
    server = await serve(db);
    let s = await stateOf(server.port);
    expect(s.restored).toBe(false);
    expect(s.initial.barCount).toBe(3100);
    expect(s.initial.events.filter((e) => e.pen).map((e) => e.pen)).toEqual(s.pens.pens);
    // That subscription ended cleanly, so its state was saved (at 3,100 bars). 2. Bars written
    // after it, then kill -9: the next stream resumes from the saved state and applies them.
    const c2 = new ChanClient(`127.0.0.1:${server.port}`);
    await c2.submitKlines({ ...S, klines: klines(SSE, 3100, N) });
    c2.close();
    server.proc.kill('SIGKILL');
    await exited(server.proc);
    server = await serve(db);
    s = await stateOf(server.port);
    expect(s.restored).toBe(true);
    expect(s.initial.barCount).toBe(N);
    expect(s.initial.events.filter((e) => e.pen).map((e) => e.pen)).toEqual(s.pens.pens);
  });
});

/** A valid random-walk series (deterministic). */
function syntheticBars(n: number) {
  const b = allocateBars(n);
  let price = 100,
    seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.max(1, price + (rnd() - 0.5) * 2);
    b.timestamp[i] = 1.6e12 + i * 60_000;
    b.open[i] = open;
    b.close[i] = price;
    b.high[i] = Math.max(open, price) + rnd();
    b.low[i] = Math.max(0, Math.min(open, price) - rnd());
    b.volume[i] = Math.round(rnd() * 1000);
  }
  return b;
}
