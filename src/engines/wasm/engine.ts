// The WASM engine's host side: copies the input columns into linear memory once, runs the whole
// pipeline in one call and reads the results out. Portable (no Node API): it takes a compiled
// WebAssembly.Module or the .wasm bytes.
import type { Engine } from '../../core/engine.js';
import { resolveOptions, type AnalysisOptions } from '../../core/options.js';
import type { PenRecord, SegmentRecord } from '../../core/records.js';
import { shapeResult, type RawAnalysis } from '../../core/result.js';
import type { Bars } from '../../core/types.js';
import { validateBars } from '../../core/validate.js';

interface ChanExports {
  readonly memory: WebAssembly.Memory;
  prepare(n: number): number;
  lowOffset(): number;
  closeOffset(): number;
  run(penDef: number, minK: number, fxCheck: number, endIsPeak: number, fast: number, slow: number, signal: number, seed: number, scale: number, stages: number): void;
  layout(): number;
}

/** An AssemblyScript abort() inside the module (message, file and position decoded). */
export class WasmAbortError extends Error {
  override readonly name = 'WasmAbortError';
}

const FX_CHECK = { strict: 0, half: 1, loss: 2 } as const;

/** Stage bits of a kernel run (see assembly/index.ts); the engine always runs ALL. */
export const STAGE = { MERGE: 1, PENS: 2, SEGMENTS: 4, MACD: 8, ALL: 15 } as const;

/** The instantiated module driven directly: copy-in and run, with a choice of stages (benchmarks). */
export interface WasmKernel {
  /** Copies high/low/close into linear memory and runs the selected stages; returns the merged-bar count. */
  run(bars: Bars, opt: AnalysisOptions, stages: number): number;
  /** Current size of the linear memory in bytes (its peak: it never shrinks). */
  memoryBytes(): number;
}

/** Compiles (if given bytes) and instantiates the module synchronously. */
export function createWasmEngine(source: WebAssembly.Module | BufferSource): Engine {
  const { ex } = instantiate(source);
  const analyzeValidated = (bars: Bars, opt: AnalysisOptions) => {
    runStages(ex, bars, opt, STAGE.ALL);
    return shapeResult(bars, readResult(ex, bars.high.length));
  };
  return {
    name: 'wasm',
    analyze(bars, options = {}) {
      const opt = resolveOptions(options);
      validateBars(bars);
      return analyzeValidated(bars, opt);
    },
    analyzeValidated,
  };
}

export function createWasmKernel(source: WebAssembly.Module | BufferSource): WasmKernel {
  const { ex } = instantiate(source);
  return { run: (bars, opt, stages) => runStages(ex, bars, opt, stages), memoryBytes: () => ex.memory.buffer.byteLength };
}

export function instantiate(source: WebAssembly.Module | BufferSource): { ex: ChanExports } {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  let memory: WebAssembly.Memory | undefined;
  const readString = (ptr: number): string => {
    if (!memory || ptr === 0) return '';
    const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0]! >>> 1;
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, len));
  };
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        throw new WasmAbortError(`wasm abort: ${readString(msg)} at ${readString(file)}:${line}:${col}`);
      },
    },
  });
  const ex = instance.exports as unknown as ChanExports;
  memory = ex.memory;
  return { ex };
}

/** Copies the input in once and runs the pipeline in one call. */
function runStages(ex: ChanExports, bars: Bars, opt: AnalysisOptions, stages: number): number {
  const n = bars.high.length;
  const base = ex.prepare(n);
  // Views are created after every call that may grow memory (growth detaches old views).
  const buf = ex.memory.buffer;
  // Only the columns the selected stages read are copied.
  if ((stages & STAGE.MERGE) !== 0) {
    new Float64Array(buf, base, n).set(bars.high);
    new Float64Array(buf, base + ex.lowOffset(), n).set(bars.low);
  }
  if ((stages & STAGE.MACD) !== 0) new Float64Array(buf, base + ex.closeOffset(), n).set(bars.close);
  const { pen, macd } = opt;
  ex.run(
    pen.definition === 'traditional' ? 1 : 0, pen.minKlinesBetweenTurns, FX_CHECK[pen.fractalCheck], pen.endIsPeak ? 1 : 0,
    macd.fast, macd.slow, macd.signal, macd.seed === 'sma' ? 1 : 0, macd.histogramScale, stages,
  );
  return new Int32Array(ex.memory.buffer, ex.layout(), 1)[0]!;
}

/** Reads the last run's output through the address table. */
function readResult(ex: ChanExports, n: number): RawAnalysis {
  const buf = ex.memory.buffer;
  const t = new Int32Array(buf, ex.layout(), 26);
  const mc = t[0]!;
  // Public columns are copied out (the memory is reused by the next run); the rest are views.
  const merged = {
    count: mc,
    high: new Float64Array(buf, t[1]!, mc).slice(),
    low: new Float64Array(buf, t[2]!, mc).slice(),
    dir: new Int8Array(buf, t[3]!, mc).slice(),
    rawStart: new Int32Array(buf, t[5]!, mc).slice(),
    rawEnd: new Int32Array(buf, t[6]!, mc).slice(),
    fx: new Int8Array(buf, t[4]!, mc),
    highApex: new Int32Array(buf, t[22]!, mc),
    lowApex: new Int32Array(buf, t[23]!, mc),
    fractalCount: t[24]!,
    fractalIndex: new Int32Array(buf, t[25]!, t[24]!),
  };
  const pc = t[7]!;
  const pStart = new Int32Array(buf, t[8]!, pc), pEnd = new Int32Array(buf, t[9]!, pc);
  const pDir = new Int8Array(buf, t[10]!, pc), pFlags = new Int8Array(buf, t[11]!, pc);
  const pens: PenRecord[] = new Array(pc);
  for (let i = 0; i < pc; i++) {
    const f = pFlags[i]!;
    pens[i] = { startK: pStart[i]!, endK: pEnd[i]!, dir: pDir[i]!, confirmed: (f & 1) !== 0, wasConfirmed: (f & 2) !== 0 };
  }
  const gc = t[12]!;
  const gStart = new Int32Array(buf, t[13]!, gc), gEnd = new Int32Array(buf, t[14]!, gc);
  const gDir = new Int8Array(buf, t[15]!, gc), gConf = new Int8Array(buf, t[16]!, gc), gCase = new Int8Array(buf, t[17]!, gc);
  const segments: SegmentRecord[] = new Array(gc);
  for (let i = 0; i < gc; i++) {
    const c = gCase[i]!;
    segments[i] = { startPen: gStart[i]!, endPen: gEnd[i]!, dir: gDir[i]!, confirmed: gConf[i] !== 0, endCase: c === 0 ? null : (c as 1 | 2) };
  }
  const macdOut = {
    dif: new Float64Array(buf, t[18]!, n).slice(),
    dea: new Float64Array(buf, t[19]!, n).slice(),
    histogram: new Float64Array(buf, t[20]!, n).slice(),
    firstValid: t[21]!,
  };
  return { merged, pens, segments, macd: macdOut };
}
