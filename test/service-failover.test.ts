// The service while the WASM engine is down or failing, and the client-side failover helper
// switching between a primary and a backup server that share one store.
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createCoordinator } from '../src/failover/create.js';
import { ChanClient, FailoverClient } from '../src/service/client.js';
import { startServer } from '../src/service/grpc-server.js';
import { loadChanPackage } from '../src/service/proto.js';
import { pino } from 'pino';
import { faultyWasm, trap } from './support/failover-helpers.js';
import { fixtureBars, until } from './support/helpers.js';
import { klines, rejection, startTestServer, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const S = { symbol: 'SH.000001', timeframe: 'TIMEFRAME_D1' };
const silent = pino({ level: 'silent' });

describe('service with the backup engine active', () => {
  it('WASM fails to load: still SERVING (standard health too), degraded, correct answers from the TS engine', async () => {
    const config = testConfig();
    const coordinator = await createCoordinator(config, {
      createWasm: () => {
        throw new Error('CompileError: bad magic');
      },
    });
    const t = await startTestServer(config, { coordinator });
    await t.client.submitKlines({ ...S, klines: klines(SSE) });
    expect(await t.client.healthCheck()).toEqual({ serving: true, degraded: true, activeEngine: 'ts', activeRole: 'backup' });
    expect(await t.client.serving()).toBe(true);
    const pens = await t.client.calculatePens(S);
    expect([pens.engine, pens.total]).toEqual(['ts', 202]);
    const s = await t.client.getStatus();
    expect(s).toMatchObject({ activeEngine: 'ts', degraded: true, primaryLoaded: false });
    expect(s.engineFailures.load).toBe(1);
    expect(s.lastError).toContain('primary load: CompileError: bad magic');
    await t.close();
  });

  it('WASM traps at run time: the backup answers every call, 3 failures switch engines, reported in status and metrics', async () => {
    const config = testConfig({ cacheEntries: 0 });
    const coordinator = await createCoordinator(config, { createWasm: () => faultyWasm(trap) });
    const t = await startTestServer(config, { coordinator });
    await t.client.submitKlines({ ...S, klines: klines(SSE) });
    for (let i = 0; i < 3; i++) expect((await t.client.calculatePens(S)).total).toBe(202);
    const s = await t.client.getStatus();
    expect(s).toMatchObject({ activeEngine: 'ts', degraded: true, failoverCount: 1 });
    expect(s.switches).toEqual([expect.objectContaining({ from: 'primary', to: 'backup', reason: '3 consecutive failures, last: error' })]);
    expect(s.engineFailures.error).toBe(3);
    const text = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
    expect(text).toContain('chan_failovers_total 1\n');
    expect(text).toContain('chan_active_engine{engine="wasm"} 0\nchan_active_engine{engine="ts"} 1\n');
    expect(text).toContain('chan_degraded 1\n');
    await t.close();
  });
});

describe('FailoverClient: primary (WASM) and backup (TS) servers on one store', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('switches to the backup when the primary goes away and back when it returns', async () => {
    const primaryConfig = testConfig();
    const backupConfig = {
      ...testConfig({ store: primaryConfig.service.store }),
      system: { ...primaryConfig.system, primaryEngine: 'ts' as const },
    };
    const primary = await startServer(primaryConfig, { logger: silent, authToken: '' });
    const backup = await startServer(backupConfig, { logger: silent, authToken: '' });
    closers.push(() => backup.shutdown());
    const a = `127.0.0.1:${primary.port}`,
      b = `127.0.0.1:${backup.port}`;
    const fc = new FailoverClient([a, b], { healthCheckIntervalMs: 0, deadlineMs: 5000 });
    closers.unshift(async () => fc.close());

    expect((await fc.run((c) => c.submitKlines({ ...S, klines: klines(SSE, 0, 3000) }))).inserted).toBe(3000);
    expect((await fc.run((c) => c.calculatePens(S))).engine).toBe('wasm');
    expect(fc.active).toBe(a);

    await primary.shutdown();
    // The backup reads the same store: writes made through the primary are there.
    const viaBackup = await fc.run((c) => c.calculatePens(S));
    expect([viaBackup.engine, viaBackup.barCount]).toEqual(['ts', 3000]);
    expect(fc.active).toBe(b);
    expect((await fc.run((c) => c.submitKlines({ ...S, klines: klines(SSE, 3000) }))).storedCount).toBe(SSE.timestamp.length);

    const again = await startServer(
      { ...primaryConfig, service: { ...primaryConfig.service, port: primary.port } },
      { logger: silent, authToken: '' },
    );
    closers.push(() => again.shutdown());
    // The client's channel to the primary reconnects with back-off (about 1 s): poll until it is back.
    let back = await fc.run((c) => c.calculatePens(S));
    for (let i = 0; i < 100 && back.engine !== 'wasm'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await fc.run((c) => c.calculatePens(S));
    }
    expect([back.engine, back.barCount, back.total]).toEqual(['wasm', SSE.timestamp.length, 202]);
    expect(fc.switches.map((s) => [s.from, s.to])).toEqual([
      [a, b],
      [b, a],
    ]);
  });

  /** A WASM server and a TS one on one store holding 500 SSE bars. */
  async function twoServers(): Promise<[TestServer, TestServer]> {
    const config = testConfig();
    const a = await startTestServer(config);
    const b = await startTestServer({ ...config, system: { ...config.system, primaryEngine: 'ts' as const } });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    await a.client.submitKlines({ ...S, klines: klines(SSE, 0, 500) });
    return [a, b];
  }

  it('a server too busy to answer its health checks (a large answer being built) keeps its call: the answer is not lost', async () => {
    const t = await startTestServer();
    closers.push(() => t.close());
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 500) });
    const slow = (c: ChanClient) => new Promise((r) => setTimeout(r, 800)).then(() => c.calculatePens(S));
    // One address: there is nowhere to move the call, so it waits for its answer.
    const alone = new FailoverClient([t.address], { healthCheckIntervalMs: 100, responseTimeoutMs: 50, deadlineMs: 5000 });
    (alone as unknown as { clients: ChanClient[] }).clients[0]!.serving = async () => false;
    expect((await alone.run(slow)).barCount).toBe(500);
    alone.close();
    // Two, the other one down: the call is tried there too, and the busy server's answer is taken.
    const pair = new FailoverClient([t.address, '127.0.0.1:1'], { healthCheckIntervalMs: 100, responseTimeoutMs: 50, deadlineMs: 5000 });
    (pair as unknown as { clients: ChanClient[] }).clients[0]!.serving = async () => false;
    expect((await pair.run(slow)).barCount).toBe(500);
    expect(pair.active).toBe(t.address);
    pair.close();
  });

  it('a server that stops answering health checks: the call is also sent to the next one, and the first answer is taken', async () => {
    const [a, b] = await twoServers();
    const fc = new FailoverClient([a.address, b.address], { healthCheckIntervalMs: 100, responseTimeoutMs: 50, deadlineMs: 5000 });
    (fc as unknown as { clients: ChanClient[] }).clients[0]!.serving = async () => false;
    // The first server would answer after 3 s; the second answers at once.
    const t0 = performance.now();
    const r = await fc.run((c) =>
      (c.address === a.address ? new Promise((res) => setTimeout(res, 3000)) : Promise.resolve()).then(() => c.calculatePens(S)),
    );
    expect([r.engine, r.barCount, fc.active]).toEqual(['ts', 500, b.address]);
    expect(performance.now() - t0).toBeLessThan(2000);
    fc.close();
  });

  it('a call that fails while the health of the next server is being checked does not give up: the next server answers', async () => {
    const [a, b] = await twoServers();
    const fc = new FailoverClient([a.address, b.address], { healthCheckIntervalMs: 100, responseTimeoutMs: 50, deadlineMs: 5000 });
    const [ca, cb] = (fc as unknown as { clients: ChanClient[] }).clients;
    ca!.serving = async () => false;
    // b's health check answers after 300 ms; the call on a fails (UNAVAILABLE) at 150 ms, meanwhile.
    cb!.serving = () => new Promise((r) => setTimeout(() => r(true), 300));
    const unavailable = Object.assign(new Error('gone'), { code: grpc.status.UNAVAILABLE });
    const r = await fc.run((c) => (c === ca ? new Promise<never>((_, no) => setTimeout(() => no(unavailable), 150)) : c.calculatePens(S)));
    expect([r.engine, r.barCount, fc.active]).toEqual(['ts', 500, b.address]);
    fc.close();
  });

  it('watch(): a subscription that outlives its server: ended UNAVAILABLE, it subscribes again on the next serving address and goes on', async () => {
    const [a, b] = await twoServers();
    const fc = new FailoverClient([a.address, b.address], { healthCheckIntervalMs: 100 });
    closers.unshift(async () => fc.close());
    const seen: [string, boolean, number][] = [];
    const said: string[] = [];
    const arrived = (n: number) => until(() => seen.length >= n);
    const w = fc.watch({ ...S, initialLastN: 2 }, (u, address) => seen.push([address, u.initial, u.barCount]), {
      onInterrupted: (address, e) => said.push(`ended ${address} ${grpc.status[e.code]}`),
      onResumed: (address) => said.push(`resumed ${address}`),
    });
    await arrived(1);
    await a.server.shutdown();
    await arrived(2);
    await b.client.submitKlines({ ...S, klines: klines(SSE, 500, 501) });
    await arrived(3);
    expect(seen).toEqual([
      [a.address, true, 500],
      [b.address, true, 500],
      [b.address, false, 501],
    ]);
    expect(said).toEqual([`ended ${a.address} UNAVAILABLE`, `resumed ${b.address}`]);
    w.cancel();
    await w.done;
  });

  /** A server that says SERVING (both health checks) but ends every stream UNAVAILABLE before its first message. */
  async function cannotStream(): Promise<{ address: string; streams: () => number; stop: () => void }> {
    const pkg = loadChanPackage();
    const server = new grpc.Server();
    let streams = 0;
    server.addService(pkg.TradingService.service, {
      StreamAnalysis: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        streams++;
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'not now' });
      },
      HealthCheck: (_: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { serving: true }),
    });
    server.addService(pkg.Health.service, { Check: (_: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { status: 'SERVING' }) });
    const port = await new Promise<number>((ok, fail) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
    );
    return { address: `127.0.0.1:${port}`, streams: () => streams, stop: () => server.forceShutdown() };
  }

  it('watch(): a server that says SERVING but ends every new stream UNAVAILABLE before its first message is asked again every 500 ms, not in a tight loop', async () => {
    const fake = await cannotStream();
    const streams = fake.streams;
    const fc = new FailoverClient([fake.address]);
    let interrupted = 0;
    const t0 = performance.now();
    const w = fc.watch(S, () => {}, { onInterrupted: () => interrupted++ });
    await until(() => streams() >= 3);
    const elapsed = performance.now() - t0;
    w.cancel();
    await w.done;
    fc.close();
    fake.stop();
    // Two pauses of 500 ms between the three attempts (without them: 527 attempts in 1.2 s).
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect([streams() - 1, streams()]).toContain(interrupted);
  });

  it('watch(): on a later address it tries the preferred one every interval, and stays where it is while that one cannot stream', async () => {
    const fake = await cannotStream();
    const [b] = await twoServers();
    const fc = new FailoverClient([fake.address, b.address], { healthCheckIntervalMs: 100 });
    closers.unshift(async () => (fc.close(), fake.stop()));
    const seen: [string, boolean, number][] = [];
    const said: string[] = [];
    const w = fc.watch({ ...S, initialLastN: 2 }, (u, address) => seen.push([address, u.initial, u.barCount]), {
      onInterrupted: (address) => said.push(`ended ${address}`),
      onResumed: (address) => said.push(`resumed ${address}`),
    });
    await until(() => seen.length === 1);
    // The preferred address says SERVING: a stream is opened there each interval, and each one fails.
    const before = fake.streams();
    await until(() => fake.streams() >= before + 3);
    await b.client.submitKlines({ ...S, klines: klines(SSE, 500, 501) });
    await until(() => seen.length === 2);
    expect(seen).toEqual([
      [b.address, true, 500],
      [b.address, false, 501],
    ]);
    expect(said).toEqual([`ended ${fake.address}`, `resumed ${b.address}`]);
    expect(fc.active).toBe(b.address);
    w.cancel();
    await w.done;
  });

  it('watch(): with no server serving within resubscribeWithinMs it rejects UNAVAILABLE; cancel() while it waits ends it at once', async () => {
    const [a] = await twoServers();
    const fc = new FailoverClient([a.address], { healthCheckIntervalMs: 100, responseTimeoutMs: 100 });
    closers.unshift(async () => fc.close());
    let updates = 0;
    const w = fc.watch(S, () => updates++, { resubscribeWithinMs: 300 });
    await until(() => updates === 1);
    await a.server.shutdown();
    expect((await rejection(w.done)).code).toBe(grpc.status.UNAVAILABLE);

    const again = await startTestServer(testConfig({ store: a.config.service.store }));
    closers.push(() => again.close());
    const fc2 = new FailoverClient([again.address], { healthCheckIntervalMs: 100, responseTimeoutMs: 100 });
    closers.unshift(async () => fc2.close());
    let waiting = false,
      first = false;
    const w2 = fc2.watch(S, () => (first = true), { onInterrupted: () => (waiting = true) });
    await until(() => first);
    await again.server.shutdown();
    await until(() => waiting);
    const t0 = performance.now();
    w2.cancel();
    await w2.done;
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('request errors are not retried elsewhere; no server at all is UNAVAILABLE', async () => {
    const t = await startTestServer();
    closers.push(() => t.close());
    const fc = new FailoverClient([t.address, '127.0.0.1:1'], { deadlineMs: 2000 });
    expect((await rejection(fc.run((c) => c.calculatePens({ symbol: 'NOPE', timeframe: 'TIMEFRAME_D1' })))).code).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(fc.switches).toEqual([]);
    fc.close();
    const none = new FailoverClient(['127.0.0.1:1', '127.0.0.1:2'], { deadlineMs: 1000 });
    expect((await rejection(none.run((c) => c.getStatus()))).code).toBe(grpc.status.UNAVAILABLE);
    none.close();
  });

  /** A server that counts its standard health checks: every stream sends one message and stays open, every GetStatus answers after 1 s. */
  async function countingChecks(): Promise<{ address: string; checks: () => number; stop: () => void }> {
    const pkg = loadChanPackage();
    const server = new grpc.Server();
    let checks = 0;
    server.addService(pkg.TradingService.service, {
      StreamAnalysis: (call: grpc.ServerWritableStream<unknown, unknown>) => void call.write({ initial: true, barCount: 1 }),
      GetStatus: (_: unknown, cb: grpc.sendUnaryData<unknown>) => void setTimeout(() => cb(null, {}), 1000),
    });
    server.addService(pkg.Health.service, {
      Check: (_: unknown, cb: grpc.sendUnaryData<unknown>) => {
        checks++;
        cb(null, { status: 'SERVING' });
      },
    });
    const port = await new Promise<number>((ok, fail) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
    );
    return { address: `127.0.0.1:${port}`, checks: () => checks, stop: () => server.forceShutdown() };
  }

  it('40 subscriptions and 40 waiting calls of one client share its health checks: one per interval, not one each', async () => {
    const fake = await countingChecks();
    const fc = new FailoverClient([fake.address], { healthCheckIntervalMs: 100 });
    let updates = 0;
    const watches = Array.from({ length: 40 }, (_, i) => fc.watch({ ...S, symbol: `S${i}` }, () => updates++));
    await until(() => updates === 40);
    const before = fake.checks();
    // 40 calls answered after 1 s each: 10 intervals.
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 40 }, () => fc.run((c) => c.getStatus())));
    const elapsed = performance.now() - t0,
      checks = fake.checks() - before;
    for (const w of watches) w.cancel();
    await Promise.all(watches.map((w) => w.done));
    fc.close();
    fake.stop();
    // Without sharing: 80 checks per interval (about 800). At least one every other interval: a check
    // follows the last one's answer, which a loaded machine delays.
    expect(checks).toBeGreaterThanOrEqual(Math.floor(elapsed / 200));
    expect(checks).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
  });

  it('40 subscriptions that lose their address at once: a few checks of the next address between them, then one per interval of each address', async () => {
    const fake = await countingChecks();
    const fc = new FailoverClient(['127.0.0.1:1', fake.address], { healthCheckIntervalMs: 100 });
    const preferred = (fc as unknown as { clients: ChanClient[] }).clients[0]!;
    const check = preferred.serving.bind(preferred);
    let preferredChecks = 0;
    preferred.serving = (ms) => (preferredChecks++, check(ms));
    let updates = 0;
    // Every stream on the first address fails at once (nothing listens there): all move to the second.
    const start = performance.now();
    const watches = Array.from({ length: 40 }, (_, i) => fc.watch({ ...S, symbol: `S${i}` }, () => updates++));
    await until(() => updates === 40);
    const moved = fake.checks(),
      t0 = performance.now(),
      moving = t0 - start;
    await new Promise((r) => setTimeout(r, 1000));
    const [checks, again, elapsed] = [fake.checks() - moved, preferredChecks, performance.now() - t0];
    for (const w of watches) w.cancel();
    await Promise.all(watches.map((w) => w.done));
    fc.close();
    fake.stop();
    // Without sharing: 40 checks to move, then 40 of each address per interval (about 400 each). The
    // streams end within a few ms of each other: a check answers those that fail within its interval
    // (a loaded machine spreads their failures over more intervals: 4 checks were seen once).
    expect(moved).toBeLessThanOrEqual(Math.min(10, Math.ceil(moving / 100) + 2));
    expect(checks).toBeGreaterThanOrEqual(Math.floor(elapsed / 200));
    expect(checks).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    expect(again).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
  });

  it('a call whose request cannot be made (a throw before any promise) is rejected with that error, not left unhandled', async () => {
    const fc = new FailoverClient(['127.0.0.1:1', '127.0.0.1:2'], { healthCheckIntervalMs: 50 });
    const bad = new RangeError('--last-n must be a positive integer');
    await expect(
      fc.run(() => {
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(fc.switches).toEqual([]);
    fc.close();
  });
});
