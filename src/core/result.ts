// Turns an engine's raw output (merged-bar columns, pen columns, segment records, MACD) into the
// public AnalysisResult. Both engines share this code, so equal raw output means equal results.
import { apexOf, extremeOf, type MergedColumns, type PenRecord, type SegmentRecord } from './records.js';
import type { StructureOptions } from './structure-options.js';
import { InputError } from './errors.js';
import { macdSeries } from './macd-series.js';
import { shapeStructures, structureColumns, type LineView, type Structures } from './structures/index.js';
import type { StructureColumns } from './structures/columns.js';
import { penLines, type PenLineColumns } from './structures/lines.js';
import type { AnalysisResult, Bars, Fractal, Fractals, MacdSeries, Pen, PenColumns, Segment, SegmentOfSegments } from './types.js';

export interface RawAnalysis {
  readonly merged: MergedColumns;
  /** The pens, as the columns of their lines (they are also the result's pen columns). */
  readonly pens: PenLineColumns;
  readonly segments: readonly SegmentRecord[];
  /** Segments of segments: segment records whose "pens" are segments. */
  readonly segmentsOfSegments: readonly SegmentRecord[];
  readonly macd: MacdSeries;
  /** The structures, when the engine computed them itself (the WASM engine); else the shared rules do here. */
  readonly structures?: StructureColumns;
}

const NO_STRUCTURES: Structures = Object.freeze({
  pivots: Object.freeze({ pen: Object.freeze([]), segment: Object.freeze([]) }),
  buySellPoints: Object.freeze({ pen: Object.freeze([]), segment: Object.freeze([]) }),
});

/**
 * The public result of an engine's raw output (the structures: the engine's columns, or the shared
 * rules' here). Its pens are columns; `pens` makes the objects when first read, and each level's
 * pivots and points likewise (own enumerable getters, so spreading, JSON and structured clone see
 * them), as most callers of a long series read a few or none.
 */
export function shapeResult(bars: Bars, raw: RawAnalysis, options: StructureOptions): AnalysisResult {
  const m = raw.merged;
  const merged = { count: m.count, high: m.high, low: m.low, dir: m.dir, rawStart: m.rawStart, rawEnd: m.rawEnd };
  const lines = penLines(raw.pens, bars.timestamp);
  const penColumns: PenColumns = {
    count: lines.n,
    direction: lines.dir,
    startMerged: raw.pens.startMerged,
    endMerged: raw.pens.endMerged,
    startRaw: lines.beginRaw,
    endRaw: lines.endRaw,
    startPrice: lines.begin,
    endPrice: lines.end,
    startTime: lines.beginTime,
    endTime: lines.endTime,
    confirmed: lines.confirmed,
  };
  const segments = raw.segments.map((s, index) => shapeSegment(s, index, penAt(penColumns, s.startPen), penAt(penColumns, s.endPen)));
  const segmentsOfSegments = (options.enabled ? raw.segmentsOfSegments : []).map((s, index) =>
    shapeSegmentOfSegments(s, index, segments[s.startPen]!, segments[s.endPen]!),
  );
  const columns = options.enabled
    ? (raw.structures ??
      structureColumns({ bars, penLines: lines, segments: raw.segments, segmentsOfSegments: raw.segmentsOfSegments }, options))
    : null;
  return withLazyObjects(
    {
      barCount: bars.high.length,
      merged,
      fractals: shapeFractals(m),
      penColumns,
      segments,
      segmentsOfSegments,
      macd: raw.macd,
    },
    columns,
  );
}

/** What shaping reads of a level's lines, from the columns pens and segments share. */
function lineViewOf(c: LineColumns): LineView {
  return {
    n: c.count,
    dir: c.direction,
    beginTime: c.startTime,
    endTime: c.endTime,
    endRaw: c.endRaw,
    end: c.endPrice,
    confirmed: c.confirmed,
  };
}

/** The structure columns of the results shapeResult and fromMessage made (toMessage sends them). */
const STRUCTURE_COLUMNS = new WeakMap<object, StructureColumns>();

/**
 * A result whose `pens` are made from its pen columns when first read, then kept, and each level's
 * pivots and points from the structure columns likewise (none when `structures` is null: turned
 * off); keys in the type's order.
 */
function withLazyObjects(
  r: Omit<AnalysisResult, 'pens' | 'pivots' | 'buySellPoints'>,
  structures: StructureColumns | null,
): AnalysisResult {
  let pens: Pen[] | undefined;
  const s = structures === null ? NO_STRUCTURES : structuresOf(r, structures);
  const result: AnalysisResult = {
    barCount: r.barCount,
    merged: r.merged,
    fractals: r.fractals,
    get pens(): Pen[] {
      return (pens ??= penList(r.penColumns));
    },
    penColumns: r.penColumns,
    segments: r.segments,
    segmentsOfSegments: r.segmentsOfSegments,
    pivots: s.pivots,
    buySellPoints: s.buySellPoints,
    macd: r.macd,
  };
  if (structures !== null) STRUCTURE_COLUMNS.set(result, structures);
  return result;
}

/** The pivots and points a result's structure columns make (over its pens and segments as lines). */
function structuresOf(r: Pick<AnalysisResult, 'penColumns' | 'segments'>, c: StructureColumns): Structures {
  return shapeStructures(c, lineViewOf(r.penColumns), () => lineViewOf(lineColumnsOf(r.segments)));
}

/**
 * The structure columns a result's pivots and points are made from, when an engine made it (through
 * shapeResult, or fromMessage in another thread); null for others (a stream's snapshot, a copy).
 */
export function structureColumnsOf(r: object): StructureColumns | null {
  return STRUCTURE_COLUMNS.get(r) ?? null;
}

/**
 * A result as a message between threads carries it: without the parts its receiver makes from the
 * others when read (the pen, pivot and point objects, the MACD histogram), which structured cloning
 * would make and copy; with the structure columns instead (null: structures off).
 */
export interface ResultMessage extends Omit<AnalysisResult, 'pens' | 'pivots' | 'buySellPoints' | 'macd'> {
  readonly macd: Omit<MacdSeries, 'histogram'>;
  readonly structures: StructureColumns | null;
}

/** The message of a result that shapeResult (or fromMessage) made. */
export function toMessage(r: AnalysisResult): ResultMessage {
  const { dif, dea, firstValid } = r.macd;
  return {
    barCount: r.barCount,
    merged: r.merged,
    fractals: r.fractals,
    penColumns: r.penColumns,
    segments: r.segments,
    segmentsOfSegments: r.segmentsOfSegments,
    structures: structureColumnsOf(r),
    macd: { dif, dea, firstValid },
  };
}

/** The result of a message (`histogramScale`: the options' MACD histogram scale). */
export function fromMessage(m: ResultMessage, histogramScale: number): AnalysisResult {
  return withLazyObjects({ ...m, macd: macdSeries(m.macd.dif, m.macd.dea, m.macd.firstValid, histogramScale) }, m.structures);
}

/** Pen i of the columns as an object (InputError for an index they do not hold); `base`: the global index of the columns' first pen (a streaming window's). */
export function penAt(c: PenColumns, i: number, base = 0): Pen {
  if (!(Number.isInteger(i) && i >= 0 && i < c.count)) {
    throw new InputError(`penAt: the columns hold ${c.count === 0 ? 'no pens' : `pens 0 to ${c.count - 1}`}, not ${i}`, 'i');
  }
  return {
    index: base + i,
    direction: c.direction[i] === 1 ? 'up' : 'down',
    startMerged: c.startMerged[i]!,
    endMerged: c.endMerged[i]!,
    startRaw: c.startRaw[i]!,
    endRaw: c.endRaw[i]!,
    startPrice: c.startPrice[i]!,
    endPrice: c.endPrice[i]!,
    startTime: c.startTime[i]!,
    endTime: c.endTime[i]!,
    confirmed: c.confirmed[i] === 1,
  };
}

/** The pens of the columns as objects (`base` as for penAt). */
export function penList(c: PenColumns, base = 0): Pen[] {
  const out: Pen[] = new Array(c.count);
  for (let i = 0; i < c.count; i++) out[i] = penAt(c, i, base);
  return out;
}

/** Zeroed columns for n pens (keys in the order of the PenColumns type, as shapeResult's). */
export function allocatePenColumns(n: number): PenColumns {
  const { count, direction, ...rest } = allocateLineColumns(n);
  return { count, direction, startMerged: new Int32Array(n), endMerged: new Int32Array(n), ...rest };
}

/** The columns pens and segments share: direction, raw bars, prices, times and confirmed flag. */
export type LineColumns = Omit<PenColumns, 'startMerged' | 'endMerged'>;

function allocateLineColumns(n: number): LineColumns {
  return {
    count: n,
    direction: new Int8Array(n),
    startRaw: new Int32Array(n),
    endRaw: new Int32Array(n),
    startPrice: new Float64Array(n),
    endPrice: new Float64Array(n),
    startTime: new Float64Array(n),
    endTime: new Float64Array(n),
    confirmed: new Uint8Array(n),
  };
}

/** Pens or segments as the columns they share. */
export function lineColumnsOf(lines: readonly (Pen | Segment)[]): LineColumns {
  const n = lines.length;
  const c = allocateLineColumns(n);
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    c.direction[i] = l.direction === 'up' ? 1 : -1;
    c.startRaw[i] = l.startRaw;
    c.endRaw[i] = l.endRaw;
    c.startPrice[i] = l.startPrice;
    c.endPrice[i] = l.endPrice;
    c.startTime[i] = l.startTime;
    c.endTime[i] = l.endTime;
    c.confirmed[i] = l.confirmed ? 1 : 0;
  }
  return c;
}

/** One segment of segments from its first and last segment (a record's "pens" are segments). */
export function shapeSegmentOfSegments(s: SegmentRecord, index: number, a: Segment, b: Segment): SegmentOfSegments {
  return {
    index,
    direction: s.dir === 1 ? 'up' : 'down',
    startSegment: a.index,
    endSegment: b.index,
    startRaw: a.startRaw,
    endRaw: b.endRaw,
    startPrice: a.startPrice,
    endPrice: b.endPrice,
    startTime: a.startTime,
    endTime: b.endTime,
    confirmed: s.confirmed,
  };
}

/** The fractals; `mergedBase` is the global index of merged bar 0 when the columns hold part of the series. */
export function shapeFractals(m: MergedColumns, mergedBase = 0): Fractals {
  const count = m.fractalCount;
  const type = new Int8Array(count),
    mergedIndex = new Int32Array(count),
    rawIndex = new Int32Array(count),
    price = new Float64Array(count);
  // The columns in locals rather than read through `m` in the loop (faster, measured at 1M bars).
  const { fractalIndex, fx, highApex, lowApex, high, low } = m;
  for (let j = 0; j < count; j++) {
    const k = fractalIndex[j]!;
    const top = fx[k] === 1;
    type[j] = top ? 1 : -1;
    mergedIndex[j] = mergedBase + k;
    rawIndex[j] = top ? highApex[k]! : lowApex[k]!;
    price[j] = top ? high[k]! : low[k]!;
  }
  return { count, type, mergedIndex, rawIndex, price };
}

/** Fractals as objects (convenience; the columns are the primary form). */
export function fractalList(f: Fractals): Fractal[] {
  return Array.from({ length: f.count }, (_, i) => ({
    type: f.type[i] === 1 ? 'top' : 'bottom',
    mergedIndex: f.mergedIndex[i]!,
    rawIndex: f.rawIndex[i]!,
    price: f.price[i]!,
  }));
}

/**
 * Writes pen record r into row i of pen columns. `mergedBase` / `rawBase` are the global indices of
 * merged bar 0 and of timestamp[0] when the columns hold only part of the series (a streaming
 * window); raw indices in `m` are global.
 */
export function setPenRow(
  c: PenColumns,
  i: number,
  m: MergedColumns,
  r: PenRecord,
  timestamp: Float64Array,
  mergedBase = 0,
  rawBase = 0,
): void {
  const up = r.dir === 1;
  const startRaw = apexOf(m, r.startK, !up);
  const endRaw = apexOf(m, r.endK, up);
  c.direction[i] = up ? 1 : -1;
  c.startMerged[i] = mergedBase + r.startK;
  c.endMerged[i] = mergedBase + r.endK;
  c.startRaw[i] = startRaw;
  c.endRaw[i] = endRaw;
  c.startPrice[i] = extremeOf(m, r.startK, !up);
  c.endPrice[i] = extremeOf(m, r.endK, up);
  c.startTime[i] = timestamp[startRaw - rawBase]!;
  c.endTime[i] = timestamp[endRaw - rawBase]!;
  c.confirmed[i] = r.confirmed ? 1 : 0;
}

/** One segment from its first and last pen (`a`, `b`: their `index` is the global pen index). */
export function shapeSegment(s: SegmentRecord, index: number, a: Pen, b: Pen): Segment {
  return {
    index,
    direction: s.dir === 1 ? 'up' : 'down',
    startPen: a.index,
    endPen: b.index,
    startRaw: a.startRaw,
    endRaw: b.endRaw,
    startPrice: a.startPrice,
    endPrice: b.endPrice,
    startTime: a.startTime,
    endTime: b.endTime,
    confirmed: s.confirmed,
    endCase: s.endCase,
  };
}
