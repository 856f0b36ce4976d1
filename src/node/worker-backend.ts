// The WASM engine in a worker thread, so a hung call can be interrupted: on timeout the worker is
// terminated (the call rejects with EngineTimeoutError) and a fresh one is started for what follows.
import { Worker } from 'node:worker_threads';
import type { AnalysisOptions } from '../core/options.js';
import type { AnalysisResult, Bars } from '../core/types.js';
import { fromMessage, type ResultMessage } from '../core/result.js';
import { type EngineBackend } from '../failover/backend.js';
import { EngineTimeoutError } from '../core/errors.js';

export interface WorkerBackendOptions {
  /** Worker script (default: this package's engine worker). */
  readonly script?: URL;
  readonly workerData?: unknown;
}

interface Job {
  readonly id: number;
  readonly bars: Bars;
  readonly options: AnalysisOptions;
  readonly timeoutMs: number;
  readonly resolve: (r: AnalysisResult) => void;
  readonly reject: (e: Error) => void;
}

type Reply = { ready: true } | { id: number; result: ResultMessage } | { id: number; error: { name: string; message: string } };

/** Starts the worker and waits until its engine is loaded (a load failure rejects). */
export async function createWorkerBackend(o: WorkerBackendOptions = {}): Promise<WorkerBackend> {
  const b = new WorkerBackend(o);
  await b.ready();
  return b;
}

export class WorkerBackend implements EngineBackend {
  readonly name = 'wasm';
  readonly interruptible = true;
  /** Workers replaced after a timeout or crash. */
  restarts = 0;
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;
  private disposed = false;
  private starting: Promise<void> | null = null;

  constructor(private readonly o: WorkerBackendOptions) {}

  private spawn(): Promise<void> {
    const w = new Worker(this.o.script ?? new URL('./engine-worker.js', import.meta.url), { workerData: this.o.workerData });
    this.worker = w;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        if (this.worker === w) this.worker = null;
        reject(new Error(`engine worker failed to start: ${e.message}`));
      };
      w.once('error', onError);
      w.once('message', (m: Reply) => {
        w.off('error', onError);
        if (!('ready' in m)) return reject(new Error('engine worker did not report ready'));
        w.on('message', (r: Reply) => this.onReply(r));
        w.on('error', (e) => this.onCrash(w, e));
        w.on('exit', (code) => this.onCrash(w, new Error(`engine worker exited with code ${code}`)));
        w.unref();
        resolve();
        this.pump();
      });
    });
  }

  /** Starts a worker unless one runs (or is starting); rejects if its engine cannot load. */
  ready(): Promise<void> {
    if (this.worker !== null && this.starting === null) return Promise.resolve();
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  async analyze(bars: Bars, options: AnalysisOptions, timeoutMs: number): Promise<AnalysisResult> {
    if (this.disposed) throw new Error('engine worker disposed');
    await this.ready(); // after a failed restart, try again; rejects if the engine cannot load
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bars, options, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** Sends the next job; its time limit starts when it is sent, not when it was queued. */
  private pump(): void {
    if (this.current !== null || this.worker === null || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.current = job;
    this.timer = setTimeout(() => this.onTimeout(job), job.timeoutMs);
    this.worker.postMessage({ id: job.id, bars: job.bars, options: job.options });
  }

  private onReply(r: Reply): void {
    const job = this.current;
    if (job === null || 'ready' in r || r.id !== job.id) return;
    clearTimeout(this.timer);
    this.current = null;
    if ('error' in r) {
      const e = new Error(r.error.message);
      e.name = r.error.name;
      job.reject(e);
    } else job.resolve(fromMessage(r.result, job.options.macd.histogramScale));
    this.pump();
  }

  private onTimeout(job: Job): void {
    if (this.current !== job) return;
    this.current = null;
    job.reject(new EngineTimeoutError(`wasm engine did not answer within ${job.timeoutMs} ms; worker replaced`));
    void this.replace();
  }

  private onCrash(w: Worker, e: Error): void {
    if (w !== this.worker || this.disposed) return;
    const job = this.current;
    this.current = null;
    clearTimeout(this.timer);
    job?.reject(e);
    void this.replace();
  }

  private async replace(): Promise<void> {
    const old = this.worker;
    this.worker = null;
    this.restarts++;
    if (old) {
      old.removeAllListeners();
      await old.terminate();
    }
    if (this.disposed) return;
    try {
      await this.ready();
    } catch (e) {
      // The engine cannot be started again: fail everything queued (the coordinator answers them).
      for (const job of this.queue.splice(0)) job.reject(e as Error);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    const w = this.worker;
    this.worker = null;
    this.current?.reject(new Error('engine worker disposed'));
    this.current = null;
    for (const job of this.queue.splice(0)) job.reject(new Error('engine worker disposed'));
    if (w) {
      w.removeAllListeners();
      await w.terminate();
    }
  }
}
