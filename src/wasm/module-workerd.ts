// The WASM engine from the .wasm file imported as a module (workerd resolves it at deploy time).
import type { Engine } from '../core/engine.js';
import chanWasm from './chan.wasm';
import { createWasmEngine } from './wasm-engine.js';

export function createEmbeddedWasmEngine(): Engine {
  return createWasmEngine(chanWasm);
}
