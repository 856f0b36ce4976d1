// `chan analyze FILE.csv` (the full analysis: a summary or JSON) and `chan points FILE.csv` (the
// buy/sell points as a table).
import { configOf, withMacdPreset, type EngineConfig } from '../config/schema.js';
import { analyze } from '../engines/ts/pipeline.js';
import { fractalList } from '../core/result.js';
import type { AnalysisOptions, PenDefinition } from '../core/options.js';
import { ConfigError } from '../core/errors.js';
import type { AnalysisResult, Bars } from '../core/types.js';
import { readBarsCsvFile } from '../node/csv-file.js';
import type { Writable } from 'node:stream';
import { csvOptions, type CsvFlags } from './csv-flags.js';
import { writeJson } from './json-output.js';
import { UsageError } from './usage-error.js';

export interface AnalyzeArgs extends CsvFlags {
  readonly file: string;
  readonly preset?: string;
  readonly pen?: string;
  readonly json: boolean;
  readonly config?: string;
}

/** `chan analyze FILE.csv`: the summary, or (--json) the whole result as JSON, to `out`. */
export async function runAnalyze(args: AnalyzeArgs, out: Writable): Promise<void> {
  const { config, options, bars, result } = await analyzeFile(args);
  if (args.json) await writeJson(out, jsonView(result));
  else out.write(summary(args.file, bars, result, config.macdPreset, options) + '\n');
}

/** `chan points FILE.csv`: every buy/sell point of the levels asked for, oldest first. */
export async function runPoints(args: AnalyzeArgs & { readonly level?: string }): Promise<string> {
  if (args.level !== undefined && args.level !== 'pen' && args.level !== 'segment') {
    throw new UsageError(`--level must be pen or segment, got "${args.level}"`);
  }
  const { options, result } = await analyzeFile(args);
  if (!options.structures.enabled) {
    throw new ConfigError(
      'structures.enabled',
      `is false${args.config === undefined ? '' : ` in ${args.config}`}: there are no buy/sell points to list`,
    );
  }
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

/**
 * The settings of a file command: those of --config, or the built-in ones, which the bundled YAML
 * files hold too (config.test.ts), without loading the YAML parser (~40 ms of a run).
 */
async function settings(path: string | undefined): Promise<EngineConfig> {
  if (path === undefined) return configOf({});
  const { loadConfigFile } = await import('../node/config-file.js');
  return loadConfigFile(path);
}

export async function analyzeFile(args: AnalyzeArgs) {
  let config = await settings(args.config);
  if (args.preset !== undefined) config = withMacdPreset(config, args.preset);
  let options = config.analysis;
  if (args.pen !== undefined) {
    if (args.pen !== 'new_3kline' && args.pen !== 'traditional') {
      throw new UsageError(`--pen must be new_3kline or traditional, got "${args.pen}"`);
    }
    options = { ...options, pen: { ...options.pen, definition: args.pen as PenDefinition } };
  }
  const csv = csvOptions(args);
  const bars = readBarsCsvFile(args.file, csv);
  return { config, options, csv, bars, result: analyze(bars, options) };
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const count = <T>(xs: readonly T[], f: (x: T) => boolean) => xs.filter(f).length;

function summary(file: string, bars: Bars, r: AnalysisResult, preset: string, options: AnalysisOptions): string {
  const pen = options.pen.definition;
  const n = r.barCount;
  const tops = r.fractals.type.filter((t) => t === 1).length;
  const confirmedPens = count(r.pens, (p) => p.confirmed);
  const confirmedSegs = count(r.segments, (s) => s.confirmed);
  const case2 = count(r.segments, (s) => s.confirmed && s.endCase === 2);
  const lines = [
    `file            ${file === '-' ? '(standard input)' : file}`,
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
  if (options.structures.enabled) lines.push(...structureLines(r));
  else lines.push('structures      off (structures.enabled: false): no segments of segments, pivots or points');
  const m = r.macd;
  const k = n - 1;
  lines.push(
    Number.isNaN(m.dif[k]!)
      ? `MACD ${preset}   not enough bars`
      : `MACD ${preset}   DIF ${m.dif[k]!.toFixed(4)}  DEA ${m.dea[k]!.toFixed(4)}  histogram ${m.histogram[k]!.toFixed(4)}  (${iso(bars.timestamp[k]!)})`,
  );
  return lines.join('\n');
}

/** The summary's lines for the segments of segments, and each level's pivots and points. */
function structureLines(r: AnalysisResult): string[] {
  const ss = r.segmentsOfSegments;
  const lines = [`segs of segs    ${ss.length}  (${count(ss, (s) => s.confirmed)} confirmed)`];
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
  return lines;
}

/** The whole result as JSON (written in pieces by writeJson): typed arrays as arrays, NaN and infinite numbers as null. */
function jsonView(r: AnalysisResult) {
  const m = r.merged;
  return {
    barCount: r.barCount,
    merged: { count: m.count, high: m.high, low: m.low, dir: m.dir, rawStart: m.rawStart, rawEnd: m.rawEnd },
    fractals: fractalList(r.fractals),
    pens: r.pens,
    segments: r.segments,
    segmentsOfSegments: r.segmentsOfSegments,
    pivots: r.pivots,
    buySellPoints: r.buySellPoints,
    macd: { firstValid: r.macd.firstValid, dif: r.macd.dif, dea: r.macd.dea, histogram: r.macd.histogram },
  };
}
