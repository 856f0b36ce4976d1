// The gRPC service end to end: a real client against a server on an ephemeral loopback port.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { analyze } from '../src/engines/ts/pipeline.js';
import { ConfigError } from '../src/core/errors.js';
import { inProcessBackend } from '../src/failover/backend.js';
import { createCoordinator } from '../src/failover/create.js';
import { createEmbeddedWasmEngine } from '../src/engines/wasm/embedded.js';
import { BarStore } from '../src/service/bar-store.js';
import { ChanClient, FailoverClient } from '../src/service/client.js';
import { loadChanPackage } from '../src/service/proto.js';
import { fixtureBars } from './support/helpers.js';
import { klines, rejection, sqlitePath, startTestServer, tempDir, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length; // 3332
const S = { symbol: 'SH.000001', timeframe: 'TIMEFRAME_D1' };
const { status: Code } = grpc;

describe('service: SubmitKlines and the analyses on the stored series', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('stores batches, is idempotent on re-submission and lets only the last bar change', async () => {
    const a = await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 2000) });
    expect(a).toEqual({
      received: 2000,
      inserted: 2000,
      updated: 0,
      unchanged: 0,
      storedCount: 2000,
      lastTimestamp: SSE.timestamp[1999],
      warnings: [],
    });
    // Overlapping batch: 10 stored bars again, then the rest.
    const b = await t.client.submitKlines({ ...S, klines: klines(SSE, 1990, N) });
    expect(b).toMatchObject({ received: N - 1990, inserted: N - 2000, updated: 0, unchanged: 10, storedCount: N });
    const again = await t.client.submitKlines({ ...S, klines: klines(SSE) });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: N, storedCount: N });
  });

  it('CalculatePens returns the analysis of the whole stored series (equal to analyze())', async () => {
    const expected = analyze(SSE).pens;
    const r = await t.client.calculatePens(S);
    expect(r.total).toBe(202);
    expect(r.barCount).toBe(N);
    expect(r.engine).toBe('wasm');
    expect(
      r.pens.map((p) => [p.index, p.direction, p.startTime, p.endTime, p.startPrice, p.endPrice, p.startBar, p.endBar, p.confirmed]),
    ).toEqual(
      expected.map((p) => [
        p.index,
        `DIRECTION_${p.direction.toUpperCase()}`,
        p.startTime,
        p.endTime,
        p.startPrice,
        p.endPrice,
        p.startRaw,
        p.endRaw,
        p.confirmed,
      ]),
    );
    const last = await t.client.calculatePens({ ...S, lastN: 2 });
    expect(last.pens.map((p) => [p.index, p.direction, p.startPrice, p.endPrice, p.confirmed])).toEqual([
      [200, 'DIRECTION_UP', 2802.47, 3456.97, true],
      [201, 'DIRECTION_DOWN', 3456.97, 3209.76, false],
    ]);
    expect(last.cached).toBe(true);
    const confirmed = await t.client.calculatePens({ ...S, confirmedOnly: true, lastN: 1 });
    expect([confirmed.total, confirmed.pens[0]!.index]).toEqual([201, 200]);
    const traditional = await t.client.calculatePens({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
    expect(traditional.total).toBe(183);
    expect(traditional.cached).toBe(false);
  });

  it('GetKlines returns the stored bars (all or the last n, with the index of the first); an unknown series is NOT_FOUND', async () => {
    const all = await t.client.getKlines(S);
    expect([all.firstIndex, all.barCount, all.klines.length]).toEqual([0, N, N]);
    expect(all.klines).toEqual(klines(SSE));
    const last = await t.client.getKlines({ ...S, lastN: 2 });
    expect(last.firstIndex).toBe(N - 2);
    expect(last.klines).toEqual(klines(SSE, N - 2, N));
    expect((await rejection(t.client.getKlines({ ...S, symbol: 'NOPE' }))).code).toBe(Code.NOT_FOUND);
  });

  it('CalculateSegments with LEVEL_SEGMENT: the segments of segments, their "pens" being segments', async () => {
    const expected = analyze(SSE).segmentsOfSegments;
    const r = await t.client.calculateSegments({ ...S, level: 'LEVEL_SEGMENT' });
    expect(r.total).toBe(expected.length);
    expect(r.total).toBeGreaterThan(2);
    expect(
      r.segments.map((s) => [s.index, s.direction, s.startPen, s.endPen, s.startBar, s.endBar, s.endPrice, s.confirmed, s.endCase]),
    ).toEqual(
      expected.map((s) => [
        s.index,
        `DIRECTION_${s.direction.toUpperCase()}`,
        s.startSegment,
        s.endSegment,
        s.startRaw,
        s.endRaw,
        s.endPrice,
        s.confirmed,
        0,
      ]),
    );
  });

  it('CalculateSegments: all, confirmed only, last_n', async () => {
    const r = await t.client.calculateSegments(S);
    const expected = analyze(SSE).segments;
    expect(r.total).toBe(28);
    expect(r.segments.map((s) => [s.index, s.startPen, s.endPen, s.confirmed, s.endCase])).toEqual(
      expected.map((s) => [s.index, s.startPen, s.endPen, s.confirmed, s.endCase ?? 0]),
    );
    expect((await t.client.calculateSegments({ ...S, confirmedOnly: true })).total).toBe(25);
    const last = await t.client.calculateSegments({ ...S, lastN: 1 });
    expect(last.segments.map((s) => [s.index, s.direction, s.startPrice, s.endPrice, s.startPen, s.endPen, s.confirmed])).toEqual([
      [27, 'DIRECTION_DOWN', 3456.97, 3209.76, 201, 201, false],
    ]);
  });

  it('CalculatePivots and GetBuySellPoints: both levels equal analyze(), last_n, options per request', async () => {
    const a = analyze(SSE);
    const pens = await t.client.calculatePivots(S);
    expect(pens.total).toBe(26);
    expect(
      pens.pivots.map((z) => [
        z.index,
        z.startLine,
        z.endLine,
        z.startBar,
        z.endBar,
        z.low,
        z.high,
        z.mid,
        z.peakLow,
        z.peakHigh,
        z.confirmed,
        z.enteringLine,
        z.leavingLine,
      ]),
    ).toEqual(
      a.pivots.pen.map((z) => [
        z.index,
        z.startLine,
        z.endLine,
        z.startRaw,
        z.endRaw,
        z.low,
        z.high,
        z.mid,
        z.peakLow,
        z.peakHigh,
        z.confirmed,
        z.enteringLine,
        z.leavingLine ?? undefined,
      ]),
    );
    const seg = await t.client.calculatePivots({ ...S, level: 'LEVEL_SEGMENT', lastN: 1 });
    expect([seg.total, seg.pivots.length, seg.pivots[0]!.index]).toEqual([2, 1, 1]);
    const points = await t.client.getBuySellPoints(S);
    expect(points.total).toBe(17);
    expect(
      points.points.map((p) => [p.line, p.bar, p.time, p.price, p.side, p.types, p.confirmed, p.divergenceRate, p.relatedLine]),
    ).toEqual(
      a.buySellPoints.pen.map((p) => [
        p.line,
        p.rawIndex,
        p.time,
        p.price,
        p.side === 'buy' ? 'SIDE_BUY' : 'SIDE_SELL',
        p.types,
        p.confirmed,
        p.divergenceRate ?? undefined,
        p.relatedLine ?? undefined,
      ]),
    );
    // A reply holds the message's fields only: no virtual oneof keys (`_leavingLine: 'leavingLine'`
    // for each optional field set), which showed in `chan pivots --json` too.
    expect(Object.keys(pens.pivots.at(-1)!).filter((k) => k.startsWith('_'))).toEqual([]);
    expect(Object.keys(points.points.at(-1)!).filter((k) => k.startsWith('_'))).toEqual([]);
    // chan.py's code default (no MACD test) for this request only: 46 points, as its oracle has.
    const inf = await t.client.getBuySellPoints({ ...S, lastN: 2, options: { points: { divergenceRate: Infinity } } });
    expect([inf.total, inf.points.length, inf.cached]).toEqual([46, 2, false]);
    expect(inf.points.map((p) => p.line)).toEqual(
      analyze(SSE, { structures: { points: { pen: { divergenceRate: Infinity } } } })
        .buySellPoints.pen.slice(-2)
        .map((p) => p.line),
    );
    // Per side: buys without the MACD test, sells of types 1 and 1p only.
    const sides = await t.client.getBuySellPoints({ ...S, options: { buy: { divergenceRate: Infinity }, sell: { types: ['1', '1p'] } } });
    const expected = analyze(SSE, { structures: { points: { pen: { buy: { divergenceRate: Infinity }, sell: { types: ['1', '1p'] } } } } })
      .buySellPoints.pen;
    expect(sides.points.map((p) => [p.line, p.side, p.types])).toEqual(
      expected.map((p) => [p.line, p.side === 'buy' ? 'SIDE_BUY' : 'SIDE_SELL', p.types]),
    );
    expect(new Set(sides.points.map((p) => p.side))).toEqual(new Set(['SIDE_BUY', 'SIDE_SELL']));
    expect(sides.points.filter((p) => p.side === 'SIDE_SELL').every((p) => p.types[0] === '1' || p.types[0] === '1p')).toBe(true);
  });

  it('GetMACD: configured periods, presets, explicit periods, TA-Lib seed; last_n', async () => {
    const r = await t.client.getMacd({ ...S, lastN: 1 });
    expect([r.fast, r.slow, r.signal, r.points.length]).toEqual([12, 26, 9, 1]);
    expect(r.points[0]!.timestamp).toBe(SSE.timestamp[N - 1]);
    expect(r.points[0]!.dif).toBeCloseTo(117.2986, 4);
    expect(r.points[0]!.dea).toBeCloseTo(110.6233, 4);
    expect(r.points[0]!.histogram).toBeCloseTo(13.3506, 4);
    const fast = await t.client.getMacd({ ...S, preset: 'fast', lastN: 3 });
    const m = analyze(SSE, { macd: { fast: 8, slow: 17, signal: 9 } }).macd;
    expect([fast.fast, fast.slow, fast.signal]).toEqual([8, 17, 9]);
    expect(fast.points.map((p) => p.dif)).toEqual(Array.from(m.dif.subarray(N - 3)));
    const custom = await t.client.getMacd({ ...S, preset: 'fast', slow: 30 });
    expect([custom.fast, custom.slow, custom.signal, custom.points.length]).toEqual([8, 30, 9, N]);
    // TA-Lib convention: undefined until slow + signal - 2 bars, histogram unscaled (the sma seed's default scale).
    const sma = await t.client.getMacd({ ...S, seed: 'MACD_SEED_SMA' });
    expect(sma.points.length).toBe(N - (26 + 9 - 2));
    expect(sma.points[0]!.timestamp).toBe(SSE.timestamp[26 + 9 - 2]);
    const p = sma.points.at(-1)!;
    expect(p.histogram).toBe(p.dif - p.dea);
    const scaled = await t.client.getMacd({ ...S, seed: 'MACD_SEED_SMA', histogramScale: 2 });
    expect(scaled.points.at(-1)!.histogram).toBe(2 * (p.dif - p.dea));
  });

  it('HealthCheck and GetStatus report the engine, counters, versions and store', async () => {
    expect(await t.client.healthCheck({ deep: true })).toEqual({
      serving: true,
      degraded: false,
      activeEngine: 'wasm',
      activeRole: 'primary',
    });
    const s = await t.client.getStatus();
    expect(s).toMatchObject({
      activeEngine: 'wasm',
      degraded: false,
      primaryEngine: 'wasm',
      backupEngine: 'ts',
      primaryLoaded: true,
      failoverCount: 0,
      version: '0.1.0',
      serverRole: 'primary',
    });
    expect(s.nodeVersion).toBe(process.versions.node);
    expect(s.sqliteVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(s.store).toMatchObject({ series: 1, bars: N });
    expect(s.store.fileBytes).toBeGreaterThan(N * 40);
    expect(s.methods.find((m) => m.method === 'SubmitKlines')).toEqual({ method: 'SubmitKlines', calls: 3, errors: 0 });
    expect(s.cacheHits).toBeGreaterThan(0);
    expect(s.engineCalls).toBeGreaterThan(0);
  });

  it('a new bar invalidates the cache; the last bar may be replaced, older history may not', async () => {
    const lastT = SSE.timestamp[N - 1]!;
    const next = { timestamp: lastT + 86_400_000, open: 3210, high: 3300, low: 3200, close: 3290, volume: 1 };
    await t.client.submitKlines({ ...S, klines: [next] });
    const r = await t.client.calculatePens(S);
    expect([r.cached, r.barCount]).toEqual([false, N + 1]);
    // The still-forming bar updates.
    const upd = await t.client.submitKlines({ ...S, klines: [{ ...next, close: 3250 }] });
    expect(upd).toMatchObject({ inserted: 0, updated: 1, unchanged: 0, storedCount: N + 1 });
    // Rewriting a closed bar: FAILED_PRECONDITION naming the batch index and the field.
    const old = klines(SSE, N - 3, N);
    old[1] = { ...old[1]!, close: old[1]!.close + 1 };
    const e = await rejection(t.client.submitKlines({ ...S, klines: old }));
    expect([e.code, e.index, e.field]).toEqual([Code.FAILED_PRECONDITION, '1', 'close']);
    expect(e.details).toContain('bar 1: close');
    expect(e.details).toContain('only the last stored bar');
    // Inserting between stored bars is rewriting history too.
    const gap = await rejection(t.client.submitKlines({ ...S, klines: [{ ...next, timestamp: lastT + 3_600_000 }] }));
    expect([gap.code, gap.index, gap.field]).toEqual([Code.FAILED_PRECONDITION, '0', 'timestamp']);
    expect((await t.client.getStatus()).store.bars).toBe(N + 1);
  });
});

describe('service: bad input gets the right status code and stores nothing', () => {
  let t: TestServer;
  const good = klines(SSE, 0, 50);
  beforeAll(async () => {
    t = await startTestServer(testConfig({ maxBarsPerRequest: 1000, maxMessageBytes: 64 * 1024 }));
    await t.client.submitKlines({ ...S, klines: good });
  });
  afterAll(() => t.close());

  const batch = (patch: (k: ReturnType<typeof klines>) => void) => {
    const k = klines(SSE, 50, 60);
    patch(k);
    return k;
  };

  it.each([
    ['NaN close', batch((k) => (k[3]!.close = NaN)), '3', 'close', 'bar 3: close is not a finite number (NaN)'],
    ['high < low', batch((k) => Object.assign(k[4]!, { high: 1, low: 2 })), '4', 'high', 'bar 4: high 1 is below low 2'],
    ['unsorted', batch((k) => ([k[5], k[6]] = [k[6]!, k[5]!])), '6', 'timestamp', 'unsorted'],
    ['duplicate', batch((k) => (k[7]!.timestamp = k[6]!.timestamp)), '7', 'timestamp', 'duplicates the previous timestamp'],
    ['negative volume', batch((k) => (k[2]!.volume = -1)), '2', 'volume', 'bar 2: volume is negative (-1)'],
    // A finite but huge price used to pass, overflow the MACD and degrade the server for everyone.
    [
      'price above 1e15',
      batch((k) => Object.assign(k[5]!, { high: 1e308, close: 1e308 })),
      '5',
      'high',
      'bar 5: high 1e+308 is above the largest price accepted, 1e15',
    ],
  ])('%s: INVALID_ARGUMENT naming the bar and field, nothing stored', async (_name, k, index, field, text) => {
    const e = await rejection(t.client.submitKlines({ ...S, klines: k }));
    expect([e.code, e.index, e.field]).toEqual([Code.INVALID_ARGUMENT, index, field]);
    expect(e.details).toContain(text);
    expect((await t.client.getStatus()).store.bars).toBe(50);
  });

  it('empty batch, missing symbol, bad symbol, unspecified timeframe: INVALID_ARGUMENT', async () => {
    expect((await rejection(t.client.submitKlines({ ...S, klines: [] }))).details).toContain('bars: input is empty');
    expect((await rejection(t.client.submitKlines({ timeframe: 'TIMEFRAME_D1', klines: good }))).code).toBe(Code.INVALID_ARGUMENT);
    expect((await rejection(t.client.calculatePens({ symbol: 'bad symbol!', timeframe: 'TIMEFRAME_D1' }))).details).toContain(
      'symbol "bad symbol!"',
    );
    const tf = await rejection(t.client.calculatePens({ symbol: 'X' }));
    expect([tf.code, tf.details]).toEqual([
      Code.INVALID_ARGUMENT,
      expect.stringContaining('timeframe must be one of TIMEFRAME_M1, TIMEFRAME_M3'),
    ]);
  });

  it('unknown symbol or timeframe: NOT_FOUND', async () => {
    const e = await rejection(t.client.calculatePens({ symbol: 'NOPE', timeframe: 'TIMEFRAME_D1' }));
    expect([e.code, e.details]).toEqual([Code.NOT_FOUND, 'no bars stored for NOPE D1']);
    expect((await rejection(t.client.getMacd({ ...S, timeframe: 'TIMEFRAME_M5' }))).code).toBe(Code.NOT_FOUND);
  });

  it('an enum value the proto does not define: INVALID_ARGUMENT naming the field (was INTERNAL "toLowerCase is not a function")', async () => {
    const bad = 9 as unknown as string;
    const pen = await rejection(t.client.calculatePens({ ...S, pen: { definition: bad } }));
    expect([pen.code, pen.details]).toEqual([
      Code.INVALID_ARGUMENT,
      'pen.definition must be one of PEN_DEFINITION_NEW_3KLINE, PEN_DEFINITION_TRADITIONAL, got 9',
    ]);
    const check = await rejection(t.client.calculatePens({ ...S, pen: { fractalCheck: bad } }));
    expect([check.code, check.details]).toEqual([
      Code.INVALID_ARGUMENT,
      'pen.fractal_check must be one of FRACTAL_CHECK_STRICT, FRACTAL_CHECK_HALF, FRACTAL_CHECK_LOSS, got 9',
    ]);
    const seed = await rejection(t.client.getMacd({ ...S, seed: bad }));
    expect([seed.code, seed.details]).toEqual([Code.INVALID_ARGUMENT, 'seed must be one of MACD_SEED_FIRST_CLOSE, MACD_SEED_SMA, got 9']);
  });

  it('a very long symbol is refused with a short message: what is echoed is capped', async () => {
    const e = await rejection(t.client.calculatePens({ symbol: 'X'.repeat(60_000), timeframe: 'TIMEFRAME_D1' }));
    expect(e.code).toBe(Code.INVALID_ARGUMENT);
    expect(e.details).toBe(`symbol "${'X'.repeat(64)}…" (60000 characters) must be 1-64 characters of A-Z a-z 0-9 . _ : / -`);
  });

  it('structure options and levels out of range: INVALID_ARGUMENT naming the key', async () => {
    const e = await rejection(t.client.getBuySellPoints({ ...S, options: { sell: { maxBsp2Rate: 2 } } }));
    expect([e.code, e.details]).toEqual([
      Code.INVALID_ARGUMENT,
      'config structures.points.pen.sell.max_bsp2_rate: must be a number above 0 and at most 1, got 2',
    ]);
    // A level number the proto does not define (a newer client): named, not read as the pen level.
    const l = await rejection(t.client.calculatePivots({ ...S, level: 7 as unknown as string }));
    expect([l.code, l.details]).toEqual([Code.INVALID_ARGUMENT, 'level must be one of LEVEL_PEN, LEVEL_SEGMENT, got 7']);
  });

  it('an enum name the proto does not have is refused by the client (it was sent as 0: LEVEL_SEGMENTS gave the pen level)', async () => {
    const l = await rejection(t.client.calculatePivots({ ...S, level: 'LEVEL_SEGMENTS' }));
    expect([l.code, l.details]).toEqual([
      Code.INVALID_ARGUMENT,
      'level must be one of LEVEL_UNSPECIFIED, LEVEL_PEN, LEVEL_SEGMENT, got "LEVEL_SEGMENTS"',
    ]);
    // Nested fields too, and through a FailoverClient (not retried elsewhere: the request is wrong).
    const fc = new FailoverClient([t.address]);
    try {
      const d = await rejection(fc.run((c) => c.calculatePens({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONL' } })));
      expect([d.code, d.details]).toEqual([
        Code.INVALID_ARGUMENT,
        'pen.definition must be one of PEN_DEFINITION_UNSPECIFIED, PEN_DEFINITION_NEW_3KLINE, PEN_DEFINITION_TRADITIONAL, got "PEN_DEFINITION_TRADITIONL"',
      ]);
    } finally {
      fc.close();
    }
    const stream = t.client.streamAnalysis({ ...S, timeframe: 'TIMEFRAME_D2' }, () => {});
    expect((await rejection(stream.done)).details).toMatch(
      /^timeframe must be one of TIMEFRAME_UNSPECIFIED, TIMEFRAME_M1, .*, got "TIMEFRAME_D2"$/,
    );
    // Valid names and numbers reach the server (which has no such series).
    for (const level of ['LEVEL_SEGMENT', 2]) {
      const r = await rejection(t.client.calculatePivots({ symbol: 'NOTHING', timeframe: 'TIMEFRAME_D1', level: level as string }));
      expect([r.code, r.details]).toEqual([Code.NOT_FOUND, 'no bars stored for NOTHING D1']);
    }
  });

  it('bad options: INVALID_ARGUMENT naming the option', async () => {
    const e = await rejection(t.client.getMacd({ ...S, preset: 'turbo' }));
    expect([e.code, e.field]).toEqual([Code.INVALID_ARGUMENT, 'preset']);
    expect(e.details).toContain('unknown MACD preset "turbo"');
    const p = await rejection(t.client.getMacd({ ...S, fast: 30, slow: 26 }));
    expect([p.code, p.field]).toEqual([Code.INVALID_ARGUMENT, 'macd.fast_period']);
    const m = await rejection(t.client.calculatePens({ ...S, pen: { minKlinesBetweenTurns: 0 } }));
    expect([m.code, m.field]).toEqual([Code.INVALID_ARGUMENT, 'pen.min_klines_between_turns']);
  });

  it('too many bars or too large a message: RESOURCE_EXHAUSTED', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ timestamp: 1e12 + i, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
    const e = await rejection(t.client.submitKlines({ ...S, klines: many }));
    expect([e.code, e.details]).toEqual([Code.RESOURCE_EXHAUSTED, '1001 klines in one request; the limit is 1000 (split the batch)']);
    // About 54 bytes a bar on the wire: 1300 bars exceed the 64 KiB message limit (checked before decoding).
    const big = Array.from({ length: 1300 }, (_, i) => ({ timestamp: 1e12 + i, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
    const m = await rejection(t.client.submitKlines({ ...S, klines: big }));
    expect(m.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(m.details).toMatch(/larger than max/);
    expect((await t.client.getStatus()).store.bars).toBe(50);
  });
});

describe('service: timestamps and timeframes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('timestamps that look like seconds or microseconds are refused unless the unit is named; then they are converted', async () => {
    const k = (t: number, i: number) => ({ timestamp: t, open: 10, high: 11 + i, low: 9, close: 10, volume: 1 });
    const secs = [0, 1, 2].map((i) => k(1234567890 + i * 86_400, i));
    const e = await rejection(t.client.submitKlines({ symbol: 'SEC', timeframe: 'TIMEFRAME_D1', klines: secs }));
    expect([e.code, e.index, e.field]).toEqual([Code.INVALID_ARGUMENT, '0', 'timestamp']);
    expect(e.details).toBe(
      'bar 0: timestamp 1234567890 looks like seconds (2009-02-13T23:31:30.000Z as seconds, 1970-01-15T06:56:07.890Z as milliseconds): send milliseconds since the epoch, or set timestamp_unit to TIMESTAMP_UNIT_SECONDS (TIMESTAMP_UNIT_MILLISECONDS keeps these as they are)',
    );
    const ok = await t.client.submitKlines({
      symbol: 'SEC',
      timeframe: 'TIMEFRAME_D1',
      klines: secs,
      timestampUnit: 'TIMESTAMP_UNIT_SECONDS',
    });
    expect([ok.inserted, ok.lastTimestamp]).toEqual([3, (1234567890 + 2 * 86_400) * 1000]);
    const micros = [0, 1, 2].map((i) => k(1_600_000_000_000_000 + i * 86_400_000_000, i));
    expect((await rejection(t.client.submitKlines({ symbol: 'US', timeframe: 'TIMEFRAME_D1', klines: micros }))).details).toMatch(
      /^bar 0: timestamp 1600000000000000 looks like microseconds \(2020-09-13T12:26:40.000Z as microseconds/,
    );
    const us = await t.client.submitKlines({
      symbol: 'US',
      timeframe: 'TIMEFRAME_D1',
      klines: micros,
      timestampUnit: 'TIMESTAMP_UNIT_MICROSECONDS',
    });
    expect(us.lastTimestamp).toBe(1_600_000_000_000 + 2 * 86_400_000);
  });

  it('bars closer than the timeframe allows are refused naming the bar; bars far wider apart are stored with a warning', async () => {
    const k = (t: number) => ({ timestamp: t, open: 10, high: 11, low: 9, close: 10, volume: 1 });
    const m5 = [0, 1, 2, 3].map((i) => k(1_600_000_000_000 + i * 300_000));
    const e = await rejection(t.client.submitKlines({ symbol: 'TF', timeframe: 'TIMEFRAME_D1', klines: m5 }));
    expect([e.code, e.index, e.details]).toEqual([
      Code.INVALID_ARGUMENT,
      '1',
      'bar 1: timestamp is 300000 ms after the previous bar, less than half a TIMEFRAME_D1 bar (86400000 ms): is the timeframe right?',
    ]);
    // Daily bars sent as M5: possible for a sparse series, so stored, with a warning naming D1.
    const daily = await t.client.submitKlines({ symbol: 'TF', timeframe: 'TIMEFRAME_M5', klines: klines(SSE, 0, 40) });
    expect(daily.inserted).toBe(40);
    expect(daily.warnings).toEqual([
      expect.stringMatching(/^the bars are a median 86400000 ms apart, 288 TIMEFRAME_M5 bars: is the timeframe TIMEFRAME_D1\?$/),
    ]);
    expect((await t.client.submitKlines({ symbol: 'TF', timeframe: 'TIMEFRAME_D1', klines: klines(SSE, 0, 40) })).warnings).toEqual([]);
  });
});

describe('service: standard health service, reflection, auth, metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(testConfig(), { authToken: 's3cret' });
  });
  afterAll(() => t.close());

  it('grpc.health.v1: SERVING for the server and ChanService, NOT_FOUND for other names', async () => {
    const h = new (loadChanPackage().Health)(t.address, grpc.credentials.createInsecure()) as any;
    const check = (service: string) =>
      new Promise<any>((res, rej) => h.Check({ service }, (e: unknown, r: unknown) => (e ? rej(e) : res(r))));
    expect(await check('')).toEqual({ status: 'SERVING' });
    expect(await check('trading.v1.TradingService')).toEqual({ status: 'SERVING' });
    expect((await rejection(check('nope'))).code).toBe(Code.NOT_FOUND);
    h.close();
  });

  it.each(['v1', 'v1alpha'])('reflection (%s) lists the services with the token, and is UNAUTHENTICATED without it', async (version) => {
    const reflDir = dirname(require_.resolve('@grpc/reflection/package.json'));
    const def = protoLoader.loadSync(join(reflDir, `build/proto/grpc/reflection/${version}/reflection.proto`));
    const pkg = grpc.loadPackageDefinition(def) as any;
    const c = new pkg.grpc.reflection[version].ServerReflection(t.address, grpc.credentials.createInsecure());
    const list = (token?: string) =>
      new Promise<string[]>((res, rej) => {
        const md = new grpc.Metadata();
        if (token) md.set('authorization', `Bearer ${token}`);
        const stream = c.ServerReflectionInfo(md);
        stream.on('data', (r: any) => {
          res(r.listServicesResponse.service.map((s: { name: string }) => s.name));
          stream.end();
        });
        stream.on('error', rej);
        stream.write({ listServices: '' });
      });
    expect(await list('s3cret')).toEqual(expect.arrayContaining(['trading.v1.TradingService', 'grpc.health.v1.Health']));
    // The API's description follows the token like the API itself (health stays open).
    const e = await rejection(list());
    expect([e.code, e.details]).toEqual([Code.UNAUTHENTICATED, 'missing or wrong bearer token (metadata "authorization: Bearer <token>")']);
    c.close();
  });

  it('ChanService calls need the bearer token: UNAUTHENTICATED without it or with a wrong one', async () => {
    const none = new ChanClient(t.address);
    const wrong = new ChanClient(t.address, { token: 's3cres' });
    const right = new ChanClient(t.address, { token: 's3cret' });
    for (const c of [none, wrong]) {
      const e = await rejection(c.submitKlines({ ...S, klines: klines(SSE, 0, 10) }));
      expect([e.code, e.details]).toEqual([
        Code.UNAUTHENTICATED,
        'missing or wrong bearer token (metadata "authorization: Bearer <token>")',
      ]);
      expect((await rejection(c.getStatus())).code).toBe(Code.UNAUTHENTICATED);
    }
    expect((await right.submitKlines({ ...S, klines: klines(SSE, 0, 10) })).inserted).toBe(10);
    expect((await right.getStatus()).store.bars).toBe(10);
    // The standard health check stays open to load balancers.
    expect(await none.serving()).toBe(true);
    for (const c of [none, wrong, right]) c.close();
    // The CLI says how to give the token (asynchronous: the server runs in this process).
    const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
    const cli = await promisify(execFile)(process.execPath, [main, 'status', '--addr', t.address], {
      encoding: 'utf8',
      env: { ...process.env, CHAN_AUTH_TOKEN: '' },
    }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => e,
    );
    expect([cli.code, cli.stderr]).toEqual([
      1,
      'chan: 16 UNAUTHENTICATED: missing or wrong bearer token (metadata "authorization: Bearer <token>"); give it with --token T or $CHAN_AUTH_TOKEN\n',
    ]);
  });

  it('/metrics: RPC latency by method, engine and code; active engine; failovers', async () => {
    const c = new ChanClient(t.address, { token: 's3cret' });
    await c.calculatePens(S);
    await rejection(c.calculatePens({ symbol: 'NOPE', timeframe: 'TIMEFRAME_D1' }));
    c.close();
    const res = await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/chan_rpc_duration_seconds_count\{method="CalculatePens",engine="wasm",code="OK"\} 1\n/);
    expect(text).toMatch(/chan_rpc_duration_seconds_count\{method="CalculatePens",engine="wasm",code="NOT_FOUND"\} 1\n/);
    expect(text).toMatch(/chan_rpc_duration_seconds_count\{method="SubmitKlines",engine="wasm",code="UNAUTHENTICATED"\} 2\n/);
    expect(text).toContain('chan_active_engine{engine="wasm"} 1\nchan_active_engine{engine="ts"} 0\n');
    expect(text).toContain('chan_degraded 0\n');
    expect(text).toContain('chan_failovers_total 0\n');
    expect(text).toContain('chan_store_bars 10\n');
    expect((await fetch(`http://127.0.0.1:${t.server.metricsPort}/other`)).status).toBe(404);
  });
});

describe('service: no token on a public address', () => {
  it('listening beyond loopback without an auth token logs a warning saying who can write; on loopback it does not', async () => {
    const warnings = async (host: string) => {
      const lines: { level: number; msg: string }[] = [];
      const logger = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l)) });
      const t = await startTestServer(testConfig({ host }), { logger });
      await t.close();
      return lines.filter((l) => l.level === 40).map((l) => l.msg);
    };
    expect(await warnings('0.0.0.0')).toEqual([
      'no auth token (CHAN_AUTH_TOKEN is not set): anyone who can reach 0.0.0.0 can read and write every series; set it, or listen on 127.0.0.1',
    ]);
    expect(await warnings('127.0.0.1')).toEqual([]);
  });
});

describe('service: TLS', () => {
  it('serves over TLS with the configured certificate; a plaintext client cannot connect', async () => {
    const tls = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'tls');
    const t = await startTestServer(testConfig({ tlsCert: join(tls, 'server.crt'), tlsKey: join(tls, 'server.key') }));
    const secure = new ChanClient(`localhost:${t.server.port}`, { caFile: join(tls, 'server.crt') });
    expect((await secure.submitKlines({ ...S, klines: klines(SSE, 0, 5) })).inserted).toBe(5);
    const plain = new ChanClient(`127.0.0.1:${t.server.port}`, { deadlineMs: 2000 });
    expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]).toContain((await rejection(plain.getStatus())).code);
    secure.close();
    plain.close();
    await t.close();
  });

  it('a certificate or key that is not PEM is a ConfigError naming the setting and the file (it said "cannot listen")', async () => {
    const tls = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'tls');
    const notPem = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'README.md');
    for (const [cert, key, setting, path] of [
      [notPem, join(tls, 'server.key'), 'service.tls_cert', notPem],
      [join(tls, 'server.crt'), notPem, 'service.tls_key', notPem],
    ] as const) {
      const e = await startTestServer(testConfig({ tlsCert: cert, tlsKey: key })).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).key).toBe(setting);
      expect((e as ConfigError).message.startsWith(`config ${setting}: ${path} is not a PEM`)).toBe(true);
    }
    // A file that is not there.
    const none = join(tempDir(), 'none.crt');
    await expect(startTestServer(testConfig({ tlsCert: none, tlsKey: join(tls, 'server.key') }))).rejects.toThrow(
      `config service.tls_cert: cannot read ${none}: no such file`,
    );
    // A key of another certificate.
    const other = join(tempDir(), 'other.key');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const cert = join(tls, 'server.crt');
    await expect(startTestServer(testConfig({ tlsCert: cert, tlsKey: other }))).rejects.toThrow(
      `config service.tls_key: ${other} is not the private key of ${cert}`,
    );
  });
});

describe('service: graceful shutdown', () => {
  it('in-flight calls finish, later calls are refused, the store is closed with every bar kept', async () => {
    const config = testConfig();
    // An engine that takes 300 ms, so the call is certainly running when the shutdown starts.
    const inner = inProcessBackend(createEmbeddedWasmEngine());
    const slow = { ...inner, analyze: async (...a: Parameters<typeof inner.analyze>) => (await sleep(300), inner.analyze(...a)) };
    const t = await startTestServer(config, { coordinator: await createCoordinator(config, { createWasm: () => slow }) });
    await t.client.submitKlines({ ...S, klines: klines(SSE) });
    // A health watcher sees SERVING, then NOT_SERVING as soon as the shutdown starts.
    const h = new (loadChanPackage().Health)(t.address, grpc.credentials.createInsecure()) as any;
    const watch = h.Watch({ service: 'trading.v1.TradingService' });
    const seen: string[] = [];
    const notServing = new Promise<void>((resolve) =>
      watch.on('data', (r: { status: string }) => {
        seen.push(r.status);
        if (r.status === 'NOT_SERVING') {
          watch.cancel();
          resolve();
        }
      }),
    );
    watch.on('error', () => undefined);
    await sleep(20);
    const order: string[] = [];
    const inflight = t.client
      .calculateSegments({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } })
      .then((r) => (order.push('call answered'), r));
    await sleep(100);
    const done = t.server.shutdown().then(() => order.push('shutdown done'));
    await notServing;
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
    expect((await inflight).total).toBe(25);
    await done;
    expect(order).toEqual(['call answered', 'shutdown done']);
    h.close();
    expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]).toContain((await rejection(t.client.getStatus())).code);
    t.client.close();
    const store = new BarStore(sqlitePath(config));
    expect((await store.info(S.symbol, 'D1'))?.count).toBe(N);
    await store.close();
  });
});

const require_ = createRequire(import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
