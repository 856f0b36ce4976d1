// `chan analyze FILE.csv` (the full analysis: a summary or JSON) and `chan points FILE.csv` (the
// buy/sell points as a table).
import { withMacdPreset, type EngineConfig } from '../config/schema.js';
import { ChanEngineError } from '../core/errors.js';
import { analyze } from '../engines/ts/pipeline.js';
import { fractalList } from '../core/result.js';
import type { PenDefinition } from '../core/options.js';
import type { AnalysisResult, Bars, BuySellPoint } from '../core/types.js';
import { loadConfigFile } from '../node/config-file.js';
import { readBarsCsvFile } from '../node/csv-file.js';

export interface AnalyzeArgs {
  readonly file: string;
  readonly preset?: string;
  readonly pen?: string;
  readonly json: boolean;
  readonly config?: string;
}

export function runAnalyze(args: AnalyzeArgs): string {
  const { config, options, bars, result } = analyzeFile(args);
  return args.json ? toJson(result) : summary(args.file, bars, result, config.macdPreset, options.pen.definition);
}

/** `chan points FILE.csv`: every buy/sell point of the levels asked for, oldest first. */
export function runPoints(args: AnalyzeArgs & { readonly level?: string }): string {
  if (args.level !== undefined && args.level !== 'pen' && args.level !== 'segment') {
    throw new UsageError(`--level must be pen or segment, got "${args.level}"`);
  }
  const { result } = analyzeFile(args);
  const levels = args.level === undefined ? (['pen', 'segment'] as const) : [args.level as 'pen' | 'segment'];
  const rows = levels
    .flatMap((level) => result.buySellPoints[level].map((p) => ({ level, ...p })))
    .sort((a, b) => a.rawIndex - b.rawIndex || (a.level === b.level ? 0 : a.level === 'pen' ? -1 : 1));
  if (args.json) return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  const table = rows.map((p) =>
    [
      iso(p.time),
      p.level.padEnd(7),
      String(p.line).padStart(5),
      p.side.padEnd(4),
      p.types.join(',').padEnd(8),
      String(p.price).padStart(10),
      (p.divergenceRate === null ? '' : p.divergenceRate.toFixed(4)).padStart(10),
      p.confirmed ? 'confirmed' : 'provisional',
    ].join('  '),
  );
  const head = ['time'.padEnd(iso(0).length), 'level  ', ' line', 'side', 'types   ', '     price', 'divergence', 'state'].join('  ');
  return [head, ...table].join('\n');
}

export function analyzeFile(args: AnalyzeArgs) {
  let config: EngineConfig = loadConfigFile(args.config);
  if (args.preset !== undefined) config = withMacdPreset(config, args.preset);
  let options = config.analysis;
  if (args.pen !== undefined) {
    if (args.pen !== 'new_3kline' && args.pen !== 'traditional') {
      throw new UsageError(`--pen must be new_3kline or traditional, got "${args.pen}"`);
    }
    options = { ...options, pen: { ...options.pen, definition: args.pen as PenDefinition } };
  }
  const bars = readBarsCsvFile(args.file);
  return { config, options, bars, result: analyze(bars, options) };
}

/** A command line that cannot be run as written (exit code 2, with the usage). */
export class UsageError extends ChanEngineError {
  override readonly name: string = 'UsageError';
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const count = <T>(xs: readonly T[], f: (x: T) => boolean) => xs.filter(f).length;

function summary(file: string, bars: Bars, r: AnalysisResult, preset: string, pen: string): string {
  const n = r.barCount;
  const tops = r.fractals.type.filter((t) => t === 1).length;
  const confirmedPens = count(r.pens, (p) => p.confirmed);
  const confirmedSegs = count(r.segments, (s) => s.confirmed);
  const case2 = count(r.segments, (s) => s.confirmed && s.endCase === 2);
  const lines = [
    `file            ${file}`,
    `bars            ${n}  (${iso(bars.timestamp[0]!)} .. ${iso(bars.timestamp[n - 1]!)})`,
    `merged bars     ${r.merged.count}`,
    `fractals        ${r.fractals.count}  (${tops} top, ${r.fractals.count - tops} bottom)`,
    `pens (${pen})  ${r.pens.length}  (${confirmedPens} confirmed, ${r.pens.length - confirmedPens} provisional)`,
    `segments        ${r.segments.length}  (${confirmedSegs} confirmed: ${confirmedSegs - case2} case 1, ${case2} case 2; ${r.segments.length - confirmedSegs} provisional)`,
  ];
  const lastPen = r.pens.at(-1);
  if (lastPen) {
    lines.push(
      `last pen        ${lastPen.direction} ${lastPen.startPrice} -> ${lastPen.endPrice}  (${iso(lastPen.startTime)} .. ${iso(lastPen.endTime)}, ${lastPen.confirmed ? 'confirmed' : 'provisional'})`,
    );
  }
  const lastSeg = r.segments.at(-1);
  if (lastSeg) {
    lines.push(
      `last segment    ${lastSeg.direction} ${lastSeg.startPrice} -> ${lastSeg.endPrice}  (${iso(lastSeg.startTime)} .. ${iso(lastSeg.endTime)}, ${lastSeg.confirmed ? 'confirmed' : 'provisional'})`,
    );
  }
  const ss = r.segmentsOfSegments;
  lines.push(`segs of segs    ${ss.length}  (${count(ss, (s) => s.confirmed)} confirmed)`);
  for (const level of ['pen', 'segment'] as const) {
    const zs = r.pivots[level],
      ps = r.buySellPoints[level];
    const name = `${level} level`.padEnd(15);
    lines.push(
      `${name} ${zs.length} pivots, ${ps.length} buy/sell points (${count(ps, (p) => p.side === 'buy')} buy, ${count(ps, (p) => p.side === 'sell')} sell)`,
    );
    const p = ps.at(-1);
    if (p) {
      const rate = p.divergenceRate === null ? '' : `, divergence ${p.divergenceRate.toFixed(4)}`;
      lines.push(
        `  last point    ${p.side} ${p.types.join(',')} at ${p.price}  (${iso(p.time)}, ${level} ${p.line}${rate}, ${p.confirmed ? 'confirmed' : 'provisional'})`,
      );
    }
  }
  const m = r.macd;
  const k = n - 1;
  lines.push(
    Number.isNaN(m.dif[k]!)
      ? `MACD ${preset}   not enough bars`
      : `MACD ${preset}   DIF ${m.dif[k]!.toFixed(4)}  DEA ${m.dea[k]!.toFixed(4)}  histogram ${m.histogram[k]!.toFixed(4)}  (${iso(bars.timestamp[k]!)})`,
  );
  return lines.join('\n');
}

function toJson(r: AnalysisResult): string {
  const m = r.merged;
  return JSON.stringify({
    barCount: r.barCount,
    merged: {
      count: m.count,
      high: Array.from(m.high),
      low: Array.from(m.low),
      dir: Array.from(m.dir),
      rawStart: Array.from(m.rawStart),
      rawEnd: Array.from(m.rawEnd),
    },
    fractals: fractalList(r.fractals),
    pens: r.pens,
    segments: r.segments,
    segmentsOfSegments: r.segmentsOfSegments,
    pivots: r.pivots,
    // A divergence rate can be infinite (a segment of zero slope): JSON has no infinity, so null.
    buySellPoints: {
      pen: r.buySellPoints.pen.map(finiteRate),
      segment: r.buySellPoints.segment.map(finiteRate),
    },
    macd: {
      firstValid: r.macd.firstValid,
      dif: Array.from(r.macd.dif, nullIfNaN),
      dea: Array.from(r.macd.dea, nullIfNaN),
      histogram: Array.from(r.macd.histogram, nullIfNaN),
    },
  });
}

const nullIfNaN = (v: number) => (Number.isNaN(v) ? null : v);
const finiteRate = (p: BuySellPoint) =>
  p.divergenceRate === null || Number.isFinite(p.divergenceRate) ? p : { ...p, divergenceRate: null };
