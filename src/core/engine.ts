// The interface both engines implement: same inputs, same output types.
import { analyze, analyzeRaw } from '../engines/ts/pipeline.js';
import { shapeResult } from './result.js';
import type { AnalysisOptions, PartialAnalysisOptions } from './options.js';
import type { AnalysisResult, Bars } from './types.js';

export interface Engine {
  readonly name: 'wasm' | 'ts';
  /** Validates, then runs every stage. Throws BarValidationError / ConfigError on bad input. */
  analyze(bars: Bars, options?: PartialAnalysisOptions | AnalysisOptions): AnalysisResult;
  /** The same without validation, for callers that validated already (the failover coordinator). */
  analyzeValidated(bars: Bars, options: AnalysisOptions): AnalysisResult;
}

/** The plain-TypeScript engine (reference, and the backup of the WASM engine). */
export const tsEngine: Engine = {
  name: 'ts',
  analyze,
  analyzeValidated: (bars, options) => shapeResult(bars, analyzeRaw(bars, options)),
};
