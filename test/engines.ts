// Both engines, for suites that must hold for each.
import { tsEngine, type Engine } from '../src/core/engine.js';
import { createEmbeddedWasmEngine } from '../src/wasm/embedded.js';

export const wasmEngine: Engine = createEmbeddedWasmEngine();
export const ENGINES: readonly Engine[] = [tsEngine, wasmEngine];
