// The WASM engine from the bytes embedded in this package (no file or network access needed).
import type { Engine } from '../../core/engine.js';
import { CHAN_WASM_BASE64 } from './generated/chan-wasm-base64.js';
import { createWasmEngine } from './engine.js';
import type { StreamKernelFactory } from '../../core/stream-kernel.js';
import { createWasmStreamKernel } from './kernel.js';

/** The embedded module's bytes (atob exists in Node >= 16, Deno, Bun and Workers). */
export function embeddedWasmBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(CHAN_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A new WASM engine instance from the embedded module. */
export function createEmbeddedWasmEngine(): Engine {
  return createWasmEngine(embeddedWasmBytes());
}

let streamKernel: StreamKernelFactory | undefined;

/** The WASM streaming kernel from the embedded module (compiled once; one instance per analyzer). */
export function embeddedWasmStreamKernel(): StreamKernelFactory {
  return (streamKernel ??= createWasmStreamKernel(embeddedWasmBytes()));
}
