// `chan chart FILE.csv` and `chan chart --symbol S --timeframe TF`: the analysis as an HTML chart file.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { chartHtml, type ChartAnalysis, type ChartOptions } from '../chart/index.js';
import { parseDateTime } from '../core/csv-time.js';
import { InputError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { mergeBars } from '../engines/ts/pipeline.js';
import { barsFromObjects } from '../core/bars.js';
import type { Bars } from '../core/types.js';
import type { FailoverClient } from '../service/client.js';
import type * as M from '../service/messages.js';
import { analyzeFile, type AnalyzeArgs } from './analyze-command.js';
import type { ClientArgs } from './client-commands.js';
import { positiveInt } from './positive-int.js';
import { importServiceCommand } from './service-packages.js';
import { UsageError } from './usage-error.js';

export interface ChartArgs extends ClientArgs {
  readonly file?: string;
  readonly output?: string;
  readonly config?: string;
  readonly from?: string;
  readonly to?: string;
  readonly maxBars?: string;
}

/**
 * Bars a chart draws when no window is asked for: the last ones of a longer series (a page holds
 * ~21 bytes a bar, bench/README.md: a million bars make ~21 MB).
 */
const MAX_BARS = 1_000_000;

/** Writes the chart; returns what to print. */
export async function runChart(a: ChartArgs): Promise<string> {
  const asked = { from: parseTime('--from', a.from, false), to: parseTime('--to', a.to, true) };
  if (asked.from !== undefined && asked.to !== undefined && asked.from > asked.to) {
    throw new UsageError(`--from (${a.from}) is after --to (${a.to})`);
  }
  const window = { ...asked, maxBars: positiveInt('--max-bars', a.maxBars) ?? MAX_BARS };
  if (a.file !== undefined && a.symbol !== undefined) throw new UsageError('chan chart takes a FILE.csv or --symbol, not both');
  const made = a.file !== undefined ? await fromFile({ ...a, file: a.file, json: false }, window) : await fromService(a, window);
  const path = a.output ?? made.defaultName;
  try {
    writeFileSync(path, made.html);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot write ${path}: ${err.code === 'ENOENT' ? 'its directory does not exist' : err.message}`);
  }
  return `wrote ${path} (${(made.html.length / 1e6).toFixed(1)} MB): ${made.subtitle}`;
}

interface Made {
  readonly html: string;
  readonly subtitle: string;
  readonly defaultName: string;
}

async function fromFile(args: AnalyzeArgs, window: Window): Promise<Made> {
  const { config, options, csv, bars, result } = await analyzeFile(args);
  const { fast, slow, signal } = options.macd;
  const drawn = drawnWindow(bars, window);
  const subtitle = describe(bars, drawn, `pens ${options.pen.definition} · MACD ${fast}/${slow}/${signal} (${config.macdPreset})`);
  const stdin = args.file === '-';
  const source = stdin ? 'standard input' : basename(args.file);
  // One ticker of a file of several (--ticker) names the chart and its file.
  const ticker = csv.ticker;
  const stem = stdin ? 'chart' : source.replace(/\.csv(\.gz)?$/i, '');
  return {
    html: chartHtml(bars, result, {
      title: ticker === undefined ? source : `${ticker} · ${source}`,
      subtitle,
      from: drawn.from,
      to: drawn.to,
    }),
    subtitle,
    // A ticker such as X:BTCUSD or BTC/USD is written into the file name with _ for what paths do not take.
    defaultName: `${stem}${ticker === undefined ? '' : `-${ticker.replace(/[^\w.-]+/g, '_')}`}.html`,
  };
}

/**
 * The service's analysis of a stored series. The calls are made together and repeated (up to 3
 * times) until every answer is of the same bar count, so bars arriving meanwhile cannot mix two
 * revisions. Merged bars are not served: they are computed here from the bars (inclusion has no options).
 */
async function fromService(a: ChartArgs, window: Window): Promise<Made> {
  const { withClient, penOptions, series } = await importServiceCommand('chart --symbol', () => import('./client-commands.js'));
  const s = series(a);
  const pen = penOptions(a);
  return withClient(a, async (client) => {
    for (let attempt = 1; ; attempt++) {
      const got = await fetchAll(client, s, pen, a.preset);
      const counts = new Set([got.klines.barCount, ...got.counts]);
      if (counts.size === 1) {
        const { bars, analysis, macd } = fromMessages(got);
        const drawn = drawnWindow(bars, window);
        const subtitle = describe(bars, drawn, `server ${got.engine} engine · MACD ${macd.fast}/${macd.slow}/${macd.signal}`);
        const title = `${a.symbol} ${s.timeframe.replace('TIMEFRAME_', '')}`;
        return {
          html: chartHtml(bars, analysis, { title, subtitle, from: drawn.from, to: drawn.to }),
          subtitle,
          defaultName: `${title.replace(/[^A-Za-z0-9._-]+/g, '_')}.html`,
        };
      }
      if (attempt === 3) throw new Error(`the series kept changing while it was read (bar counts ${[...counts].join(', ')}); try again`);
    }
  });
}

async function fetchAll(client: FailoverClient, s: { symbol: string; timeframe: string }, pen: M.PenOptions | undefined, preset?: string) {
  const [klines, pens, segments, segsegs, penPivots, segmentPivots, penPoints, segmentPoints, macd] = await Promise.all([
    client.run((c) => c.getKlines(s)),
    client.run((c) => c.calculatePens({ ...s, pen })),
    client.run((c) => c.calculateSegments({ ...s, pen })),
    client.run((c) => c.calculateSegments({ ...s, pen, level: 'LEVEL_SEGMENT' })),
    client.run((c) => c.calculatePivots({ ...s, pen, level: 'LEVEL_PEN' })),
    client.run((c) => c.calculatePivots({ ...s, pen, level: 'LEVEL_SEGMENT' })),
    client.run((c) => c.getBuySellPoints({ ...s, pen, level: 'LEVEL_PEN' })),
    client.run((c) => c.getBuySellPoints({ ...s, pen, level: 'LEVEL_SEGMENT' })),
    client.run((c) => c.getMacd({ ...s, ...(preset !== undefined && { preset }) })),
  ]);
  const rest = [pens, segments, segsegs, penPivots, segmentPivots, penPoints, segmentPoints, macd];
  return {
    klines,
    pens,
    segments,
    segsegs,
    penPivots,
    segmentPivots,
    penPoints,
    segmentPoints,
    macd,
    counts: rest.map((r) => r.barCount),
    engine: macd.engine,
  };
}

function fromMessages(got: Awaited<ReturnType<typeof fetchAll>>): { bars: Bars; analysis: ChartAnalysis; macd: M.GetMACDResponse } {
  const bars = barsFromObjects(got.klines.klines);
  const n = bars.timestamp.length;
  const line = (p: M.PenMessage) => ({ ...p, startRaw: p.startBar, endRaw: p.endBar });
  const box = (z: M.PivotMessage) => ({ ...z, startRaw: z.startBar, endRaw: z.endBar });
  const point = (p: M.BuySellPointMessage) => ({
    ...p,
    rawIndex: p.bar,
    side: p.side === 'SIDE_BUY' ? ('buy' as const) : ('sell' as const),
  });
  // GetMACD answers the bars with a defined value: the last ones.
  const dif = new Float64Array(n).fill(NaN),
    dea = new Float64Array(n).fill(NaN),
    histogram = new Float64Array(n).fill(NaN);
  const firstValid = n - got.macd.points.length;
  got.macd.points.forEach((p, j) => {
    dif[firstValid + j] = p.dif;
    dea[firstValid + j] = p.dea;
    histogram[firstValid + j] = p.histogram;
  });
  // The service sends no merged bars: the chart's (hidden by default) layer is made here.
  const merged = mergeBars(bars);
  return {
    bars,
    macd: got.macd,
    analysis: {
      merged,
      pens: got.pens.pens.map(line),
      segments: got.segments.segments.map(line),
      segmentsOfSegments: got.segsegs.segments.map(line),
      pivots: { pen: got.penPivots.pivots.map(box), segment: got.segmentPivots.pivots.map(box) },
      buySellPoints: { pen: got.penPoints.points.map(point), segment: got.segmentPoints.points.map(point) },
      macd: { dif, dea, histogram, firstValid },
    },
  };
}

/** The window asked for (--from, --to) and the bars drawn without one (--max-bars). */
type Window = Pick<ChartOptions, 'from' | 'to'> & { readonly maxBars: number };
/** The window drawn; `last`: the bars of a series longer than maxBars drawn for want of a window asked for. */
type Drawn = Pick<ChartOptions, 'from' | 'to'> & { readonly last?: number };

function drawnWindow(bars: Bars, w: Window): Drawn {
  const t = bars.timestamp;
  if (w.from !== undefined || w.to !== undefined || t.length <= w.maxBars) return { from: w.from, to: w.to };
  return { from: t[t.length - w.maxBars], last: w.maxBars };
}

function describe(bars: Bars, window: Drawn, analysis: string): string {
  const t = bars.timestamp;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const shown =
    window.last !== undefined
      ? ` (drawn: the last ${window.last.toLocaleString('en-US')}, from ${day(window.from!)}: --max-bars, --from or --to draw others)`
      : window.from !== undefined || window.to !== undefined
        ? ` (drawn: ${window.from !== undefined ? day(window.from) : 'start'} to ${window.to !== undefined ? day(window.to) : 'end'})`
        : '';
  return `${t.length.toLocaleString('en-US')} bar${t.length === 1 ? '' : 's'}, ${day(t[0]!)} to ${day(t[t.length - 1]!)} UTC${shown} · ${analysis} · chan-engine ${VERSION}`;
}

/**
 * A --from/--to value: ms since the epoch, or an ISO date or date-time (UTC unless it names a zone).
 * A date alone as --to means the end of that day.
 */
export function parseTime(flag: string, v: string | undefined, endOfDay: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  // The CSV reader's dates: a day the calendar does not have is refused, not rolled over.
  const t = parseDateTime(v);
  if (t === undefined) {
    throw new UsageError(
      `${flag}: cannot read "${v}" as a time (use 2019-01-31, 2019-01-31T09:30 (UTC), 2019-01-31T09:30+08:00 or ms since epoch)`,
    );
  }
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(v) ? t + 86_400_000 - 1 : t;
}
