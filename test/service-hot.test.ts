// Hot series: a series read after writes gets a streaming analyzer, so later reads cost the bars
// written since. Its answers must be the batch analysis's, through every RPC, after appends, a
// replaced last bar, writes by another server on the same store; an analyzer that fails, or whose
// answer fails the output check, is dropped and the batch path answers; the budget holds.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalysisOptions } from '../src/core/options.js';
import type { Bars } from '../src/core/types.js';
import { tsStreamKernel } from '../src/engines/ts/kernel.js';
import type { ServiceConfig } from '../src/config/schema.js';
import { fixtureBars } from './support/helpers.js';
import { klines, startTestServer, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const S = { symbol: 'SSE', timeframe: 'TIMEFRAME_D1' } as const;
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(service: Partial<ServiceConfig> = {}, hotKernel = tsStreamKernel): Promise<TestServer> {
  const s = await startTestServer(testConfig(service), { hotKernel });
  servers.push(s);
  return s;
}

/** Every analysis RPC's answer, without the fields that say how it was computed. */
async function answers(t: TestServer) {
  const strip = <T extends object>(r: T) => {
    const { engine: _e, cached: _c, ...rest } = r as T & { engine?: unknown; cached?: unknown };
    return rest;
  };
  const c = t.client;
  return {
    // The latest pens first: read from the analyzer without a snapshot (its own path), then the rest.
    lastPens: strip(await c.calculatePens({ ...S, lastN: 4 })),
    lastConfirmed: strip(await c.calculatePens({ ...S, lastN: 3, confirmedOnly: true })),
    lastSegments: strip(await c.calculateSegments({ ...S, lastN: 3 })),
    lastConfirmedSegments: strip(await c.calculateSegments({ ...S, lastN: 3, confirmedOnly: true })),
    lastSegmentsOfSegments: strip(await c.calculateSegments({ ...S, level: 'LEVEL_SEGMENT', lastN: 2 })),
    lastMacd: strip(await c.getMacd({ ...S, lastN: 5 })),
    lastPivots: strip(await c.calculatePivots({ ...S, level: 'LEVEL_PEN', lastN: 3 })),
    lastPoints: strip(await c.getBuySellPoints({ ...S, level: 'LEVEL_PEN', lastN: 4 })),
    lastSegmentPivots: strip(await c.calculatePivots({ ...S, level: 'LEVEL_SEGMENT', lastN: 2 })),
    lastSegmentPoints: strip(await c.getBuySellPoints({ ...S, level: 'LEVEL_SEGMENT', lastN: 2 })),
    pens: strip(await c.calculatePens(S)),
    segments: strip(await c.calculateSegments(S)),
    segsegs: strip(await c.calculateSegments({ ...S, level: 'LEVEL_SEGMENT' })),
    pivots: strip(await c.calculatePivots({ ...S, level: 'LEVEL_PEN' })),
    points: strip(await c.getBuySellPoints({ ...S, level: 'LEVEL_SEGMENT' })),
    macd: strip(await c.getMacd(S)),
  };
}

/** Writes bars [from, to) to each server. */
async function write(ts: TestServer[], bars: Bars, from: number, to: number) {
  for (const t of ts) await t.client.submitKlines({ ...S, klines: klines(bars, from, to) });
}

describe('hot series', () => {
  it('after a read, a write and a read, reads are answered by the analyzer: equal to the batch analysis through every RPC', async () => {
    const hot = await server();
    const batch = await server({ hotSeriesMaxMb: 0 });
    const both = [hot, batch];
    await write(both, SSE, 0, 2000);
    await answers(hot);
    await write(both, SSE, 2000, 2010);
    await answers(hot);
    await hot.server.service.hot.settled();
    expect(hot.server.service.hot.size).toBe(1);
    for (let end = 2020; end <= 2300; end += 70) {
      await write(both, SSE, end - 10, end);
      expect(await answers(hot)).toEqual(await answers(batch));
    }
    // A forming last bar replaced (its close and high changed), then the next bars.
    const n = 2300;
    const forming = { ...klines(SSE, n - 1, n)[0]!, close: SSE.close[n - 1]! + 5, high: Math.max(SSE.high[n - 1]!, SSE.close[n - 1]! + 5) };
    for (const t of both) expect((await t.client.submitKlines({ ...S, klines: [forming] })).updated).toBe(1);
    expect(await answers(hot)).toEqual(await answers(batch));
    await write(both, SSE, n, n + 50);
    expect(await answers(hot)).toEqual(await answers(batch));
    const counts = hot.server.service.hot.counts;
    expect(counts).toMatchObject({ built: 1, dropped: 0 });
    // One per write round (the other RPCs of a round are cache hits or other options).
    expect(counts.answers).toBeGreaterThanOrEqual(6);
    expect(batch.server.service.hot.counts).toEqual({ answers: 0, built: 0, dropped: 0 });
    const status = await hot.client.getStatus();
    expect([status.hotSeries, status.hotAnswers]).toEqual([1, counts.answers]);
    expect(status.hotSeriesBytes).toBe(hot.server.service.hot.bytes());
  }, 60_000);

  it('the latest confirmed segments and segments of segments (CalculateSegments with confirmed_only and last_n) are read from the analyzer without a snapshot, equal to the batch analysis, where unconfirmed ones stand among confirmed ones (MSFT daily, SSE daily)', async () => {
    for (const [name, level, from, to] of [
      ['msft_1d_19900102_20220310', 'LEVEL_PEN', 2000, 2500],
      ['sse_000001_1d_20061106_20200716', 'LEVEL_SEGMENT', 2600, 3100],
    ] as const) {
      const bars = fixtureBars(name);
      const hot = await server();
      const batch = await server({ hotSeriesMaxMb: 0 });
      const both = [hot, batch];
      const latest = async (t: TestServer, lastN: number) => {
        const { segments, total, barCount } = await t.client.calculateSegments({ ...S, level, lastN, confirmedOnly: true });
        return { segments, total, barCount };
      };
      await write(both, bars, 0, from);
      await latest(hot, 3);
      await write(both, bars, from, from + 10);
      await latest(hot, 3);
      await hot.server.service.hot.settled();
      const snapshots = vi.spyOn(hot.server.service.hot, 'answer');
      const answers = hot.server.service.hot.counts.answers;
      let unconfirmedAmong = 0;
      for (let end = from + 30; end <= to + 10; end += 20) {
        await write(both, bars, end - 20, end);
        const all = (await batch.client.calculateSegments({ ...S, level })).segments;
        if (all.findIndex((g) => !g.confirmed) < all.map((g) => g.confirmed).lastIndexOf(true)) unconfirmedAmong++;
        for (const n of [1, 3, 8]) expect(await latest(hot, n), `${name}: ${end} bars, last ${n}`).toEqual(await latest(batch, n));
      }
      expect(unconfirmedAmong, name).toBeGreaterThan(10);
      expect(snapshots, name).not.toHaveBeenCalled();
      expect(hot.server.service.hot.counts.answers - answers, name).toBe(25 * 3);
    }
  }, 60_000);

  it('follows writes made through another server on the same store file', async () => {
    const a = await server();
    const b = await startTestServer(a.config);
    servers.push(b);
    await write([a], SSE, 0, 1500);
    await answers(a);
    await write([b], SSE, 1500, 1510);
    await answers(a);
    await a.server.service.hot.settled();
    await write([b], SSE, 1510, 1600);
    const fromA = await answers(a);
    expect(a.server.service.hot.counts.answers).toBeGreaterThan(0);
    expect(fromA).toEqual(await answers(b));
    expect(fromA.pens.barCount).toBe(1600);
  }, 60_000);

  it('an analyzer whose engine fails, or whose answer fails the output check, is dropped; the batch path answers', async () => {
    /**
     * A TS kernel that traps at push number `failAt`, and whose pen 5 (`corrupt`, a pen no last-pens
     * read shows) or last final pen (`corruptLast`) ends a merged bar late.
     */
    const faulty = (fault: { failAt: number; corrupt: boolean; corruptLast: boolean; pushes: number }) =>
      Object.assign(
        (o: AnalysisOptions) => {
          const k = tsStreamKernel(o);
          const push = k.push.bind(k),
            pen = k.pen.bind(k);
          k.push = (...a) => {
            if (++fault.pushes === fault.failAt) throw new WebAssembly.RuntimeError('unreachable');
            return push(...a);
          };
          k.pen = (j) => {
            const r = pen(j);
            const late = (fault.corrupt && j === 5) || (fault.corruptLast && j === k.penCount() - 2);
            return late ? { ...r, endK: r.endK + 1 } : r;
          };
          return k;
        },
        { engine: 'wasm' as const },
      );
    for (const how of ['trap', 'corrupt', 'corruptLast'] as const) {
      const fault = { failAt: Infinity, corrupt: false, corruptLast: false, pushes: 0 };
      const hot = await server({}, faulty(fault));
      const batch = await server({ hotSeriesMaxMb: 0 });
      const both = [hot, batch];
      await write(both, SSE, 0, 1000);
      await answers(hot);
      await write(both, SSE, 1000, 1010);
      await answers(hot);
      await hot.server.service.hot.settled();
      expect(hot.server.service.hot.size).toBe(1);
      if (how === 'trap') fault.failAt = fault.pushes + 5;
      else fault[how] = true;
      await write(both, SSE, 1010, 1020);
      const dropped = hot.server.service.hot.counts.dropped;
      const latest = async (t: TestServer) => {
        const { pens, total, barCount } = await t.client.calculatePens({ ...S, lastN: 4 });
        return { pens, total, barCount };
      };
      expect(await latest(hot)).toEqual(await latest(batch));
      // Caught by the last pens' own check only where they show the corruption (or the engine trapped).
      expect(hot.server.service.hot.counts.dropped - dropped).toBe(how === 'corrupt' ? 0 : 1);
      expect(await answers(hot)).toEqual(await answers(batch));
      expect(hot.server.service.hot.counts).toMatchObject({ built: 1, dropped: 1 });
      expect(hot.server.service.hot.size).toBe(0);
      // Read after a write twice again, the series gets an analyzer again (on the TS engine).
      await write(both, SSE, 1020, 1030);
      await answers(hot);
      await hot.server.service.hot.settled();
      await write(both, SSE, 1030, 1040);
      expect(await answers(hot)).toEqual(await answers(batch));
      expect(hot.server.service.hot.counts).toMatchObject({ built: 2, dropped: 1 });
      await write([hot], SSE, 1040, 1041);
      expect((await hot.client.calculatePens(S)).engine).toBe('ts');
    }
  }, 60_000);

  it('the analyzers stay within service.hot_series_max_mb: a new one only when it fits, room made from those idle for a minute; a series too large gets none', async () => {
    const t = await server({ hotSeriesMaxMb: 1 });
    const hot = t.server.service.hot;
    let clock = 0;
    hot.now = () => clock;
    const tf = 'TIMEFRAME_D1' as const;
    const heat = async (symbol: string, n: number) => {
      await t.client.submitKlines({ symbol, timeframe: tf, klines: klines(SSE, 0, n) });
      await t.client.calculatePens({ symbol, timeframe: tf });
      await t.client.submitKlines({ symbol, timeframe: tf, klines: klines(SSE, n, n + 10) });
      await t.client.calculatePens({ symbol, timeframe: tf });
      await hot.settled();
    };
    /** Which of the symbols a read after a write is answered by an analyzer for. */
    const answered = async (symbols: string[], bar: number) => {
      const got: string[] = [];
      for (const symbol of symbols) {
        const before = hot.counts.answers;
        await t.client.submitKlines({ symbol, timeframe: tf, klines: klines(SSE, bar, bar + 1) });
        await t.client.calculatePens({ symbol, timeframe: tf });
        if (hot.counts.answers > before) got.push(symbol);
      }
      return got;
    };
    await heat('A', 1600);
    await heat('B', 1600);
    expect([hot.size, hot.counts.built]).toEqual([2, 2]);
    expect(hot.bytes()).toBeGreaterThan(1024 * 1024 * 0.3);
    // C would not fit with A and B, read just now: it gets none; A and B keep answering.
    await heat('C', 1600);
    expect([hot.size, hot.counts.built]).toEqual([2, 2]);
    expect(await answered(['A', 'B', 'C'], 1610)).toEqual(['A', 'B']);
    // A minute later only B was read again: C's next miss drops A (the least recently read) for it.
    clock = 30_000;
    expect(await answered(['B'], 1611)).toEqual(['B']);
    clock = 61_000;
    await answered(['C'], 1611);
    await hot.settled();
    expect([hot.size, hot.counts.built]).toEqual([2, 3]);
    expect(hot.bytes()).toBeLessThanOrEqual(1024 * 1024);
    expect(await answered(['A', 'B', 'C'], 1612)).toEqual(['B', 'C']);
    // 2,710 bars would need about 400 bytes each by the estimate made before building: more than 1 MB.
    clock = 1e9;
    await heat('D', 2700);
    expect(hot.counts.built).toBe(3);
  }, 60_000);
});
