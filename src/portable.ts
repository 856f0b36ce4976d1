// The public API except how the WASM module is obtained (index.ts embeds it, index-workerd.ts
// imports it): what a user calls, as explicit lists. No Node-only API. Internals (kernels' marks,
// the output check, the canary, benchmark hooks) are imported by path where needed.

// Engines and the analysis.
export type { Engine } from './core/engine.js';
export { tsEngine } from './engines/ts/index.js';
export { analyze } from './engines/ts/pipeline.js';
export { createWasmEngine } from './engines/wasm/engine.js';

// Input, options and results.
export { barsFromObjects, sliceBars, type BarObject } from './core/bars.js';
export { parseBarsCsv, type CsvOptions, type TimeUnit } from './core/csv.js';
export { validateBars } from './core/validate.js';
export { computeMacd } from './engines/ts/macd.js';
export { fractalList, penAt } from './core/result.js';
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
export {
  DEFAULT_STRUCTURE_OPTIONS,
  POINT_TYPES,
  type Level,
  type PartialLevelPointOptions,
  type PartialStructureOptions,
  type PointOptions,
  type Side,
  type StructureOptions,
} from './core/structure-options.js';
export type {
  AnalysisResult,
  Bars,
  Direction,
  Fractal,
  Fractals,
  FractalType,
  MacdPoint,
  MacdSeries,
  MergedBars,
  Pen,
  PenColumns,
  Segment,
  SegmentCase,
  SegmentOfSegments,
  Pivot,
  BuySellPoint,
  BuySellPointType,
} from './core/types.js';

// Errors.
export {
  BarValidationError,
  ChanEngineError,
  ConfigError,
  EngineFailureError,
  EngineTimeoutError,
  HistoryConflictError,
  InputError,
  InputFaultError,
  StateBlobError,
  WasmAbortError,
  type FailureKind,
} from './core/errors.js';

// Configuration (YAML): the separate entry chan-engine/config (config/index.ts), so that importing
// the engines does not load the YAML parser.

// Failover.
export { inProcessBackend, type EngineBackend } from './failover/backend.js';
export {
  EngineCoordinator,
  type CoordinatorOptions,
  type CoordinatorStatus,
  type EngineName,
  type FailureRecord,
  type Logger,
  type Role,
  type SwitchEvent,
} from './failover/coordinator.js';
export { createCoordinator, type CreateCoordinatorOptions } from './failover/create.js';

// Streaming.
export { StreamingAnalyzer, type Retained, type StreamBar, type StreamOptions, type StreamUpdate } from './streaming/analyzer.js';
export {
  tailPen,
  tailPivot,
  tailPoint,
  tailSegment,
  tailSegmentOfSegments,
  type Confirmed,
  type MacdTail,
  type PenTail,
  type SegmentTail,
  type SegsegTail,
  type StructureTail,
} from './streaming/tails.js';
export type { StreamEvent, StructureEvent, WithdrawReason } from './core/events.js';
export type { StreamKernelFactory } from './core/stream-kernel.js';
export { tsStreamKernel } from './engines/ts/kernel.js';
export { createWasmStreamKernel } from './engines/wasm/kernel.js';

export { VERSION } from './core/version.js';
