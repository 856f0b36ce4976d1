// Everything of the public API except how the WASM module is obtained (see index.ts and
// index-workerd.ts). No Node-only API.
export { analyze } from './engines/ts/pipeline.js';
export { barsFromObjects, sliceBars, type BarObject } from './core/bars.js';
export { parseBarsCsv } from './core/csv.js';
export { BarValidationError, ConfigError } from './core/errors.js';
export { computeMacd } from './engines/ts/macd.js';
export {
  DEFAULT_OPTIONS,
  MACD_PRESETS,
  resolveOptions,
  type AnalysisOptions,
  type FractalCheck,
  type MacdOptions,
  type MacdPresetName,
  type MacdSeed,
  type PartialAnalysisOptions,
  type PenDefinition,
  type PenOptions,
} from './core/options.js';
export { validateBars } from './core/validate.js';
export type * from './core/types.js';
export { parseConfig, parseMacdParams, withMacdPreset, type EngineConfig, type MacdPeriods } from './config/schema.js';
export type { Engine } from './core/engine.js';
export { tsEngine } from './engines/ts/index.js';
export { createWasmEngine, createWasmKernel, STAGE, WasmAbortError, type WasmKernel } from './engines/wasm/engine.js';
export { fractalList } from './core/result.js';
export { checkOutput } from './failover/output-check.js';
export { fingerprint } from './failover/fingerprint.js';
export { canaryBars, CANARY_FINGERPRINT } from './failover/canary.js';
export { EngineTimeoutError, inProcessBackend, type EngineBackend } from './failover/backend.js';
export {
  EngineCoordinator,
  EngineFailureError,
  type CoordinatorOptions,
  type CoordinatorStatus,
  type EngineName,
  type FailureKind,
  type FailureRecord,
  type Logger,
  type Role,
  type SwitchEvent,
} from './failover/coordinator.js';
export { createCoordinator, type CreateCoordinatorOptions } from './failover/create.js';
export {
  StreamingAnalyzer,
  type Retained,
  type StreamBar,
  type StreamEvent,
  type StreamOptions,
  type StreamUpdate,
} from './streaming/analyzer.js';
export { tsStreamKernel } from './engines/ts/kernel.js';
export type { KernelMark, KernelState, MergedView, StreamKernel, StreamKernelFactory } from './core/stream-kernel.js';
export { StateBlobError } from './streaming/state-blob.js';
export { createWasmStreamKernel } from './engines/wasm/kernel.js';
export { VERSION } from './core/version.js';
