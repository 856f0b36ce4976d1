// Both engines, for suites that must hold for each.
import { type Engine } from '../../src/core/engine.js';
import { tsEngine } from '../../src/engines/ts/index.js';
import { tsStreamKernel } from '../../src/engines/ts/kernel.js';
import { type StreamKernelFactory } from '../../src/core/stream-kernel.js';
import { createEmbeddedWasmEngine, embeddedWasmStreamKernel } from '../../src/engines/wasm/embedded.js';

export const wasmEngine: Engine = createEmbeddedWasmEngine();
export const ENGINES: readonly Engine[] = [tsEngine, wasmEngine];

/** Both streaming kernels (the per-bar stages of StreamingAnalyzer). */
export const KERNELS: readonly StreamKernelFactory[] = [tsStreamKernel, embeddedWasmStreamKernel()];
