// Bar-by-bar analysis. The stages run in a kernel (TS or WASM, see stream-kernel.ts), the segment
// stage resuming from its last final segment. Only the part of the result that can still change is
// recomputed, so a bar's cost does not grow with the history.
// After every bar, `snapshot()` equals `analyze()` of all bars so far.
import { BarValidationError, ConfigError } from './errors.js';
import type { MacdPoint } from './macd-stream.js';
import { resolveOptions, type AnalysisOptions, type PartialAnalysisOptions } from './options.js';
import type { PenRecord } from './pens.js';
import { PREFAULT_ROWS, prefault } from './prefault.js';
import { tsStreamKernel, type KernelMark, type StreamKernel, type StreamKernelFactory } from './stream-kernel.js';
import type { SegmentRecord } from './segments.js';
import { shapeFractals, shapePen, shapeSegment } from './shape.js';
import { checkSameOptions, readStateBlob, writeStateBlob } from './state-blob.js';
import type { AnalysisResult, Pen, Segment } from './types.js';
import { validateBar } from './validate.js';
import { VERSION } from './version.js';

export interface StreamOptions {
  /**
   * Raw bars to keep (default: all). Older bars, merged bars, fractals, pens and segments are
   * dropped once twice this many bars are held; what is kept equals the unbounded analyzer's.
   */
  readonly window?: number;
  /** The per-bar engine (default: the TS engine). `createWasmStreamKernel` gives the WASM one. */
  readonly kernel?: StreamKernelFactory;
}

/** Where the kept data starts (all 0 without a window): global indices of the first bar, merged bar, fractal, pen and segment. */
export interface Retained {
  readonly firstBar: number;
  readonly firstMerged: number;
  readonly firstPen: number;
  readonly firstSegment: number;
}

const MIN_WINDOW = 500;

export interface StreamBar {
  readonly timestamp: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * What changed with a bar, so a consumer can react without diffing. Pens and segments are reported
 * with their index; a later event for the same index replaces the earlier one.
 * - pen_confirmed: a pen now satisfies the full definition (new, or confirmed again after a provisional extension)
 * - pen_extended: the last confirmed pen now ends at a more extreme fractal
 * - pen_provisional: the provisional pen (to the last bar) appeared or moved
 * - segment_confirmed / segment_provisional: likewise for segments
 * - pen_removed / segment_removed: a provisional pen or segment no longer exists
 */
export type StreamEvent =
  | { readonly type: 'pen_confirmed' | 'pen_extended' | 'pen_provisional'; readonly pen: Pen }
  | { readonly type: 'segment_confirmed' | 'segment_provisional'; readonly segment: Segment }
  | { readonly type: 'pen_removed' | 'segment_removed'; readonly index: number };

export interface StreamUpdate {
  /** Index of the bar appended or replaced. */
  readonly barIndex: number;
  readonly replaced: boolean;
  readonly macd: MacdPoint;
  readonly events: readonly StreamEvent[];
}

interface Mark extends KernelMark {
  readonly finalPens: number;
}

/** Growable Float64Array columns. */
class Columns {
  count = 0;
  cols: Float64Array[];
  /** Rows below this have been written in every column (see prefault.ts; only grown columns are). */
  private touched: number;
  constructor(width: number, capacity = 1024) {
    this.cols = Array.from({ length: width }, () => new Float64Array(capacity));
    this.touched = capacity;
  }
  row(i: number, values: readonly number[]): void {
    this.reserve(i);
    for (let j = 0; j < values.length; j++) this.cols[j]![i] = values[j]!;
  }
  /** Room for row i (the first unused one). */
  reserve(i: number): void {
    if (i >= this.cols[0]!.length) {
      this.touched = this.cols[0]!.length;
      this.cols = this.cols.map((c) => {
        const d = new Float64Array(c.length * 2);
        d.set(c);
        return d;
      });
    }
    if (i >= this.touched) this.touched = prefault(this.cols, i, Math.min(this.cols[0]!.length, i + PREFAULT_ROWS));
  }
  view(j: number): Float64Array {
    return this.cols[j]!.subarray(0, this.count);
  }
  dropBefore(k: number): void {
    for (const c of this.cols) c.copyWithin(0, k, this.count);
    this.count -= k;
  }
}

const T = 0, O = 1, H = 2, L = 3, C = 4, V = 5;
const DIF = 0, DEA = 1, HIST = 2;

export class StreamingAnalyzer {
  readonly options: AnalysisOptions;
  private readonly bars = new Columns(6);
  private readonly macdCols = new Columns(3);
  private readonly k: StreamKernel;
  /** Pens that can no longer change (all confirmed pens but the last), shaped. */
  private readonly finalPens: Pen[] = [];
  /** The current pens from finalPens.length on, and segments from segFrom on (the part that may change). */
  private tailPens: Pen[] = [];
  private tailRecords: PenRecord[] = [];
  private segFrom = 0;
  private tailSegs: Segment[] = [];
  private last: Mark | null = null;
  /** Global index of local index 0 (non-zero once a window dropped old data). */
  private rawBase = 0;
  private mergedBase = 0;
  private penBase = 0;
  private segBase = 0;
  readonly window: number;

  constructor(options: PartialAnalysisOptions | AnalysisOptions = {}, stream: StreamOptions = {}) {
    this.options = resolveOptions(options);
    const w = stream.window ?? Infinity;
    const min = Math.max(MIN_WINDOW, this.options.macd.slow + this.options.macd.signal);
    if (w !== Infinity && (!Number.isInteger(w) || w < min)) throw new ConfigError('window', `must be an integer of at least ${min} bars, got ${w}`);
    this.window = w;
    this.k = (stream.kernel ?? tsStreamKernel)(this.options);
  }

  /** Bars analysed so far (including any dropped by the window). */
  get barCount(): number {
    return this.rawBase + this.bars.count;
  }

  /** The last bar, or null before the first. */
  lastBar(): StreamBar | null {
    const i = this.bars.count - 1;
    if (i < 0) return null;
    const c = this.bars.cols;
    return { timestamp: c[T]![i]!, open: c[O]![i]!, high: c[H]![i]!, low: c[L]![i]!, close: c[C]![i]!, volume: c[V]![i]! };
  }

  get retained(): Retained {
    return { firstBar: this.rawBase, firstMerged: this.mergedBase, firstPen: this.penBase, firstSegment: this.segBase };
  }

  /**
   * Adds a closed or forming bar after the last one. Throws BarValidationError (nothing changes) for
   * a bad bar. Any other error comes from the engine (a WASM trap): the analyzer must then be
   * discarded and rebuilt, as the service does.
   */
  append(bar: StreamBar): StreamUpdate {
    const i = this.bars.count;
    validateBar(bar, this.rawBase + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    const oldPens = this.tailPens, oldPenFrom = this.finalPens.length;
    const oldSegs = this.tailSegs, oldSegFrom = this.segFrom;
    this.last = this.mark();
    const update = this.apply(bar, i, false, oldPens, oldPenFrom, oldSegs, oldSegFrom);
    if (this.bars.count >= 2 * this.window) this.compact();
    return update;
  }

  /** Replaces the last bar (the still-forming bar changed). Throws BarValidationError (nothing changes) for a bad bar. */
  replaceLast(bar: StreamBar): StreamUpdate {
    const m = this.last;
    const i = this.bars.count - 1;
    if (m === null || i < 0) throw new BarValidationError(-1, 'bars', 'there is no bar to replace');
    validateBar(bar, this.rawBase + i, i > 0 ? this.bars.cols[T]![i - 1]! : -Infinity);
    // The old state from the restore point on, taken before the restore drops it.
    const oldPenFrom = m.finalPens;
    const oldPens = this.finalPens.slice(oldPenFrom).concat(this.tailPens);
    const oldSegFrom = Math.min(this.segFrom, m.segs.count);
    const oldSegs = this.shapeFinalSegs(oldSegFrom, this.segFrom).concat(this.tailSegs);
    this.restore(m);
    return this.apply(bar, i, true, oldPens, oldPenFrom, oldSegs, oldSegFrom);
  }

  private apply(bar: StreamBar, i: number, replaced: boolean, oldPens: Pen[], oldPenFrom: number, oldSegs: Segment[], oldSegFrom: number): StreamUpdate {
    const b = this.bars;
    b.reserve(i);
    const c = b.cols;
    c[T]![i] = bar.timestamp;
    c[O]![i] = bar.open;
    c[H]![i] = bar.high;
    c[L]![i] = bar.low;
    c[C]![i] = bar.close;
    c[V]![i] = bar.volume;
    this.bars.count = i + 1;
    // Merged bars record global raw indices (they are labels; only differences are computed).
    const macd = this.k.push(this.rawBase + i, bar.high, bar.low, bar.close);
    const mc = this.macdCols;
    mc.reserve(i);
    mc.cols[DIF]![i] = macd.dif;
    mc.cols[DEA]![i] = macd.dea;
    mc.cols[HIST]![i] = macd.histogram;
    this.macdCols.count = i + 1;
    this.finalizePens();
    const tail = this.k.tail();
    this.tailRecords = tail;
    this.tailPens = tail.map((r, j) => this.shapePen(r, this.penBase + this.finalPens.length + j));
    // Prices count too: a pen may end in the still-open merged bar, whose high/low can move.
    const pensChanged = replaced || this.finalPens.length !== oldPenFrom || !sameList(oldPens, this.tailPens, samePen);
    if (pensChanged) this.updateSegments();
    const events: StreamEvent[] = [];
    diffPens(oldPens, oldPenFrom, this.finalPens, this.tailPens, this.penBase, events);
    if (pensChanged) this.diffSegments(oldSegs, oldSegFrom, events);
    return { barIndex: this.rawBase + i, replaced, macd, events };
  }

  /** Pens before the last confirmed one are final: shape them once. */
  private finalizePens(): void {
    const n = this.k.penCount();
    for (let j = this.finalPens.length; j < n - 1; j++) {
      this.finalPens.push(this.shapePen(this.k.pen(j), this.penBase + j));
    }
  }

  private updateSegments(): void {
    const { from, extra } = this.k.segments();
    this.segFrom = from;
    this.tailSegs = extra.map((s, j) => this.shapeSeg(s, this.segBase + from + j));
  }

  private diffSegments(oldSegs: Segment[], oldFrom: number, events: StreamEvent[]): void {
    // Compare from the lower start; entries below the other start are final in both states.
    const from = Math.min(oldFrom, this.segFrom);
    const end = Math.max(oldFrom + oldSegs.length, this.segFrom + this.tailSegs.length);
    for (let j = from; j < end; j++) {
      const a = j < oldFrom ? this.finalSeg(j) : oldSegs[j - oldFrom];
      const b = j < this.segFrom ? this.finalSeg(j) : this.tailSegs[j - this.segFrom];
      if (b === undefined) events.push({ type: 'segment_removed', index: this.segBase + j });
      else if (a === undefined || !sameSegment(a, b)) events.push({ type: b.confirmed ? 'segment_confirmed' : 'segment_provisional', segment: b });
    }
  }

  private finalSeg(j: number): Segment {
    return this.shapeSeg(this.k.finalSegment(j), this.segBase + j);
  }

  private shapeFinalSegs(from: number, to: number): Segment[] {
    const out: Segment[] = [];
    for (let j = from; j < to; j++) out.push(this.finalSeg(j));
    return out;
  }

  private penAt(i: number): Pen {
    const f = this.finalPens.length;
    return i < f ? this.finalPens[i]! : this.tailPens[i - f]!;
  }

  private shapeSeg(s: SegmentRecord, index: number): Segment {
    return shapeSegment(s, index, this.penAt(s.startPen), this.penAt(s.endPen));
  }

  private shapePen(r: PenRecord, index: number): Pen {
    return shapePen(this.k.merged(), r, index, this.bars.cols[T]!, this.mergedBase, this.rawBase);
  }

  private mark(): Mark {
    const k = this.k.mark();
    // Spelled out: an object spread here costs more than the rest of a quiet bar.
    return { merged: k.merged, pens: k.pens, macd: k.macd, segs: k.segs, finalPens: this.finalPens.length };
  }

  private restore(m: Mark): void {
    this.bars.count--;
    this.macdCols.count--;
    this.k.restore(m);
    this.finalPens.length = m.finalPens;
  }

  /**
   * The result for all bars so far: equal to analyze() of the same bars. With a window, the kept
   * part (see `retained`): arrays start at the first kept bar / merged bar / fractal, and indices
   * inside pens, segments and fractals stay global. O(kept bars): a read, not per-bar work.
   */
  snapshot(): AnalysisResult {
    const m = this.k.merged();
    const c = m.count;
    return {
      barCount: this.barCount,
      merged: { count: c, high: m.high.slice(0, c), low: m.low.slice(0, c), dir: m.dir.slice(0, c), rawStart: m.rawStart.slice(0, c), rawEnd: m.rawEnd.slice(0, c) },
      fractals: shapeFractals(m, this.mergedBase),
      pens: this.finalPens.concat(this.tailPens),
      segments: this.shapeFinalSegs(0, this.segFrom).concat(this.tailSegs),
      macd: {
        dif: this.macdCols.view(DIF).slice(),
        dea: this.macdCols.view(DEA).slice(),
        histogram: this.macdCols.view(HIST).slice(),
        firstValid: macdFirstValid(this.options, this.barCount),
      },
    };
  }

  /** Drops what the window no longer needs (see StreamOptions.window). */
  private compact(): void {
    const m = this.k.merged();
    const penCount = this.k.penCount();
    const windowStart = this.barCount - this.window; // global raw index
    // Segments: drop those ending before the window, but never the last confirmed final one (the
    // leftover pass never goes below a confirmed segment; with none left it would start over as
    // for a series' first segment), counting only segments that are final in the saved mark too
    // (replaceLast restores to it). Pens: drop those ending before the window, but never one a kept
    // segment starts at or after, nor one the mark still counts as final.
    const fin = (j: number) => this.k.finalSegment(j);
    const finCount = this.k.finalSegmentCount();
    let lastConfirmed = Math.min(finCount, this.last?.segs.count ?? finCount) - 1;
    while (lastConfirmed >= 0 && !fin(lastConfirmed).confirmed) lastConfirmed--;
    let ds = 0, dp = 0;
    if (lastConfirmed > 0) {
      while (ds < lastConfirmed && this.finalPens[fin(ds).endPen]!.endRaw < windowStart) ds++;
      const maxDp = Math.min(fin(ds).startPen, this.last?.finalPens ?? Infinity);
      while (dp < maxDp && this.finalPens[dp]!.endRaw < windowStart) dp++;
    }
    // Pens still referenced by the pen stage (the last confirmed one) stay.
    dp = Math.min(dp, this.finalPens.length, Math.max(0, penCount - 1));
    // Merged bars: from the one holding the window's first bar, and never past what is still read:
    // the first kept pen's start (its record indexes merged bars), the bar before the last pen's
    // start (the pen stage's fractal check), before any pen the bar before the first fractal.
    let dm = 0;
    while (dm < m.count - 1 && m.rawEnd[dm]! < windowStart) dm++;
    if (penCount > 0) dm = Math.min(dm, this.k.pen(dp).startK, this.k.pen(penCount - 1).startK - 1);
    else if (m.fractalCount > 0) dm = Math.min(dm, m.fractalIndex[0]! - 1);
    dm = Math.max(0, dm);
    const dr = m.rawStart[dm]! - this.rawBase;
    if (dm === 0 && dr === 0 && dp === 0 && ds === 0) return;

    // Fractals before merged bar dm go too (the mark's count of them must follow).
    let df = 0;
    while (df < m.fractalCount && m.fractalIndex[df]! < dm) df++;
    this.bars.dropBefore(dr);
    this.macdCols.dropBefore(dr);
    this.k.dropBefore(dm, dp, ds);
    this.finalPens.splice(0, dp);
    for (const r of this.tailRecords) {
      r.startK -= dm;
      r.endK -= dm;
    }
    this.segFrom -= ds;
    this.rawBase += dr;
    this.mergedBase += dm;
    this.penBase += dp;
    this.segBase += ds;
    const k = this.last;
    if (k !== null) {
      this.last = {
        merged: { ...k.merged, count: k.merged.count - dm, fractalCount: k.merged.fractalCount - df },
        pens: { ...k.pens, count: k.pens.count - dp, lastEndK: k.pens.lastEndK - dm, lastEnd: k.pens.lastEnd - dm },
        macd: k.macd,
        segs: { count: k.segs.count - ds, resumeBegin: k.segs.resumeBegin - dp },
        finalPens: k.finalPens - dp,
      };
    }
  }

  /** The analyzer's whole state as a versioned blob; `StreamingAnalyzer.restore` continues from it. */
  save(): Uint8Array {
    const k = this.k.save();
    const km = k.merged;
    const n = this.bars.count;
    const last = this.last;
    return writeStateBlob(engineId(this.k.engine), {
      options: this.options,
      window: this.window === Infinity ? null : this.window,
      bases: [this.rawBase, this.mergedBase, this.penBase, this.segBase],
      finalPens: this.finalPens.length,
      resumeBegin: k.resumeBegin,
      free: k.free,
      lastEnd: k.lastEnd,
      macd: { count: k.macd.count, seedCloses: k.macd.seedCloses },
      // The mark's floats go in lastF (bits must survive; JSON would turn -0 into 0).
      last: last === null ? null : savedMark(last),
    }, {
      macdState: k.macd.floats,
      lastF: Float64Array.from(last === null ? [] : [last.merged.high, last.merged.low, last.macd.fast, last.macd.slow, last.macd.dea]),
      bars: interleave(this.bars.cols, n),
      macd: interleave(this.macdCols.cols, n),
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
    });
  }

  /**
   * An analyzer continuing from `save()`'s blob, on the same engine (`stream.kernel`, default TS).
   * Throws StateBlobError for a blob of another format, version or engine, ConfigError when
   * `options` are given and differ from the saved ones.
   */
  static restore(blob: Uint8Array, options?: PartialAnalysisOptions | AnalysisOptions, stream: Pick<StreamOptions, 'kernel'> = {}): StreamingAnalyzer {
    const kernel = stream.kernel ?? tsStreamKernel;
    const { meta, arrays } = readStateBlob(blob, engineId(kernel.engine));
    const s = meta as SavedMeta;
    if (options !== undefined) checkSameOptions(s.options, resolveOptions(options));
    const a = new StreamingAnalyzer(s.options, { window: s.window ?? undefined, kernel });
    [a.rawBase, a.mergedBase, a.penBase, a.segBase] = s.bases;
    const bars = arrays.bars as Float64Array, macd = arrays.macd as Float64Array;
    const n = bars.length / 6;
    for (let i = 0; i < n; i++) {
      a.bars.row(i, Array.from(bars.subarray(6 * i, 6 * i + 6)));
      a.macdCols.row(i, Array.from(macd.subarray(3 * i, 3 * i + 3)));
    }
    a.bars.count = a.macdCols.count = n;
    const sr = arrays.segments as Int32Array;
    const segments: SegmentRecord[] = [];
    for (let j = 0; j < sr.length; j += 5) {
      segments.push({ startPen: sr[j]!, endPen: sr[j + 1]!, dir: sr[j + 2]!, confirmed: sr[j + 3] === 1, endCase: sr[j + 4] === 0 ? null : (sr[j + 4] as 1 | 2) });
    }
    const pr = arrays.pens as Int32Array;
    const pens: PenRecord[] = [];
    for (let j = 0; j < pr.length; j += 4) pens.push({ startK: pr[j]!, endK: pr[j + 1]!, dir: pr[j + 2]!, confirmed: (pr[j + 3]! & 1) !== 0, wasConfirmed: (pr[j + 3]! & 2) !== 0 });
    const high = arrays.mergedHigh as Float64Array;
    a.k.load({
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
    });
    // Final pens are a function of the pen records and bars: shape them again.
    for (let j = 0; j < s.finalPens; j++) a.finalPens.push(a.shapePen(pens[j]!, a.penBase + j));
    a.last = s.last === null ? null : loadedMark(s.last, arrays.lastF as Float64Array);
    // The changeable tail (provisional pens and segments) is recomputed.
    a.tailRecords = a.k.tail();
    a.tailPens = a.tailRecords.map((r, j) => a.shapePen(r, a.penBase + a.finalPens.length + j));
    a.updateSegments();
    return a;
  }

  /** The engine running the per-bar stages. */
  get engine(): 'ts' | 'wasm' {
    return this.k.engine;
  }
}

const engineId = (engine: string) => `chan-engine-${engine}@${VERSION}`;

/** Row-major copy of the first n rows of columns. */
function interleave(cols: Float64Array[], n: number): Float64Array {
  const w = cols.length;
  const out = new Float64Array(w * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) out[i * w + j] = cols[j]![i]!;
  return out;
}

/** Index of the first defined MACD value after n bars (as computeMacd reports it). */
function macdFirstValid(o: AnalysisOptions, n: number): number {
  if (o.macd.seed !== 'sma') return 0;
  const fv = o.macd.slow + o.macd.signal - 2;
  return n <= fv ? n : fv;
}

interface SavedMeta {
  options: AnalysisOptions;
  window: number | null;
  bases: [number, number, number, number];
  finalPens: number;
  resumeBegin: number;
  free: number[];
  lastEnd: number;
  macd: { count: number; seedCloses: number };
  last: SavedMark | null;
}

/** A mark as blobs hold it: segment fields flat, floats zeroed (they travel in lastF). */
type SavedMark = Omit<Mark, 'segs'> & { finalSegs: number; resumeBegin: number };

function savedMark(m: Mark): SavedMark {
  const { segs, ...rest } = m;
  return { ...rest, merged: { ...m.merged, high: 0, low: 0 }, macd: { ...m.macd, fast: 0, slow: 0, dea: 0 }, finalSegs: segs.count, resumeBegin: segs.resumeBegin };
}

function loadedMark(s: SavedMark, lf: Float64Array): Mark {
  const { finalSegs, resumeBegin, ...rest } = s;
  return {
    ...rest,
    merged: { ...s.merged, high: lf[0]!, low: lf[1]! },
    macd: { ...s.macd, fast: lf[2]!, slow: lf[3]!, dea: lf[4]! },
    segs: { count: finalSegs, resumeBegin },
  };
}

function sameList<X>(a: readonly X[], b: readonly X[], same: (x: X, y: X) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (!same(a[j]!, b[j]!)) return false;
  return true;
}

const samePen = (a: Pen, b: Pen) =>
  a.startMerged === b.startMerged && a.endMerged === b.endMerged && a.startRaw === b.startRaw && a.endRaw === b.endRaw &&
  a.direction === b.direction && a.confirmed === b.confirmed && a.endPrice === b.endPrice && a.startPrice === b.startPrice;

const sameSegment = (a: Segment, b: Segment) =>
  a.startPen === b.startPen && a.endPen === b.endPen && a.direction === b.direction && a.confirmed === b.confirmed &&
  a.endCase === b.endCase && a.startRaw === b.startRaw && a.endRaw === b.endRaw && a.startPrice === b.startPrice && a.endPrice === b.endPrice;

/** Events for pens from index `from`: `oldPens` then versus final pens + tail now. */
function diffPens(oldPens: Pen[], from: number, finalPens: Pen[], tail: Pen[], base: number, events: StreamEvent[]): void {
  const nowCount = finalPens.length + tail.length;
  const at = (i: number) => (i < finalPens.length ? finalPens[i]! : tail[i - finalPens.length]!);
  const end = Math.max(from + oldPens.length, nowCount);
  for (let i = from; i < end; i++) {
    const a = oldPens[i - from];
    if (i >= nowCount) {
      events.push({ type: 'pen_removed', index: base + i });
      continue;
    }
    const b = at(i);
    if (a !== undefined && samePen(a, b)) continue;
    const type = !b.confirmed ? 'pen_provisional' : a !== undefined && a.confirmed && a.startMerged === b.startMerged ? 'pen_extended' : 'pen_confirmed';
    events.push({ type, pen: b });
  }
}
