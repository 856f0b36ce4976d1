// Fault injection for the failover tests: wrappers around a real engine backend.
import { tsEngine } from '../../src/engines/ts/index.js';
import type { AnalysisResult } from '../../src/core/types.js';
import { inProcessBackend, type EngineBackend } from '../../src/failover/backend.js';
import type { CoordinatorOptions } from '../../src/failover/coordinator.js';
import { createEmbeddedWasmEngine } from '../../src/engines/wasm/embedded.js';

export type Fault = (call: number, result: AnalysisResult) => AnalysisResult;

/** The real WASM engine in-process; `fault` may throw (trap) or return a corrupted result. */
export function faultyWasm(fault: Fault): EngineBackend & { calls: number } {
  const inner = inProcessBackend(createEmbeddedWasmEngine());
  const b = {
    name: 'wasm' as const,
    interruptible: false,
    calls: 0,
    async analyze(...args: Parameters<EngineBackend['analyze']>) {
      const r = await inner.analyze(...args);
      return fault(++b.calls, r);
    },
    async dispose() {},
  };
  return b;
}

export const trap = (): never => {
  throw new WebAssembly.RuntimeError('unreachable');
};

/** A copy of r with pen 1 starting at merged bar 0 (breaks pen continuity). */
export function breakPenStart(r: AnalysisResult): AnalysisResult {
  const startMerged = r.penColumns.startMerged.slice();
  startMerged[1] = 0;
  return { ...r, penColumns: { ...r.penColumns, startMerged } };
}

/** A copy of r with NaN as the last MACD DEA value (the histogram is made from DIF and DEA). */
export function nanInMacd(r: AnalysisResult): AnalysisResult {
  const dea = r.macd.dea.slice();
  dea[dea.length - 1] = NaN;
  return { ...r, macd: { ...r.macd, dea } };
}

/** A copy of r with the last DEA value off by 1e-9: well-formed, but wrong. */
export function subtlyWrong(r: AnalysisResult): AnalysisResult {
  const dea = r.macd.dea.slice();
  dea[dea.length - 1]! += 1e-9;
  return { ...r, macd: { ...r.macd, dea } };
}

export const tsBackend = () => inProcessBackend(tsEngine);

export function coordinatorOptions(
  createPrimary: CoordinatorOptions['createPrimary'],
  over: Partial<CoordinatorOptions> = {},
): CoordinatorOptions {
  return {
    createPrimary,
    primaryName: 'wasm',
    backup: tsBackend(),
    failoverEnabled: true,
    maxFailuresBeforeSwitch: 2,
    responseTimeoutMs: 5_000,
    healthCheckIntervalMs: 60_000,
    failbackEnabled: true,
    failbackHealthyChecks: 2,
    shadowFraction: 0,
    ...over,
  };
}
