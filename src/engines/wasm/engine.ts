// The WASM engine's host side: copies the input columns into linear memory once, runs the whole
// pipeline in one call and reads the results out. Portable (no Node API): it takes a compiled
// WebAssembly.Module or the .wasm bytes.
import type { Engine } from '../../core/engine.js';
import { resolveOptions, type AnalysisOptions } from '../../core/options.js';
import type { SegmentRecord } from '../../core/records.js';
import { macdSeries } from '../../core/macd-series.js';
import { shapeResult, type RawAnalysis } from '../../core/result.js';
import type { Bars } from '../../core/types.js';
import { WasmAbortError } from '../../core/errors.js';
import { validateBars } from '../../core/validate.js';
import { readLayout, type Layout, type SlotName } from './layout.js';
import { readOptionLayout, readPivots, readPoints, writeStructureOptions, type OptionLayout } from './structures.js';

interface ChanExports {
  readonly memory: WebAssembly.Memory;
  prepare(n: number): number;
  lowOffset(): number;
  closeOffset(): number;
  structureOptionsOffset(): number;
  run(
    penDef: number,
    minK: number,
    fxCheck: number,
    endIsPeak: number,
    fast: number,
    slow: number,
    signal: number,
    seed: number,
    scale: number,
    stages: number,
  ): void;
  layout(): number;
}

const FX_CHECK = { strict: 0, half: 1, loss: 2 } as const;

/**
 * Stage bits of a kernel run (see assembly/pipeline.ts); the engine runs ALL and LINES (the pens'
 * columns), and STRUCTURES when they are on.
 */
export const STAGE = { MERGE: 1, PENS: 2, SEGMENTS: 4, MACD: 8, ALL: 15, LINES: 16, STRUCTURES: 32 } as const;

/** The instantiated module driven directly: copy-in and run, with a choice of stages (benchmarks). */
export interface WasmKernel {
  /** Copies high/low/close into linear memory and runs the selected stages; returns the merged-bar count. */
  run(bars: Bars, opt: AnalysisOptions, stages: number): number;
  /** Current size of the linear memory in bytes (its peak: it never shrinks). */
  memoryBytes(): number;
}

/** Compiles (if given bytes) and instantiates the module synchronously. */
export function createWasmEngine(source: WebAssembly.Module | BufferSource): Engine {
  const raw = createWasmRawAnalyzer(source);
  const analyzeValidated = (bars: Bars, opt: AnalysisOptions) => shapeResult(bars, raw(bars, opt), opt.structures);
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

/**
 * The stages of valid bars, unshaped (what the TS engine's analyzeRaw gives). Some columns are views
 * of the linear memory: valid until the next call.
 */
export function createWasmRawAnalyzer(source: WebAssembly.Module | BufferSource): (bars: Bars, opt: AnalysisOptions) => RawAnalysis {
  const { ex, L, O } = instantiate(source);
  return (bars, opt) => {
    const structures = opt.structures.enabled;
    runStages(ex, L, O, bars, opt, STAGE.ALL | STAGE.LINES | (structures ? STAGE.STRUCTURES : 0));
    return readResult(ex, L, bars.high.length, opt.macd.histogramScale, structures);
  };
}

export function createWasmKernel(source: WebAssembly.Module | BufferSource): WasmKernel {
  const { ex, L, O } = instantiate(source);
  return { run: (bars, opt, stages) => runStages(ex, L, O, bars, opt, stages), memoryBytes: () => ex.memory.buffer.byteLength };
}

/** An instance of the module (sync), with the positions of its output table. */
export function instantiate(source: WebAssembly.Module | BufferSource): { ex: ChanExports; L: Layout; O: OptionLayout } {
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
  return { ex, L: readLayout(instance.exports), O: readOptionLayout(instance.exports) };
}

/** Copies the input in once and runs the pipeline in one call. */
function runStages(ex: ChanExports, L: Layout, O: OptionLayout, bars: Bars, opt: AnalysisOptions, stages: number): number {
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
  if ((stages & STAGE.STRUCTURES) !== 0) {
    writeStructureOptions(new Float64Array(buf, base + ex.structureOptionsOffset(), O.STRUCTURE_OPTIONS), O, opt.structures);
  }
  const { pen, macd } = opt;
  ex.run(
    pen.definition === 'traditional' ? 1 : 0,
    pen.minKlinesBetweenTurns,
    FX_CHECK[pen.fractalCheck],
    pen.endIsPeak ? 1 : 0,
    macd.fast,
    macd.slow,
    macd.signal,
    macd.seed === 'sma' ? 1 : 0,
    macd.histogramScale,
    stages,
  );
  return new Int32Array(ex.memory.buffer, ex.layout(), L.size)[L.mCount]!;
}

/** Reads the last run's output through the output table (`scale`: the histogram's; `structures`: the stage ran). */
function readResult(ex: ChanExports, L: Layout, n: number, scale: number, structures: boolean): RawAnalysis {
  const buf = ex.memory.buffer;
  const t = new Int32Array(buf, ex.layout(), L.size);
  const at = (slot: number) => t[slot]!;
  const mc = at(L.mCount);
  // Public columns are copied out (the memory is reused by the next run); the rest are views, read
  // while the result is shaped in the same analyze() call, before any other run.
  const merged = {
    count: mc,
    high: new Float64Array(buf, at(L.mHigh), mc).slice(),
    low: new Float64Array(buf, at(L.mLow), mc).slice(),
    dir: new Int8Array(buf, at(L.mDir), mc).slice(),
    rawStart: new Int32Array(buf, at(L.mStart), mc).slice(),
    rawEnd: new Int32Array(buf, at(L.mEnd), mc).slice(),
    fx: new Int8Array(buf, at(L.mFx), mc),
    highApex: new Int32Array(buf, at(L.mHighApex), mc),
    lowApex: new Int32Array(buf, at(L.mLowApex), mc),
    fractalCount: at(L.mFractalCount),
    fractalIndex: new Int32Array(buf, at(L.mFractals), at(L.mFractalCount)),
  };
  const pc = at(L.pCount);
  const pens = {
    n: pc,
    dir: new Int8Array(buf, at(L.pDir), pc).slice(),
    startMerged: new Int32Array(buf, at(L.pStart), pc).slice(),
    endMerged: new Int32Array(buf, at(L.pEnd), pc).slice(),
    low: new Float64Array(buf, at(L.lLow), pc),
    high: new Float64Array(buf, at(L.lHigh), pc),
    begin: new Float64Array(buf, at(L.lBegin), pc).slice(),
    end: new Float64Array(buf, at(L.lEnd), pc).slice(),
    beginRaw: new Int32Array(buf, at(L.lBeginRaw), pc).slice(),
    endRaw: new Int32Array(buf, at(L.lEndRaw), pc).slice(),
    confirmed: new Uint8Array(buf, at(L.lConfirmed), pc).slice(),
    peak: new Float64Array(buf, at(L.lPeak), pc),
  };
  const segments = segmentColumns(buf, t, L.gCount, L.gStart, L.gEnd, L.gDir, L.gConfirmed, L.gCase);
  const segmentsOfSegments = segmentColumns(buf, t, L.ssCount, L.ssStart, L.ssEnd, L.ssDir, L.ssConfirmed, L.ssCase);
  // The histogram is not copied: the result makes it from DIF and DEA when read (core/macd-series.ts).
  const macdOut = macdSeries(
    new Float64Array(buf, at(L.dif), n).slice(),
    new Float64Array(buf, at(L.dea), n).slice(),
    at(L.firstValid),
    scale,
  );
  if (!structures) return { merged, pens, segments, segmentsOfSegments, macd: macdOut };
  const bySlot = (slot: SlotName) => at(L[slot]);
  return {
    merged,
    pens,
    segments,
    segmentsOfSegments,
    macd: macdOut,
    structures: {
      pen: { pivots: readPivots(buf, bySlot, 'zp'), points: readPoints(buf, bySlot, 'bp') },
      segment: { pivots: readPivots(buf, bySlot, 'zs'), points: readPoints(buf, bySlot, 'bs') },
    },
  };
}

/** Segment records from the columns in the given slots. */
function segmentColumns(
  buf: ArrayBuffer,
  t: Int32Array,
  count: number,
  start: number,
  end: number,
  dir: number,
  confirmed: number,
  endCase: number,
): SegmentRecord[] {
  const n = t[count]!;
  const s = new Int32Array(buf, t[start]!, n),
    e = new Int32Array(buf, t[end]!, n);
  const d = new Int8Array(buf, t[dir]!, n),
    c = new Int8Array(buf, t[confirmed]!, n),
    k = new Int8Array(buf, t[endCase]!, n);
  const out: SegmentRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ec = k[i]!;
    out[i] = { startPen: s[i]!, endPen: e[i]!, dir: d[i]!, confirmed: c[i] !== 0, endCase: ec === 0 ? null : (ec as 1 | 2) };
  }
  return out;
}
