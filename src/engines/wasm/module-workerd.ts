// The WASM engine from the .wasm file imported as a module (workerd resolves it at deploy time).
import type { Engine } from '../../core/engine.js';
import chanWasm from './chan.wasm';
import { createWasmEngine } from './engine.js';
import type { StreamKernelFactory } from '../../core/stream-kernel.js';
import { createWasmStreamKernel } from './kernel.js';

export function createEmbeddedWasmEngine(): Engine {
  return createWasmEngine(chanWasm);
}

let streamKernel: StreamKernelFactory | undefined;

/** The WASM streaming kernel from the imported module (one instance per analyzer). */
export function embeddedWasmStreamKernel(): StreamKernelFactory {
  return (streamKernel ??= createWasmStreamKernel(chanWasm));
}
