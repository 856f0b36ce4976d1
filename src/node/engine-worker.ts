// Worker-thread entry: the WASM engine from the embedded module, or from `workerData.wasmPath`.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createWasmEngine } from '../engines/wasm/engine.js';
import { embeddedWasmBytes } from '../engines/wasm/embedded.js';
import { serveEngine } from './engine-worker-core.js';

const path = (workerData as { wasmPath?: string } | null)?.wasmPath;
serveEngine(createWasmEngine(path ? readFileSync(path) : embeddedWasmBytes()), parentPort!);
