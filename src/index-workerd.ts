// Entry for runtimes that forbid compiling WebAssembly from bytes (Cloudflare Workers / workerd):
// the module is imported as a compiled WebAssembly.Module by the runtime's bundler.
export * from './portable.js';
export { createEmbeddedWasmEngine, embeddedWasmStreamKernel } from './engines/wasm/module-workerd.js';
