// Everything of the public API except how the WASM module is obtained (see index.ts and
// index-workerd.ts). No Node-only API.
export { analyze } from './core/analyze.js';
export { barsFromObjects, sliceBars, type BarObject } from './core/bars.js';
export { parseBarsCsv } from './core/csv.js';
export { BarValidationError, ConfigError } from './core/errors.js';
export { computeMacd } from './core/macd.js';
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
export { tsEngine, type Engine } from './core/engine.js';
export { createWasmEngine, createWasmKernel, STAGE, WasmAbortError, type WasmKernel } from './wasm/wasm-engine.js';
export { fractalList } from './core/shape.js';
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
} from './core/streaming.js';
export { tsStreamKernel, type KernelMark, type KernelState, type MergedView, type StreamKernel, type StreamKernelFactory } from './core/stream-kernel.js';
export { StateBlobError } from './core/state-blob.js';
export { createWasmStreamKernel } from './wasm/wasm-stream-kernel.js';
export { VERSION } from './core/version.js';
