// A streaming analyzer's whole state as a blob (state-blob.ts is the container): what the analyzer
// hands over to be saved, and what it is rebuilt from. The layout of the sections lives here.
import type { AnalysisOptions } from '../core/options.js';
import type { PenRecord, SegmentRecord } from '../core/records.js';
import type { KernelMark, KernelState } from '../core/stream-kernel.js';
import { VERSION } from '../core/version.js';
import { readStateBlob, writeStateBlob } from './state-blob.js';
import type { StreamStructures, SavedStructures } from './structures.js';

type Arrays = Record<string, Int8Array | Uint8Array | Int32Array | Float64Array>;

/** What an analyzer is made of, as save() reads it and restore() rebuilds it. */
export interface AnalyzerState {
  readonly options: AnalysisOptions;
  readonly window: number;
  /** Global indices of the first kept bar, merged bar, pen and segment; the confirmed segments before it. */
  readonly bases: readonly [number, number, number, number, number];
  /** Bars (timestamp, open, high, low, close, volume) and MACD (DIF, DEA, histogram), row after row. */
  readonly bars: Float64Array;
  readonly macd: Float64Array;
  readonly kernel: KernelState;
}

/** The blob of an analyzer on `engine`; `structures` adds its own sections. */
export function writeAnalyzerState(engine: string, s: AnalyzerState, structures: StreamStructures): Uint8Array {
  const k = s.kernel,
    km = k.merged,
    last = k.mark;
  const structureArrays: Arrays = {};
  const saved = structures.save(structureArrays);
  const meta: SavedMeta = {
    options: s.options,
    window: s.window === Infinity ? null : s.window,
    bases: [...s.bases],
    resumeBegin: k.resumeBegin,
    free: k.free,
    lastEnd: k.lastEnd,
    macd: { count: k.macd.count, seedCloses: k.macd.seedCloses },
    // The mark's floats go in lastF (bits must survive; JSON would turn -0 into 0).
    last: last === null ? null : savedMark(last),
    structures: saved,
  };
  return writeStateBlob(engineId(engine), meta, {
    macdState: k.macd.floats,
    lastF: Float64Array.from(last === null ? [] : [last.merged.high, last.merged.low, last.macd.fast, last.macd.slow, last.macd.dea]),
    bars: s.bars,
    macd: s.macd,
    mergedHigh: km.high,
    mergedLow: km.low,
    mergedDir: km.dir,
    mergedFx: km.fx,
    mergedRawStart: km.rawStart,
    mergedRawEnd: km.rawEnd,
    mergedHighApex: km.highApex,
    mergedLowApex: km.lowApex,
    fractals: k.fractals,
    pens: Int32Array.from(k.pens.flatMap((r) => [r.startK, r.endK, r.dir, (r.confirmed ? 1 : 0) | (r.wasConfirmed ? 2 : 0)])),
    segments: Int32Array.from(k.segments.flatMap((r) => [r.startPen, r.endPen, r.dir, r.confirmed ? 1 : 0, r.endCase ?? 0])),
    ...structureArrays,
  });
}

/** The state in a blob written for `engine` (StateBlobError for another format, version or engine), and its structures' part. */
export function readAnalyzerState(
  blob: Uint8Array | ArrayBuffer,
  engine: string,
): AnalyzerState & { readonly structures: SavedStructures; readonly arrays: Arrays } {
  const { meta, arrays } = readStateBlob(blob, engineId(engine));
  const s = meta as SavedMeta;
  const sr = arrays.segments as Int32Array;
  const segments: SegmentRecord[] = [];
  for (let j = 0; j < sr.length; j += 5) {
    segments.push({
      startPen: sr[j]!,
      endPen: sr[j + 1]!,
      dir: sr[j + 2]!,
      confirmed: sr[j + 3] === 1,
      endCase: sr[j + 4] === 0 ? null : (sr[j + 4] as 1 | 2),
    });
  }
  const pr = arrays.pens as Int32Array;
  const pens: PenRecord[] = [];
  for (let j = 0; j < pr.length; j += 4)
    pens.push({
      startK: pr[j]!,
      endK: pr[j + 1]!,
      dir: pr[j + 2]!,
      confirmed: (pr[j + 3]! & 1) !== 0,
      wasConfirmed: (pr[j + 3]! & 2) !== 0,
    });
  const high = arrays.mergedHigh as Float64Array;
  return {
    options: s.options,
    window: s.window ?? Infinity,
    bases: s.bases,
    bars: arrays.bars as Float64Array,
    macd: arrays.macd as Float64Array,
    kernel: {
      merged: {
        count: high.length,
        high,
        low: arrays.mergedLow as Float64Array,
        dir: arrays.mergedDir as Int8Array,
        fx: arrays.mergedFx as Int8Array,
        rawStart: arrays.mergedRawStart as Int32Array,
        rawEnd: arrays.mergedRawEnd as Int32Array,
        highApex: arrays.mergedHighApex as Int32Array,
        lowApex: arrays.mergedLowApex as Int32Array,
      },
      fractals: arrays.fractals as Int32Array,
      pens,
      free: s.free,
      lastEnd: s.lastEnd,
      macd: { ...s.macd, floats: arrays.macdState as Float64Array },
      segments,
      resumeBegin: s.resumeBegin,
      mark: s.last === null ? null : loadedMark(s.last, arrays.lastF as Float64Array),
    },
    structures: s.structures,
    arrays,
  };
}

const engineId = (engine: string) => `chan-engine-${engine}@${VERSION}`;

interface SavedMeta {
  options: AnalysisOptions;
  window: number | null;
  bases: [number, number, number, number, number];
  resumeBegin: number;
  free: number[];
  lastEnd: number;
  macd: { count: number; seedCloses: number };
  last: SavedMark | null;
  structures: SavedStructures;
}

/** The kernel's mark as blobs hold it: segment fields flat, floats zeroed (they travel in lastF). */
type SavedMark = Omit<KernelMark, 'segs'> & { finalSegs: number; resumeBegin: number };

function savedMark(m: KernelMark): SavedMark {
  return {
    merged: { ...m.merged, high: 0, low: 0 },
    pens: m.pens,
    macd: { ...m.macd, fast: 0, slow: 0, dea: 0 },
    finalSegs: m.segs.count,
    resumeBegin: m.segs.resumeBegin,
  };
}

function loadedMark(s: SavedMark, lf: Float64Array): KernelMark {
  return {
    merged: { ...s.merged, high: lf[0]!, low: lf[1]! },
    pens: s.pens,
    macd: { ...s.macd, fast: lf[2]!, slow: lf[3]!, dea: lf[4]! },
    segs: { count: s.finalSegs, resumeBegin: s.resumeBegin },
  };
}
