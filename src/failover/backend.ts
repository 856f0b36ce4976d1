// What the coordinator drives: an engine behind an async call, in-process or in a worker.
import type { Engine } from '../core/engine.js';
import type { AnalysisOptions } from '../core/options.js';
import type { AnalysisResult, Bars } from '../core/types.js';

export interface EngineBackend {
  readonly name: 'wasm' | 'ts';
  /** True when a hung call can be interrupted (worker mode); in-process calls cannot be. */
  readonly interruptible: boolean;
  /**
   * Analyses bars that were already validated. Rejects on engine failure, and (interruptible
   * backends) with EngineTimeoutError when no answer came within `timeoutMs`.
   */
  analyze(bars: Bars, options: AnalysisOptions, timeoutMs: number): Promise<AnalysisResult>;
  dispose(): Promise<void>;
}

/**
 * Runs a synchronous engine on the caller's thread. A hung call cannot be interrupted here (the
 * thread is busy until it returns); the coordinator reports calls that return late.
 */
export function inProcessBackend(engine: Engine): EngineBackend {
  return {
    name: engine.name,
    interruptible: false,
    async analyze(bars, options) {
      return engine.analyzeValidated(bars, options);
    },
    async dispose() {},
  };
}
