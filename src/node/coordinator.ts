// The coordinator for Node: the WASM engine in-process or in a worker thread, per configuration.
import { readFileSync } from 'node:fs';
import type { EngineConfig } from '../config/schema.js';
import { inProcessBackend } from '../failover/backend.js';
import type { EngineCoordinator, Logger } from '../failover/coordinator.js';
import { createCoordinator } from '../failover/create.js';
import { embeddedWasmBytes } from '../engines/wasm/embedded.js';
import { createWasmEngine } from '../engines/wasm/engine.js';
import { createWorkerBackend } from './worker-backend.js';

export interface NodeCoordinatorOptions {
  readonly logger?: Logger;
  /** A .wasm file to load instead of the embedded module. */
  readonly wasmPath?: string;
}

export function createNodeCoordinator(config: EngineConfig, o: NodeCoordinatorOptions = {}): Promise<EngineCoordinator> {
  const { wasmPath } = o;
  const createWasm =
    config.system.execution === 'worker_thread'
      ? () => createWorkerBackend({ workerData: { wasmPath } })
      : () => inProcessBackend(createWasmEngine(wasmPath ? readFileSync(wasmPath) : embeddedWasmBytes()));
  return createCoordinator(config, { createWasm, logger: o.logger });
}
