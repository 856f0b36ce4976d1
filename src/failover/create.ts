// Builds the coordinator from the configuration (portable: the caller says how to load the WASM engine).
import type { EngineConfig } from '../config/schema.js';
import { tsEngine } from '../engines/ts/index.js';
import { inProcessBackend, type EngineBackend } from './backend.js';
import { EngineCoordinator, type Logger } from './coordinator.js';

export interface CreateCoordinatorOptions {
  /** Loads the WASM engine (may throw: the TS engine then serves). */
  readonly createWasm: () => EngineBackend | Promise<EngineBackend>;
  readonly logger?: Logger;
}

/** `primary_engine: wasm` = WASM primary with the TS engine as backup; `ts` = the TS engine alone. */
export function createCoordinator(config: EngineConfig, o: CreateCoordinatorOptions): Promise<EngineCoordinator> {
  const ts = inProcessBackend(tsEngine);
  const wasmFirst = config.system.primaryEngine === 'wasm';
  return EngineCoordinator.create({
    createPrimary: wasmFirst ? o.createWasm : () => ts,
    primaryName: wasmFirst ? 'wasm' : 'ts',
    backup: ts,
    failoverEnabled: config.system.failoverEnabled,
    healthCheckIntervalMs: config.system.healthCheckIntervalMs,
    maxFailuresBeforeSwitch: config.health.maxFailuresBeforeSwitch,
    responseTimeoutMs: config.health.responseTimeoutMs,
    failbackEnabled: config.health.failbackEnabled,
    failbackHealthyChecks: config.health.failbackHealthyChecks,
    shadowFraction: config.health.shadowFraction,
    logger: o.logger,
  });
}
