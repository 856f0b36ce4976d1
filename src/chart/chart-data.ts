// What a chart file holds: the bars and the analysis of a time window, columnar (see columns.ts),
// with bar positions relative to the window's first bar. Made from an AnalysisResult or from the
// service's answers; read by the page (page/main.ts).
import { BarValidationError, InputError } from '../core/errors.js';
import { lowerBound } from '../core/search.js';
import type { AnalysisResult, Bars, BuySellPoint, MergedBars, Pivot } from '../core/types.js';
import { encodeColumn, exactDigits, significantDigits, type DeltaColumn } from './columns.js';

/** A pen, segment or segment of segments as the chart needs it (Pen, Segment and SegmentOfSegments are). */
export type ChartLineSource = Pick<
  AnalysisResult['pens'][number],
  'index' | 'startRaw' | 'endRaw' | 'startPrice' | 'endPrice' | 'confirmed'
>;
export type ChartPivotSource = Pick<Pivot, 'index' | 'startRaw' | 'endRaw' | 'low' | 'high' | 'confirmed'>;
export type ChartPointSource = Pick<BuySellPoint, 'line' | 'rawIndex' | 'price' | 'side' | 'confirmed'> & {
  readonly types: readonly string[];
};

/** The analysis to draw: an AnalysisResult is one; `merged` may be left out (no merged-bar layer then). */
export interface ChartAnalysis {
  readonly merged?: MergedBars | null;
  readonly pens: readonly ChartLineSource[];
  readonly segments: readonly ChartLineSource[];
  readonly segmentsOfSegments: readonly ChartLineSource[];
  readonly pivots: { readonly pen: readonly ChartPivotSource[]; readonly segment: readonly ChartPivotSource[] };
  readonly buySellPoints: { readonly pen: readonly ChartPointSource[]; readonly segment: readonly ChartPointSource[] };
  readonly macd: AnalysisResult['macd'];
}

export interface ChartOptions {
  /** Heading of the page (e.g. the file or the symbol). */
  readonly title?: string;
  /** The line under it (e.g. the options the analysis used). */
  readonly subtitle?: string;
  /** Only the bars opening in [from, to] (ms since epoch, both ends included) are drawn; the analysis is of the whole series. */
  readonly from?: number;
  readonly to?: number;
}

/** Lines (pens, segments, segments of segments); positions are bars of the window, ends clipped to it. */
export interface ChartLines {
  readonly index: DeltaColumn;
  readonly start: DeltaColumn;
  readonly end: DeltaColumn;
  readonly startPrice: DeltaColumn;
  readonly endPrice: DeltaColumn;
  /** Positions (in these columns) of the lines not confirmed yet. */
  readonly provisional: readonly number[];
}

export interface ChartBoxes {
  readonly index: DeltaColumn;
  readonly start: DeltaColumn;
  readonly end: DeltaColumn;
  readonly low: DeltaColumn;
  readonly high: DeltaColumn;
  readonly provisional: readonly number[];
}

export interface ChartPoints {
  readonly bar: DeltaColumn;
  readonly price: DeltaColumn;
  readonly line: DeltaColumn;
  /** 'b' (buy) or 's' (sell) per point. */
  readonly sides: string;
  /** The point's types joined by ',' (e.g. "1,2s"). */
  readonly types: readonly string[];
  readonly provisional: readonly number[];
}

export interface ChartData {
  readonly title: string;
  readonly subtitle: string;
  /** Index in the analysed series of the window's first bar. */
  readonly firstBar: number;
  readonly bars: {
    readonly time: DeltaColumn;
    readonly open: DeltaColumn;
    readonly high: DeltaColumn;
    readonly low: DeltaColumn;
    readonly close: DeltaColumn;
  };
  /** Merged bars meeting the window: the last bar of each (the first starts at bar 0), high, low. */
  readonly merged: { readonly end: DeltaColumn; readonly high: DeltaColumn; readonly low: DeltaColumn } | null;
  readonly pens: ChartLines;
  readonly segments: ChartLines;
  readonly segmentsOfSegments: ChartLines;
  readonly pivots: { readonly pen: ChartBoxes; readonly segment: ChartBoxes };
  readonly points: { readonly pen: ChartPoints; readonly segment: ChartPoints };
  /** MACD from window bar `first` on (the bars before have none). */
  readonly macd: { readonly first: number; readonly dif: DeltaColumn; readonly dea: DeltaColumn; readonly histogram: DeltaColumn };
}

/** The chart data of `bars` and their analysis, for the window of `options`. */
export function chartData(bars: Bars, analysis: ChartAnalysis, options: ChartOptions = {}): ChartData {
  const t = bars.timestamp;
  const n = t.length;
  if (n === 0) throw new BarValidationError(-1, 'bars', 'no bars to chart');
  // Its MACD has a value (or NaN) for every bar the analysis was made of.
  if (analysis.macd.dif.length !== n) {
    throw new InputError(`the analysis is of ${analysis.macd.dif.length} bars, ${n} were given: chart the bars it was made of`, 'bars');
  }
  const a = lowerBound(t, options.from ?? -Infinity);
  const b = lowerBound(t, nextAfter(options.to ?? Infinity)); // exclusive
  if (a >= b) {
    throw new InputError(
      `no bars between ${iso(options.from, 'the start')} and ${iso(options.to, 'the end')}: the series runs from ${iso(t[0]!)} to ${iso(t[n - 1]!)}`,
      options.from !== undefined ? 'from' : 'to',
    );
  }
  // The page keys bars by whole seconds (the chart library's time unit).
  for (let i = a + 1; i < b; i++) {
    if (Math.floor(t[i]! / 1000) === Math.floor(t[i - 1]! / 1000)) {
      throw new BarValidationError(
        i,
        'timestamp',
        `opens in the same second as bar ${i - 1}; a chart needs bars at least one second apart`,
      );
    }
  }
  const col = (v: ArrayLike<number>, from = 0, to = v.length) => encodeColumn(v, exactDigits(v, from, to), from, to);
  const clip = (i: number) => Math.min(b - 1, Math.max(a, i)) - a;
  const m = analysis.merged;
  return {
    title: options.title ?? 'chan-engine chart',
    subtitle: options.subtitle ?? '',
    firstBar: a,
    bars: {
      time: encodeColumn(t, exactDigits(t, a, b, 0), a, b),
      open: col(bars.open, a, b),
      high: col(bars.high, a, b),
      low: col(bars.low, a, b),
      close: col(bars.close, a, b),
    },
    merged: m ? mergedIn(m, a, b, col) : null,
    pens: linesIn(analysis.pens, a, b, col),
    segments: linesIn(analysis.segments, a, b, col),
    segmentsOfSegments: linesIn(analysis.segmentsOfSegments, a, b, col),
    pivots: { pen: boxesIn(analysis.pivots.pen, a, b, col, clip), segment: boxesIn(analysis.pivots.segment, a, b, col, clip) },
    points: { pen: pointsIn(analysis.buySellPoints.pen, a, b, col), segment: pointsIn(analysis.buySellPoints.segment, a, b, col) },
    macd: macdIn(analysis.macd, a, b),
  };
}

function linesIn(lines: readonly ChartLineSource[], a: number, b: number, col: (v: number[]) => DeltaColumn): ChartLines {
  const index: number[] = [],
    start: number[] = [],
    end: number[] = [],
    p0: number[] = [],
    p1: number[] = [],
    provisional: number[] = [];
  for (const l of lines) {
    if (l.endRaw < a || l.startRaw > b - 1) continue;
    // A line crossing an edge of the window ends there, at its price on the straight line drawn.
    const at = (i: number) =>
      l.endRaw === l.startRaw ? l.startPrice : l.startPrice + ((l.endPrice - l.startPrice) * (i - l.startRaw)) / (l.endRaw - l.startRaw);
    const s = Math.max(a, l.startRaw),
      e = Math.min(b - 1, l.endRaw);
    if (!l.confirmed) provisional.push(index.length);
    index.push(l.index);
    start.push(s - a);
    end.push(e - a);
    p0.push(at(s));
    p1.push(at(e));
  }
  return {
    index: encodeColumn(index, 0),
    start: encodeColumn(start, 0),
    end: encodeColumn(end, 0),
    startPrice: col(p0),
    endPrice: col(p1),
    provisional,
  };
}

function boxesIn(
  boxes: readonly ChartPivotSource[],
  a: number,
  b: number,
  col: (v: number[]) => DeltaColumn,
  clip: (i: number) => number,
): ChartBoxes {
  const shown = boxes.filter((z) => z.endRaw >= a && z.startRaw <= b - 1);
  return {
    index: encodeColumn(
      shown.map((z) => z.index),
      0,
    ),
    start: encodeColumn(
      shown.map((z) => clip(z.startRaw)),
      0,
    ),
    end: encodeColumn(
      shown.map((z) => clip(z.endRaw)),
      0,
    ),
    low: col(shown.map((z) => z.low)),
    high: col(shown.map((z) => z.high)),
    provisional: positions(shown, (z) => !z.confirmed),
  };
}

function pointsIn(points: readonly ChartPointSource[], a: number, b: number, col: (v: number[]) => DeltaColumn): ChartPoints {
  const shown = points.filter((p) => p.rawIndex >= a && p.rawIndex < b);
  return {
    bar: encodeColumn(
      shown.map((p) => p.rawIndex - a),
      0,
    ),
    price: col(shown.map((p) => p.price)),
    line: encodeColumn(
      shown.map((p) => p.line),
      0,
    ),
    sides: shown.map((p) => (p.side === 'buy' ? 'b' : 's')).join(''),
    types: shown.map((p) => p.types.join(',')),
    provisional: positions(shown, (p) => !p.confirmed),
  };
}

function mergedIn(m: MergedBars, a: number, b: number, col: (v: number[]) => DeltaColumn): ChartData['merged'] {
  const end: number[] = [],
    high: number[] = [],
    low: number[] = [];
  for (let k = lowerBound(m.rawEnd, a); k < m.count && m.rawStart[k]! < b; k++) {
    end.push(Math.min(b - 1, m.rawEnd[k]!) - a);
    high.push(m.high[k]!);
    low.push(m.low[k]!);
  }
  return { end: encodeColumn(end, 0), high: col(high), low: col(low) };
}

function macdIn(macd: AnalysisResult['macd'], a: number, b: number): ChartData['macd'] {
  const from = Math.min(b, Math.max(a, macd.firstValid));
  const digits = Math.max(
    significantDigits(macd.dif, from, b),
    significantDigits(macd.dea, from, b),
    significantDigits(macd.histogram, from, b),
  );
  return {
    first: from - a,
    dif: encodeColumn(macd.dif, digits, from, b),
    dea: encodeColumn(macd.dea, digits, from, b),
    histogram: encodeColumn(macd.histogram, digits, from, b),
  };
}

const positions = <T>(xs: readonly T[], f: (x: T) => boolean) => xs.flatMap((x, i) => (f(x) ? [i] : []));

const nextAfter = (v: number) => (Number.isFinite(v) ? v + 0.5 : v); // timestamps are whole ms
const iso = (t: number | undefined, none = '') => (t === undefined || !Number.isFinite(t) ? none : new Date(t).toISOString());
