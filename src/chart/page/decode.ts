// The chart data's columns as typed arrays, and the lookups the page makes in them. No DOM here.
import type { ChartBoxes, ChartData, ChartLines, ChartPoints } from '../chart-data.js';
import { decodeColumn } from '../columns.js';
import { lowerBound } from '../../core/search.js';

export interface Lines {
  readonly count: number;
  readonly index: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly startPrice: Float64Array;
  readonly endPrice: Float64Array;
  /** 1 for a line not confirmed yet. */
  readonly provisional: Uint8Array;
}

export interface Boxes {
  readonly count: number;
  readonly index: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly provisional: Uint8Array;
}

export interface Points {
  readonly count: number;
  readonly bar: Float64Array;
  readonly price: Float64Array;
  readonly line: Float64Array;
  readonly sides: string;
  readonly types: readonly string[];
  readonly provisional: Uint8Array;
}

export interface Decoded {
  readonly count: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Merged bars: first and last bar of each. */
  readonly merged: {
    readonly count: number;
    readonly start: Float64Array;
    readonly end: Float64Array;
    readonly high: Float64Array;
    readonly low: Float64Array;
  } | null;
  readonly pens: Lines;
  readonly segments: Lines;
  readonly segmentsOfSegments: Lines;
  readonly pivots: { readonly pen: Boxes; readonly segment: Boxes };
  readonly points: { readonly pen: Points; readonly segment: Points };
  readonly macd: { readonly first: number; readonly dif: Float64Array; readonly dea: Float64Array; readonly histogram: Float64Array };
}

function flags(count: number, positions: readonly number[]): Uint8Array {
  const out = new Uint8Array(count);
  for (const i of positions) out[i] = 1;
  return out;
}

function lines(c: ChartLines): Lines {
  const index = decodeColumn(c.index);
  return {
    count: index.length,
    index,
    start: decodeColumn(c.start),
    end: decodeColumn(c.end),
    startPrice: decodeColumn(c.startPrice),
    endPrice: decodeColumn(c.endPrice),
    provisional: flags(index.length, c.provisional),
  };
}

function boxes(c: ChartBoxes): Boxes {
  const index = decodeColumn(c.index);
  return {
    count: index.length,
    index,
    start: decodeColumn(c.start),
    end: decodeColumn(c.end),
    low: decodeColumn(c.low),
    high: decodeColumn(c.high),
    provisional: flags(index.length, c.provisional),
  };
}

function points(c: ChartPoints): Points {
  const bar = decodeColumn(c.bar);
  return {
    count: bar.length,
    bar,
    price: decodeColumn(c.price),
    line: decodeColumn(c.line),
    sides: c.sides,
    types: c.types,
    provisional: flags(bar.length, c.provisional),
  };
}

export function decode(d: ChartData): Decoded {
  const time = decodeColumn(d.bars.time);
  let merged: Decoded['merged'] = null;
  if (d.merged !== null) {
    const end = decodeColumn(d.merged.end);
    const start = new Float64Array(end.length);
    for (let k = 1; k < end.length; k++) start[k] = end[k - 1]! + 1;
    merged = { count: end.length, start, end, high: decodeColumn(d.merged.high), low: decodeColumn(d.merged.low) };
  }
  return {
    count: time.length,
    time,
    open: decodeColumn(d.bars.open),
    high: decodeColumn(d.bars.high),
    low: decodeColumn(d.bars.low),
    close: decodeColumn(d.bars.close),
    merged,
    pens: lines(d.pens),
    segments: lines(d.segments),
    segmentsOfSegments: lines(d.segmentsOfSegments),
    pivots: { pen: boxes(d.pivots.pen), segment: boxes(d.pivots.segment) },
    points: { pen: points(d.points.pen), segment: points(d.points.segment) },
    macd: { first: d.macd.first, dif: decodeColumn(d.macd.dif), dea: decodeColumn(d.macd.dea), histogram: decodeColumn(d.macd.histogram) },
  };
}

/** The position of the line (or merged bar) covering a bar, the later one where two meet; -1 if none. */
export function coveringAt(c: { readonly start: Float64Array; readonly end: Float64Array }, bar: number): number {
  let k = lowerBound(c.end, bar);
  // Two lines meet at a bar: the one starting there.
  if (k + 1 < c.end.length && c.end[k] === bar && c.start[k + 1] === bar) k++;
  return k < c.end.length && c.start[k]! <= bar ? k : -1;
}
