// The service's memory has a budget: the analysis cache holds at most service.cache_max_mb, the live
// stream analyzers at most service.streams_max_mb (a new stream past it is refused), and opening a
// stream on a long series replays it in slices, so health checks are answered meanwhile.
import { status as Code } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateBars } from '../src/core/bars.js';
import type { Bars } from '../src/core/types.js';
import type { AnalysisUpdate } from '../src/service/messages.js';
import { fixtureBars } from './support/helpers.js';
import { klines, rejection, startTestServer, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length;
const MB = 1024 * 1024;

/** SPY hourly repeated (each repetition 5 % higher) to n bars: a long series with real pens. */
function longSeries(n: number): Bars {
  const spy = fixtureBars('spy_1h_19980102_20210331');
  const m = spy.high.length;
  const b = allocateBars(n);
  for (let i = 0; i < n; i++) {
    const j = i % m,
      f = 1 + 0.05 * Math.floor(i / m);
    b.timestamp[i] = 1_000_000_000_000 + i * 3_600_000;
    b.open[i] = spy.open[j]! * f;
    b.high[i] = spy.high[j]! * f;
    b.low[i] = spy.low[j]! * f;
    b.close[i] = spy.close[j]! * f;
    b.volume[i] = spy.volume[j]!;
  }
  return b;
}

async function submitAll(t: TestServer, s: { symbol: string; timeframe: string }, b: Bars): Promise<void> {
  for (let i = 0; i < b.timestamp.length; i += 50_000)
    await t.client.submitKlines({ ...s, klines: klines(b, i, Math.min(b.timestamp.length, i + 50_000)) });
}

describe('the analysis cache has a byte budget', () => {
  let t: TestServer;
  beforeAll(async () => {
    // 1 MB: SSE daily's analysis (its bars, columns and objects) fits; 10 of them do not.
    t = await startTestServer(testConfig({ cacheMaxMb: 1, maxBarsPerRequest: 100_000 }));
    await t.client.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: klines(SSE) });
  });
  afterAll(() => t.close());

  it('keeps what fits, evicts the least recent beyond it, and reports the bytes held', async () => {
    const S = { symbol: 'SSE', timeframe: 'TIMEFRAME_D1' };
    await t.client.calculatePens(S);
    expect((await t.client.calculatePens(S)).cached).toBe(true);
    const one = (await t.client.getStatus()).cacheBytes;
    expect(one).toBeGreaterThan(N * 48); // at least its bars
    expect(one).toBeLessThanOrEqual(MB * 1.25);
    // Other options are other entries: their bytes push the first one out.
    const macds = [5, 6, 7, 8, 9, 10, 11, 12].map((fast) => t.client.getMacd({ ...S, fast, slow: 30 }));
    await Promise.all(macds);
    const s = await t.client.getStatus();
    expect(s.cacheBytes).toBeLessThanOrEqual(MB * 1.25);
    expect((await t.client.calculatePens(S)).cached).toBe(false);
  });

  it('an analysis larger than the whole budget is answered but not kept', async () => {
    const big = longSeries(20_000);
    await submitAll(t, { symbol: 'BIG', timeframe: 'TIMEFRAME_H1' }, big);
    const B = { symbol: 'BIG', timeframe: 'TIMEFRAME_H1' };
    expect((await t.client.calculatePens(B)).total).toBeGreaterThan(400);
    expect((await t.client.calculatePens(B)).cached).toBe(false);
  });
});

describe('the live streams have a byte budget', () => {
  let t: TestServer;
  beforeAll(async () => {
    // 2 MB: SSE daily's analyzer (3,332 bars) fits; one over 20,000 bars does not.
    t = await startTestServer(testConfig({ streamsMaxMb: 2, maxBarsPerRequest: 100_000 }));
    await t.client.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: klines(SSE) });
    await submitAll(t, { symbol: 'BIG', timeframe: 'TIMEFRAME_H1' }, longSeries(20_000));
  });
  afterAll(() => t.close());

  it('a new stream past the budget is refused with RESOURCE_EXHAUSTED naming the setting; a live one is shared', async () => {
    const first: AnalysisUpdate[] = [];
    const sub = t.client.streamAnalysis({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }, (u) => first.push(u));
    for (let i = 0; i < 200 && first.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(first[0]?.initial).toBe(true);
    const held = (await t.client.getStatus()).streamBytes;
    expect(held).toBeGreaterThan(N * 72);
    const e = await rejection(t.client.streamAnalysis({ symbol: 'BIG', timeframe: 'TIMEFRAME_H1' }, () => undefined).done);
    expect(e.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(e.details).toMatch(
      /^stream memory budget is full: 1 live streams hold \d+ MB, this one needs about \d+ MB, the budget \(service\.streams_max_mb\) is 2 MB$/,
    );
    // A second subscriber of the live series shares its analyzer: no budget needed.
    const second: AnalysisUpdate[] = [];
    const sub2 = t.client.streamAnalysis({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1' }, (u) => second.push(u));
    for (let i = 0; i < 200 && second.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(second[0]?.barCount).toBe(N);
    sub.cancel();
    sub2.cancel();
    await Promise.all([sub.done, sub2.done]);
  });
});

describe('opening a stream on a long series', () => {
  let t: TestServer;
  const B = { symbol: 'LONG', timeframe: 'TIMEFRAME_H1' };
  beforeAll(async () => {
    t = await startTestServer(testConfig({ maxBarsPerRequest: 100_000 }));
    await submitAll(t, B, longSeries(150_000));
  }, 120_000);
  afterAll(() => t.close());

  it('replays the stored bars in slices: health checks are answered before the stream is ready', async () => {
    const order: string[] = [];
    const sub = t.client.streamAnalysis(B, (u) => {
      if (u.initial) order.push('stream ready');
    });
    // Health checks while the 150,000 bars are replayed (seconds with structures on).
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await t.client.healthCheck();
      order.push('health');
    }
    for (let i = 0; i < 3000 && !order.includes('stream ready'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(order.indexOf('stream ready')).toBeGreaterThanOrEqual(5);
    const pens = await t.client.calculatePens(B);
    sub.cancel();
    await sub.done;
    expect(pens.total).toBeGreaterThan(3000);
  }, 120_000);
});
