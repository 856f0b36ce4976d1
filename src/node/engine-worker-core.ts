// The message loop of an engine worker thread: one request at a time, answer or error per id.
import type { MessagePort } from 'node:worker_threads';
import type { Engine } from '../core/engine.js';
import { toMessage } from '../core/result.js';

export interface WorkerRequest {
  readonly id: number;
  readonly bars: import('../core/types.js').Bars;
  readonly options: import('../core/options.js').AnalysisOptions;
}

/** Serves `engine` on `port`. `beforeCall(n)` (n = 1, 2, ...) is a hook for fault-injection tests. */
export function serveEngine(engine: Engine, port: MessagePort, beforeCall?: (n: number) => void): void {
  let calls = 0;
  port.on('message', (m: WorkerRequest) => {
    try {
      beforeCall?.(++calls);
      // The coordinator validated the request before sending it.
      port.postMessage({ id: m.id, result: toMessage(engine.analyzeValidated(m.bars, m.options)) });
    } catch (e) {
      const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      port.postMessage({ id: m.id, error: err });
    }
  });
  port.postMessage({ ready: true });
}
