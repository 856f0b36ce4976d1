// Analysis options, their defaults and the named MACD presets.
import { checkBool, checkInt, checkOneOf, checkSettings } from './checks.js';
import { ConfigError } from './errors.js';
import {
  DEFAULT_STRUCTURE_OPTIONS,
  resolveStructureOptions,
  type PartialStructureOptions,
  type StructureOptions,
} from './structure-options.js';

export type PenDefinition = 'new_3kline' | 'traditional';
export type FractalCheck = 'strict' | 'half' | 'loss';
export type MacdSeed = 'first_close' | 'sma';

export interface PenOptions {
  readonly definition: PenDefinition;
  /** new_3kline only: raw bars required strictly between the two apex merged bars. */
  readonly minKlinesBetweenTurns: number;
  readonly fractalCheck: FractalCheck;
  /** Every merged bar strictly inside the pen stays within its end extreme. */
  readonly endIsPeak: boolean;
}

export interface MacdOptions {
  readonly fast: number;
  readonly slow: number;
  readonly signal: number;
  readonly seed: MacdSeed;
  readonly histogramScale: number;
}

export interface AnalysisOptions {
  readonly pen: PenOptions;
  readonly macd: MacdOptions;
  /** Pivots, divergence and buy/sell points (structure-options.ts). */
  readonly structures: StructureOptions;
}

export const MACD_PRESETS = {
  standard: { fast: 12, slow: 26, signal: 9 },
  fast: { fast: 8, slow: 17, signal: 9 },
  slow: { fast: 19, slow: 39, signal: 9 },
  scalping: { fast: 6, slow: 13, signal: 5 },
} as const;
export type MacdPresetName = keyof typeof MACD_PRESETS;

export const DEFAULT_PEN_OPTIONS: PenOptions = {
  definition: 'new_3kline',
  minKlinesBetweenTurns: 3,
  fractalCheck: 'strict',
  endIsPeak: true,
};

/** The histogram scale when none is given: 2 with the first_close seed (chan.py, Chinese convention), 1 with sma (TA-Lib). */
export function defaultHistogramScale(seed: MacdSeed): number {
  return seed === 'sma' ? 1 : 2;
}

export const DEFAULT_MACD_OPTIONS: MacdOptions = {
  ...MACD_PRESETS.standard,
  seed: 'first_close',
  histogramScale: defaultHistogramScale('first_close'),
};

export const DEFAULT_OPTIONS: AnalysisOptions = {
  pen: DEFAULT_PEN_OPTIONS,
  macd: DEFAULT_MACD_OPTIONS,
  structures: DEFAULT_STRUCTURE_OPTIONS,
};

export interface PartialAnalysisOptions {
  readonly pen?: Partial<PenOptions>;
  readonly macd?: Partial<MacdOptions>;
  readonly structures?: PartialStructureOptions;
}

/** Allowed ranges of the integer options (programmatic options and the YAML files use these). */
export const LIMITS = {
  minKlinesBetweenTurns: { min: 1, max: 1000 },
  period: { min: 1, max: 100_000 },
  /** With prices up to MAX_PRICE (validate.ts), the histogram stays finite. */
  histogramScale: { max: 1e6 },
} as const;

/** Merges partial options over the defaults and validates every value (throws ConfigError naming the key). */
export function resolveOptions(partial: PartialAnalysisOptions = {}): AnalysisOptions {
  checkSettings('', partial, ['pen', 'macd', 'structures']);
  checkSettings('pen', partial.pen, Object.keys(DEFAULT_PEN_OPTIONS));
  checkSettings('macd', partial.macd, Object.keys(DEFAULT_MACD_OPTIONS));
  const p = { ...DEFAULT_PEN_OPTIONS, ...partial.pen };
  const m = { ...DEFAULT_MACD_OPTIONS, ...partial.macd };
  if (partial.macd?.histogramScale === undefined && typeof m.seed === 'string') m.histogramScale = defaultHistogramScale(m.seed);
  const pen: PenOptions = {
    definition: checkOneOf('pen.definition', p.definition, ['new_3kline', 'traditional']),
    minKlinesBetweenTurns: checkInt(
      'pen.min_klines_between_turns',
      p.minKlinesBetweenTurns,
      LIMITS.minKlinesBetweenTurns.min,
      LIMITS.minKlinesBetweenTurns.max,
    ),
    fractalCheck: checkOneOf('pen.fractal_check', p.fractalCheck, ['strict', 'half', 'loss']),
    endIsPeak: checkBool('pen.end_is_peak', p.endIsPeak),
  };
  const macd: MacdOptions = {
    fast: checkInt('macd.fast_period', m.fast, LIMITS.period.min, LIMITS.period.max),
    slow: checkInt('macd.slow_period', m.slow, LIMITS.period.min, LIMITS.period.max),
    signal: checkInt('macd.signal_period', m.signal, LIMITS.period.min, LIMITS.period.max),
    seed: checkOneOf('macd.seed', m.seed, ['first_close', 'sma']),
    histogramScale: m.histogramScale,
  };
  if (macd.fast >= macd.slow) {
    throw new ConfigError('macd.fast_period', `must be smaller than macd.slow_period (${macd.fast} >= ${macd.slow})`);
  }
  const scale = macd.histogramScale;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= LIMITS.histogramScale.max)) {
    throw new ConfigError('macd.histogram_scale', `must be a number above 0 and at most 1e6, got ${String(scale)}`);
  }
  return { pen, macd, structures: resolveStructureOptions(partial.structures) };
}
