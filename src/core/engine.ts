// The batch-engine contract both engines implement: same inputs, same output types.
import type { AnalysisOptions, PartialAnalysisOptions } from './options.js';
import type { AnalysisResult, Bars } from './types.js';

export interface Engine {
  readonly name: 'wasm' | 'ts';
  /** Validates, then runs every stage. Throws BarValidationError / ConfigError on bad input. */
  analyze(bars: Bars, options?: PartialAnalysisOptions | AnalysisOptions): AnalysisResult;
  /** The same without validation, for callers that validated already (the failover coordinator). */
  analyzeValidated(bars: Bars, options: AnalysisOptions): AnalysisResult;
}
