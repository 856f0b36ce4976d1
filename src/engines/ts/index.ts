// The plain-TypeScript engine: the reference, and the backup of the WASM engine.
import type { Engine } from '../../core/engine.js';
import { shapeResult } from '../../core/result.js';
import { analyze, analyzeRaw } from './pipeline.js';

export const tsEngine: Engine = {
  name: 'ts',
  analyze,
  analyzeValidated: (bars, options) => shapeResult(bars, analyzeRaw(bars, options), options.structures),
};
