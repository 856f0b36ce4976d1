// `chan analyze FILE.csv`: runs the full analysis and prints a summary or JSON.
import { withMacdPreset, type EngineConfig } from '../config/schema.js';
import { ChanEngineError } from '../core/errors.js';
import { analyze } from '../engines/ts/pipeline.js';
import { fractalList } from '../core/result.js';
import type { PenDefinition } from '../core/options.js';
import type { AnalysisResult, Bars } from '../core/types.js';
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
  const result = analyze(bars, options);
  return args.json ? toJson(result) : summary(args.file, bars, result, config.macdPreset, options.pen.definition);
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
    macd: {
      firstValid: r.macd.firstValid,
      dif: Array.from(r.macd.dif, nullIfNaN),
      dea: Array.from(r.macd.dea, nullIfNaN),
      histogram: Array.from(r.macd.histogram, nullIfNaN),
    },
  });
}

const nullIfNaN = (v: number) => (Number.isNaN(v) ? null : v);
