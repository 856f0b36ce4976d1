// StreamAnalysis end to end: live updates as SubmitKlines writes bars, equal to the batch answers,
// and a restart that resumes from the saved analyzer state.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { AnalysisUpdate, BuySellPointMessage, PenMessage, PivotMessage, SegmentMessage } from '../src/service/messages.js';
import type { AnalysisOptions } from '../src/core/options.js';
import { embeddedWasmStreamKernel } from '../src/engines/wasm/embedded.js';
import { fixtureBars } from './support/helpers.js';
import { ChanClient } from '../src/service/client.js';
import { klines, rejection, startTestServer, tcpRelay, testConfig, type TestServer } from './support/service-helpers.js';

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');
const N = SSE.timestamp.length;
const S = { symbol: 'SH.000001', timeframe: 'TIMEFRAME_D1' };
const subscribers = async (t: TestServer) => (await t.client.getStatus()).streams.reduce((n, s) => n + s.subscribers, 0);

/** A consumer: applies the events of every update to its copy of the pens and segments. */
class Consumer {
  updates: AnalysisUpdate[] = [];
  pens = new Map<number, PenMessage>();
  segments = new Map<number, SegmentMessage>();
  /** Pivots by level and index, points by level and line. */
  pivots = new Map<string, Map<number, PivotMessage>>([
    ['LEVEL_PEN', new Map()],
    ['LEVEL_SEGMENT', new Map()],
  ]);
  points = new Map<string, Map<number, BuySellPointMessage>>([
    ['LEVEL_PEN', new Map()],
    ['LEVEL_SEGMENT', new Map()],
  ]);
  onUpdate = (u: AnalysisUpdate) => {
    this.updates.push(u);
    // An initial message (the first, or a resync) replaces everything held.
    if (u.initial) {
      this.pens.clear();
      this.segments.clear();
      for (const m of [...this.pivots.values(), ...this.points.values()]) m.clear();
    }
    for (const e of u.events) {
      if (e.type === 'EVENT_TYPE_PEN_REMOVED') this.pens.delete(e.index);
      else if (e.type === 'EVENT_TYPE_SEGMENT_REMOVED') this.segments.delete(e.index);
      else if (e.type === 'EVENT_TYPE_PIVOT_REMOVED') this.pivots.get(e.level!)!.delete(e.index);
      else if (e.type === 'EVENT_TYPE_POINT_WITHDRAWN') this.points.get(e.level!)!.delete(e.index);
      else if (e.pivot) this.pivots.get(e.level!)!.set(e.index, e.pivot);
      else if (e.point) this.points.get(e.level!)!.set(e.index, e.point);
      else if (e.type.startsWith('EVENT_TYPE_PEN')) this.pens.set(e.index, e.pen!);
      else this.segments.set(e.index, e.segment!);
    }
  };
  async waitFor(count: number): Promise<void> {
    for (let i = 0; i < 500 && this.updates.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    expect(this.updates.length).toBe(count);
  }
  list<T>(m: Map<number, T>): T[] {
    return [...m.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }
}

describe('StreamAnalysis', () => {
  it('streams one update per written bar; the events rebuild exactly what CalculatePens/Segments return; resumes after a restart', async () => {
    const config = testConfig();
    let t = await startTestServer(config);
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 2000) });

    const c = new Consumer();
    const sub = t.client.streamAnalysis({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } }, c.onUpdate);
    await c.waitFor(1);
    expect(c.updates[0]).toMatchObject({ initial: true, barIndex: 1999, barCount: 2000, timestamp: SSE.timestamp[1999] });

    // Bars 2000..2999 in batches of 100; bar 2500 first arrives as a forming bar, then is replaced.
    for (let i = 2000; i < 3000; i += 100) {
      if (i === 2500) {
        const forming = { ...klines(SSE, 2500, 2501)[0]!, high: SSE.open[2500]!, low: SSE.open[2500]!, close: SSE.open[2500]! };
        await t.client.submitKlines({ ...S, klines: [forming] });
      }
      await t.client.submitKlines({ ...S, klines: klines(SSE, i, i + 100) });
    }
    await c.waitFor(1 + 1000 + 1);
    const replaced = c.updates.filter((u) => u.replaced);
    expect(replaced.map((u) => u.barIndex)).toEqual([2500]);
    expect(c.updates.at(-1)).toMatchObject({ barIndex: 2999, barCount: 3000, initial: false });
    const pens = await t.client.calculatePens({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
    const segs = await t.client.calculateSegments({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
    expect(c.list(c.pens)).toEqual(pens.pens);
    expect(c.list(c.segments)).toEqual(segs.segments);
    // The structure events rebuild the pivots and points of both levels.
    for (const level of ['LEVEL_PEN', 'LEVEL_SEGMENT']) {
      const pivots = await t.client.calculatePivots({ ...S, level, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
      const points = await t.client.getBuySellPoints({ ...S, level, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
      expect(c.list(c.pivots.get(level)!)).toEqual(pivots.pivots);
      expect(c.list(c.points.get(level)!)).toEqual(points.points);
    }
    expect(c.pivots.get('LEVEL_PEN')!.size).toBeGreaterThan(5);
    expect(c.points.get('LEVEL_PEN')!.size).toBeGreaterThan(5);
    const macd = await t.client.getMacd({ ...S, lastN: 1 });
    expect(c.updates.at(-1)!.macd).toEqual(macd.points[0]);
    expect((await t.client.getStatus()).streams).toEqual([
      { symbol: S.symbol, timeframe: 'TIMEFRAME_D1', subscribers: 1, bars: 3000, restored: false, engine: 'wasm' },
    ]);

    // Shutdown saves the analyzer and ends the stream UNAVAILABLE (subscribe again: it did end OK, as
    // if the subscription were complete); a new server resumes from the saved analyzer.
    const ended = rejection(sub.done);
    await t.close();
    expect(await ended).toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: 'server shutting down: subscribe again (to another server, or to this one once it is back)',
    });
    t = await startTestServer(config);
    const c2 = new Consumer();
    const sub2 = t.client.streamAnalysis({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } }, c2.onUpdate);
    await c2.waitFor(1);
    expect((await t.client.getStatus()).streams).toEqual([
      { symbol: S.symbol, timeframe: 'TIMEFRAME_D1', subscribers: 1, bars: 3000, restored: true, engine: 'wasm' },
    ]);
    await t.client.submitKlines({ ...S, klines: klines(SSE, 3000, N) });
    await c2.waitFor(1 + (N - 3000));
    expect(c2.updates.at(-1)).toMatchObject({ barIndex: N - 1, barCount: N });
    // Initial state plus events equal the batch answers on all bars.
    const all = await t.client.calculatePens({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } });
    expect(c2.list(c2.pens)).toEqual(all.pens);
    expect(c2.list(c2.segments)).toEqual(
      (await t.client.calculateSegments({ ...S, pen: { definition: 'PEN_DEFINITION_TRADITIONAL' } })).segments,
    );
    sub2.cancel();
    await sub2.done;
    await t.close();
  }, 60_000);

  it('the WASM stream engine traps: the series is rebuilt on the TS engine and subscribers get its whole state again', async () => {
    const wasm = embeddedWasmStreamKernel();
    let pushes = 0;
    // A WASM kernel whose 2100th bar traps.
    const failing = Object.assign(
      (o: AnalysisOptions) => {
        const k = wasm(o);
        const push = k.push.bind(k);
        k.push = (...a) => {
          if (++pushes === 2100) throw new WebAssembly.RuntimeError('unreachable');
          return push(...a);
        };
        return k;
      },
      { engine: 'wasm' as const },
    );
    const t = await startTestServer(testConfig(), { streamKernel: failing });
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 2000) });
    const c = new Consumer();
    const sub = t.client.streamAnalysis(S, c.onUpdate);
    await c.waitFor(1);
    await t.client.submitKlines({ ...S, klines: klines(SSE, 2000, 2200) });
    // Bars 2000..2098 arrive as updates, then one resync with the state over all 2200 bars.
    await c.waitFor(1 + 99 + 1);
    const resync = c.updates.at(-1)!;
    expect(resync).toMatchObject({ initial: true, barCount: 2200 });
    await t.client.submitKlines({ ...S, klines: klines(SSE, 2200, 2300) });
    await c.waitFor(1 + 99 + 1 + 100);
    expect(c.list(c.pens)).toEqual((await t.client.calculatePens(S)).pens);
    expect(c.list(c.segments)).toEqual((await t.client.calculateSegments(S)).segments);
    expect((await t.client.getStatus()).streams).toEqual([
      { symbol: S.symbol, timeframe: 'TIMEFRAME_D1', subscribers: 1, bars: 2300, restored: false, engine: 'ts' },
    ]);
    sub.cancel();
    await t.close();
  });

  it('a subscriber whose updates cannot be sent is ended RESOURCE_EXHAUSTED once one waited stream_max_lag_ms; a reader gets every update', async () => {
    const t = await startTestServer(testConfig({ streamMaxLagMs: 1000 }));
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 2000) });
    const reader = new Consumer();
    const sub = t.client.streamAnalysis(S, reader.onUpdate);
    await reader.waitFor(1);
    // A subscriber through a relay that stops relaying (its network went quiet).
    const relay = await tcpRelay(t.server.port);
    const far = new ChanClient(`127.0.0.1:${relay.port}`);
    const stalledUpdates: AnalysisUpdate[] = [];
    const stalledSub = far.streamAnalysis(S, (u) => stalledUpdates.push(u));
    const stalledEnd = rejection(stalledSub.done);
    for (let i = 0; i < 500 && stalledUpdates.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    relay.stall();
    for (let i = 0; i < 500 && (await subscribers(t)) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await subscribers(t)).toBe(2);

    // Bursts of 100 updates at once: the reader keeps up, the stalled one's updates queue.
    for (let i = 2000; i < 3000; i += 100) await t.client.submitKlines({ ...S, klines: klines(SSE, i, i + 100) });
    await reader.waitFor(1 + 1000);
    expect(await subscribers(t)).toBe(2);
    await new Promise((r) => setTimeout(r, 1100));
    await t.client.submitKlines({ ...S, klines: klines(SSE, 3000, 3100) });
    await reader.waitFor(1 + 1100);
    expect(reader.updates.at(-1)).toMatchObject({ barIndex: 3099, barCount: 3100 });
    // The stalled one is no longer a subscriber. Its network back, it receives what was queued, then the status.
    expect(await subscribers(t)).toBe(1);
    relay.resume();
    expect(await stalledEnd).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'this subscriber reads too slowly: an update waited over 1000 ms unsent (service.stream_max_lag_ms); subscribe again',
    });
    // The initial message and the first 1,000 updates, none of the last burst.
    expect(stalledUpdates.length).toBe(1 + 1000);
    expect(stalledUpdates.at(-1)).toMatchObject({ barIndex: 2999, barCount: 3000 });
    relay.close();
    far.close();
    sub.cancel();
    await t.close();
  }, 60_000);

  it('a subscriber whose connection goes silent (no FIN, no RST) is dropped after keepalive_time_ms + keepalive_timeout_ms', async () => {
    const t = await startTestServer(testConfig({ keepaliveTimeMs: 300, keepaliveTimeoutMs: 300 }));
    await t.client.submitKlines({ ...S, klines: klines(SSE, 0, 2000) });
    // A subscriber through a relay that stops relaying without closing anything: a peer gone silent.
    const relay = await tcpRelay(t.server.port);
    const far = new ChanClient(`127.0.0.1:${relay.port}`);
    const c = new Consumer();
    const sub = far.streamAnalysis(S, c.onUpdate);
    sub.done.catch(() => undefined);
    await c.waitFor(1);
    expect(await subscribers(t)).toBe(1);

    relay.stall();
    const t0 = Date.now();
    while ((await subscribers(t)) > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(await subscribers(t)).toBe(0);
    // Not before the server's ping could have gone unanswered.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    relay.close();
    sub.cancel();
    far.close();
    await t.close();
  }, 30_000);

  it('unknown series: NOT_FOUND; bad timeframe: INVALID_ARGUMENT', async () => {
    const t = await startTestServer();
    const noop = () => undefined;
    expect((await rejection(t.client.streamAnalysis({ symbol: 'NOPE', timeframe: 'TIMEFRAME_D1' }, noop).done)).code).toBe(
      grpc.status.NOT_FOUND,
    );
    expect((await rejection(t.client.streamAnalysis({ symbol: 'NOPE' }, noop).done)).code).toBe(grpc.status.INVALID_ARGUMENT);
    await t.close();
  });
});
