// Failover under injected faults; every scenario is deterministic (no timers except the hang test's
// own time limit).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tsEngine } from '../src/engines/ts/index.js';
import { BarValidationError, InputError } from '../src/core/errors.js';
import type { AnalysisResult, Bars } from '../src/core/types.js';
import { allocateBars, sliceBars } from '../src/core/bars.js';
import { inProcessBackend, type EngineBackend } from '../src/failover/backend.js';
import { canaryBars, CANARY_FINGERPRINT, CANARY_OPTIONS } from '../src/failover/canary.js';
import { EngineCoordinator, type Logger } from '../src/failover/coordinator.js';
import { EngineFailureError } from '../src/core/errors.js';
import { fingerprint } from '../src/failover/fingerprint.js';
import { createWorkerBackend } from '../src/node/worker-backend.js';
import { createEmbeddedWasmEngine, embeddedWasmBytes } from '../src/engines/wasm/embedded.js';
import { createWasmEngine } from '../src/engines/wasm/engine.js';
import { barSeries } from './support/arbitraries.js';
import { coordinatorOptions, faultyWasm, breakPenStart, nanInMacd, subtlyWrong, trap, tsBackend } from './support/failover-helpers.js';
import { fixtureBars } from './support/helpers.js';
import { expectSame } from './support/same.js';
import { resolveOptions } from '../src/core/options.js';

const bars = fixtureBars('sse_000001_1d_20061106_20200716');
const expected = fingerprint(tsEngine.analyze(bars));
const realWasm = () => inProcessBackend(createEmbeddedWasmEngine());
const script = new URL('./fixtures/hanging-engine-worker.mjs', import.meta.url);

describe('canary', () => {
  it('both engines produce the known fingerprint', () => {
    expect(fingerprint(tsEngine.analyze(canaryBars(), CANARY_OPTIONS))).toBe(CANARY_FINGERPRINT);
    expect(fingerprint(createEmbeddedWasmEngine().analyze(canaryBars(), CANARY_OPTIONS))).toBe(CANARY_FINGERPRINT);
  });
});

describe('load failures start on the TS engine', () => {
  it.each([
    ['missing bytes', () => new Uint8Array(0)],
    ['corrupt header', () => embeddedWasmBytes().map((b, i) => (i < 4 ? 0 : b))],
    ['truncated module', () => embeddedWasmBytes().slice(0, 3000)],
  ])('%s', async (_name, bytes) => {
    const c = await EngineCoordinator.create(coordinatorOptions(() => inProcessBackend(createWasmEngine(bytes()))));
    const s = c.status();
    expect([s.active, s.activeRole, s.degraded, s.primaryLoaded, s.failures.load]).toEqual(['ts', 'backup', true, false, 1]);
    expect(s.lastError?.kind).toBe('load');
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    // A health check retries the load; it still fails, so the backup keeps serving.
    await c.healthCheck();
    expect(c.status().failures.load).toBe(2);
    expect(c.status().active).toBe('ts');
  });
});

describe('failures on a call', () => {
  it('a trap on call 2 is answered by TS; a second consecutive failure switches', async () => {
    const primary = faultyWasm((n, r) => (n === 2 || n === 3 ? trap() : r));
    const c = await EngineCoordinator.create(coordinatorOptions(() => primary));
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect(fingerprint(await c.analyze(bars))).toBe(expected); // trapped, answered by TS
    let s = c.status();
    expect([s.active, s.failures.error, s.consecutiveFailures, s.primaryCalls, s.backupCalls]).toEqual(['wasm', 1, 1, 2, 1]);
    expect(s.lastError).toMatchObject({ role: 'primary', kind: 'error', message: 'unreachable' });
    expect(fingerprint(await c.analyze(bars))).toBe(expected); // trapped again: switch
    s = c.status();
    expect([s.active, s.degraded, s.failures.error, s.switches.length]).toEqual(['ts', true, 2, 1]);
    expect(s.switches[0]).toMatchObject({ from: 'primary', to: 'backup', reason: '2 consecutive failures, last: error' });
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect(primary.calls).toBe(3); // the primary is no longer called
  });

  it('a success in between resets the consecutive count', async () => {
    const primary = faultyWasm((n, r) => (n === 1 || n === 3 ? trap() : r));
    const c = await EngineCoordinator.create(coordinatorOptions(() => primary));
    for (let i = 0; i < 4; i++) await c.analyze(bars);
    expect([c.status().active, c.status().failures.error, c.status().consecutiveFailures]).toEqual(['wasm', 2, 0]);
  });

  it.each([
    ['a broken pen start', breakPenStart, 'pen 1 has a wrong start: it does not start where the previous pen ends'],
    ['NaN in the MACD', nanInMacd, 'MACD value at bar 3331 is not finite'],
  ])('%s is detected as invalid output, answered by TS, and switches', async (_n, corrupt, message) => {
    const c = await EngineCoordinator.create(coordinatorOptions(() => faultyWasm((_, r) => corrupt(r))));
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect(c.status().lastError?.message).toContain(message);
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect([c.status().active, c.status().failures['invalid-output']]).toEqual(['ts', 2]);
  });

  it('shadow verification catches well-formed but wrong output and logs a reproducer', async () => {
    const logged: string[] = [];
    const logger: Logger = { info() {}, warn() {}, error: (o) => void logged.push(JSON.stringify(o)) };
    const c = await EngineCoordinator.create(
      coordinatorOptions(() => faultyWasm((_, r) => subtlyWrong(r)), { shadowFraction: 0.5, logger }),
    );
    expect(fingerprint(await c.analyze(bars))).not.toBe(expected); // not sampled: the wrong answer goes through
    expect(fingerprint(await c.analyze(bars))).toBe(expected); // sampled: the backup's answer is returned
    const s = c.status();
    expect(s.failures['shadow-mismatch']).toBe(1);
    const rep = JSON.parse(JSON.parse(logged[0]!).reproducer);
    expect(rep.bars.close).toHaveLength(3332);
    expect(rep.options.pen.definition).toBe('new_3kline');
  });

  it('a failure the backup reproduces on the same input is an input fault: the caller gets an InputError, the engines no failure', async () => {
    // Both engines return invalid output for this input (what a 1e308 close did before prices were bounded).
    const both = (r: AnalysisResult) => (r.barCount === 3332 ? nanInMacd(r) : r);
    const backup = { ...tsBackend(), analyze: async (...a: Parameters<EngineBackend['analyze']>) => both(await tsBackend().analyze(...a)) };
    const c = await EngineCoordinator.create(coordinatorOptions(() => faultyWasm((_, r) => both(r)), { backup }));
    for (let i = 0; i < 5; i++) {
      const e = await c.analyze(bars).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toBe('the input cannot be analysed (both engines fail on it): MACD value at bar 3331 is not finite');
    }
    const s = c.status();
    expect([s.active, s.degraded, s.consecutiveFailures, s.switches.length]).toEqual(['wasm', false, 0, 0]);
    expect(Object.values(s.failures).every((v) => v === 0)).toBe(true);
    // Other input still goes to the primary, and a failure of the primary alone still counts.
    expect(fingerprint(await c.analyze(sliceBars(bars, 0, 3000)))).toBe(fingerprint(tsEngine.analyze(sliceBars(bars, 0, 3000))));
    expect(c.status().primaryCalls).toBe(6);
  });

  it("bad input is the caller's error, not an engine failure", async () => {
    const c = await EngineCoordinator.create(coordinatorOptions(realWasm));
    const bad: Bars = { ...bars, high: bars.high.slice() };
    bad.high[7] = NaN;
    await expect(c.analyze(bad)).rejects.toThrow(BarValidationError);
    await expect(c.analyze(bad)).rejects.toThrow('bar 7: high is not a finite number (NaN)');
    expect(Object.values(c.status().failures).every((v) => v === 0)).toBe(true);
  });

  it('an in-process call that returns after the limit counts as a timeout but its valid answer is used', async () => {
    const slow = faultyWasm((_, r) => {
      const until = performance.now() + 30;
      while (performance.now() < until);
      return r;
    });
    const c = await EngineCoordinator.create(coordinatorOptions(() => slow, { responseTimeoutMs: 10 }));
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect([c.status().failures.timeout, c.status().backupCalls]).toEqual([1, 0]);
  });
});

describe('failover disabled', () => {
  it('errors surface and nothing switches', async () => {
    const c = await EngineCoordinator.create(
      coordinatorOptions(() => faultyWasm((n, r) => (n <= 3 ? trap() : n === 4 ? nanInMacd(r) : r)), { failoverEnabled: false }),
    );
    for (let i = 0; i < 3; i++) await expect(c.analyze(bars)).rejects.toMatchObject({ name: 'EngineFailureError', kind: 'error' });
    await expect(c.analyze(bars)).rejects.toThrow(EngineFailureError);
    await expect(c.analyze(bars)).resolves.toBeDefined();
    const s = c.status();
    expect([s.active, s.switches.length, s.backupCalls, s.failures.error, s.failures['invalid-output']]).toEqual(['wasm', 0, 0, 3, 1]);
  });
});

describe('health checks and failback', () => {
  it('switches back after consecutive healthy checks once the primary recovers', async () => {
    let broken = true;
    const primary = faultyWasm((_, r) => (broken ? trap() : r));
    const c = await EngineCoordinator.create(coordinatorOptions(() => primary));
    await c.analyze(bars);
    await c.analyze(bars);
    expect(c.status().active).toBe('ts');
    await c.healthCheck(); // still broken
    expect(c.status().lastHealthCheck).toMatchObject({ primaryHealthy: false, backupHealthy: true });
    expect(c.status().failures.canary).toBe(1);
    broken = false;
    await c.healthCheck();
    expect([c.status().active, c.status().consecutiveHealthyChecks]).toEqual(['ts', 1]);
    await c.healthCheck();
    const s = c.status();
    expect([s.active, s.degraded, s.switches.length, s.healthChecks]).toEqual(['wasm', false, 2, 3]);
    expect(s.switches[1]).toMatchObject({ from: 'backup', to: 'primary', reason: '2 consecutive healthy checks' });
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    expect(c.status().primaryCalls).toBe(3);
  });

  it('a wrong canary answer while active counts as a failure', async () => {
    const c = await EngineCoordinator.create(
      coordinatorOptions(() => faultyWasm((_, r) => subtlyWrong(r)), { maxFailuresBeforeSwitch: 2 }),
    );
    await c.healthCheck();
    await c.healthCheck();
    expect(c.status().active).toBe('ts');
    expect(c.status().lastError?.message).toMatch(/^canary fingerprint [0-9a-f]{8}, expected 1ce4628d$/);
  });

  it('without failback the backup keeps serving', async () => {
    let broken = true;
    const c = await EngineCoordinator.create(
      coordinatorOptions(() => faultyWasm((_, r) => (broken ? trap() : r)), { failbackEnabled: false }),
    );
    await c.analyze(bars);
    await c.analyze(bars);
    broken = false;
    for (let i = 0; i < 4; i++) await c.healthCheck();
    expect(c.status().active).toBe('ts');
  });
});

describe('worker-thread mode', () => {
  it('a hung call times out, is answered by TS, and the worker is replaced', async () => {
    const calls = new SharedArrayBuffer(4);
    const backend = await createWorkerBackend({ script, workerData: { calls, hangOn: [2] } });
    const c = await EngineCoordinator.create(coordinatorOptions(() => backend, { responseTimeoutMs: 1_000 }));
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    const t0 = performance.now();
    expect(fingerprint(await c.analyze(bars))).toBe(expected); // hangs in the worker: timeout, TS answers
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect([c.status().failures.timeout, backend.restarts]).toEqual([1, 1]);
    expect(fingerprint(await c.analyze(bars))).toBe(expected); // the new worker answers
    expect([c.status().active, c.status().consecutiveFailures, c.status().primaryCalls, c.status().backupCalls]).toEqual(['wasm', 0, 3, 1]);
    await c.stop();
  }, 30_000);

  it("a worker's answer equals the in-process one, its pen, pivot and point objects and histogram made when read (not copied between threads)", async () => {
    const backend = await createWorkerBackend({ script, workerData: { calls: new SharedArrayBuffer(4), hangOn: [] } });
    // The sma seed's histogram scale is 1 (first_close: 2): the receiver must use the options' scale.
    for (const options of [resolveOptions({}), resolveOptions({ macd: { seed: 'sma' } })]) {
      const r = await backend.analyze(bars, options, 10_000);
      expect(typeof Object.getOwnPropertyDescriptor(r, 'pens')?.get).toBe('function');
      expect(typeof Object.getOwnPropertyDescriptor(r.macd, 'histogram')?.get).toBe('function');
      for (const group of [r.pivots, r.buySellPoints]) {
        expect(typeof Object.getOwnPropertyDescriptor(group, 'pen')?.get).toBe('function');
        expect(typeof Object.getOwnPropertyDescriptor(group, 'segment')?.get).toBe('function');
      }
      expectSame(r, tsEngine.analyze(bars, options));
    }
    // Structures off: none arrive.
    const off = await backend.analyze(bars, resolveOptions({ structures: { enabled: false } }), 10_000);
    expect([off.pivots.pen, off.pivots.segment, off.buySellPoints.pen, off.buySellPoints.segment]).toEqual([[], [], [], []]);
    await backend.dispose();
  }, 30_000);

  it('a worker whose engine cannot load is a load failure', async () => {
    const c = await EngineCoordinator.create(
      coordinatorOptions(() => createWorkerBackend({ workerData: { wasmPath: '/nonexistent/chan.wasm' } })),
    );
    expect([c.status().active, c.status().failures.load]).toEqual(['ts', 1]);
    expect(c.status().lastError?.message).toContain('engine worker failed to start');
    await c.stop();
  }, 30_000);
});

describe('concurrent calls during a switch', () => {
  it('every call returns what the TS engine returns (in-process, traps and corruption)', async () => {
    const series = fc.sample(barSeries(800), { numRuns: 60, seed: 7 });
    const primary = faultyWasm((n, r) => (n % 5 === 0 ? trap() : n % 7 === 0 ? nanInMacd(r) : r));
    const c = await EngineCoordinator.create(coordinatorOptions(() => primary, { maxFailuresBeforeSwitch: 3 }));
    const results = await Promise.all(series.map((b) => c.analyze(b)));
    results.forEach((r, i) => expect(fingerprint(r)).toBe(fingerprint(tsEngine.analyze(series[i]!))));
    expect(c.status().calls).toBe(60);
  });

  it('every call returns what the TS engine returns (worker mode, a hang mid-stream)', async () => {
    const series = fc.sample(barSeries(800), { numRuns: 40, seed: 11 });
    const calls = new SharedArrayBuffer(4);
    const backend = await createWorkerBackend({ script, workerData: { calls, hangOn: [5] } });
    const c = await EngineCoordinator.create(coordinatorOptions(() => backend, { responseTimeoutMs: 500, maxFailuresBeforeSwitch: 1 }));
    const results = await Promise.all(series.map((b) => c.analyze(b)));
    results.forEach((r, i) => expect(fingerprint(r)).toBe(fingerprint(tsEngine.analyze(series[i]!))));
    const s = c.status();
    expect([s.active, s.failures.timeout, s.switches.length]).toEqual(['ts', 1, 1]);
    await c.stop();
  }, 30_000);
});

describe('real WASM failures, through the coordinator', () => {
  it('the 1 GiB memory cap: a series too large for linear memory traps inside the module; the TS engine answers', async () => {
    // The batch engine reserves about 100 bytes of linear memory per bar, capped at 16,384 pages
    // (1 GiB): up to about 10.7 million bars fit, 11 million do not.
    const n = 11_000_000;
    const big = allocateBars(n);
    let seed = 1;
    for (let i = 0, p = 1000; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // a deterministic random walk
      big.timestamp[i] = i * 60_000;
      big.open[i] = p;
      p = Math.max(10, p + ((seed >>> 16) % 9) - 4);
      big.close[i] = p;
      big.high[i] = Math.max(big.open[i]!, p) + 1;
      big.low[i] = Math.min(big.open[i]!, p) - 1;
      big.volume[i] = 1;
    }
    const c = await EngineCoordinator.create(coordinatorOptions(realWasm, { responseTimeoutMs: 60_000 }));
    const r = await c.analyze(big);
    expect(r.barCount).toBe(n);
    expect(r.pens.length).toBeGreaterThan(10_000);
    const s = c.status();
    expect([s.primaryCalls, s.backupCalls, s.failures.error]).toEqual([1, 1, 1]);
    expect(s.lastError).toMatchObject({ role: 'primary', kind: 'error', message: 'unreachable' });
  }, 120_000);

  it('an AssemblyScript abort inside the module becomes a WasmAbortError with its message and place; the TS engine answers', async () => {
    // The module's only aborts are the allocator's: one allocation over 1 GiB, i.e. an input of 2^27
    // bars or more. The backend hands the real engine the real bars with that length declared (the
    // module aborts in prepare(), before it reads any value); the coordinator gives TS the real bars.
    const engine = createEmbeddedWasmEngine();
    const aborting: EngineBackend = {
      name: 'wasm',
      interruptible: false,
      async analyze(b, o) {
        return engine.analyzeValidated({ ...b, high: { length: 2 ** 27 } as unknown as Float64Array }, o);
      },
      async dispose() {},
    };
    const c = await EngineCoordinator.create(coordinatorOptions(() => aborting));
    expect(fingerprint(await c.analyze(bars))).toBe(expected);
    const e = c.status().lastError!;
    expect([e.role, e.kind]).toEqual(['primary', 'error']);
    expect(e.message).toBe('wasm abort: Allocation too large at ~lib/rt/stub.ts:33:29');
  });
});
