// Default entry (Node, Deno, Bun, browsers): the WASM module is embedded as bytes and compiled
// synchronously on first use.
export * from './portable.js';
export { createEmbeddedWasmEngine, embeddedWasmBytes, embeddedWasmStreamKernel } from './engines/wasm/embedded.js';
