// What a request asks for: its series key, level and options (the service's configured ones with the
// request's over them), each value checked, an error naming the field and quoting at most 64
// characters of what the caller sent.
import { status as Code } from '@grpc/grpc-js';
import type { EngineConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { resolveOptions, type AnalysisOptions, type FractalCheck, type MacdSeed, type PenDefinition } from '../core/options.js';
import { POINT_OPTION_KEYS, resolveStructureOptions, type Level, type PointOptions } from '../core/structure-options.js';
import { TIMEFRAME_MS } from './kline-batch.js';
import type * as M from './messages.js';
import { ServiceError } from './service-error.js';

const SYMBOL = /^[A-Za-z0-9._:/-]{1,64}$/;

/** The service's analysis options with a request's pen options over them. */
export function penOptions(base: AnalysisOptions, p: M.PenOptions | null | undefined): AnalysisOptions {
  if (!p) return base;
  const definition = enumValue('pen.definition', p.definition, 'PEN_DEFINITION_', ['NEW_3KLINE', 'TRADITIONAL'] as const);
  const fractalCheck = enumValue('pen.fractal_check', p.fractalCheck, 'FRACTAL_CHECK_', ['STRICT', 'HALF', 'LOSS'] as const);
  const pen = {
    ...base.pen,
    ...(definition && { definition: definition.toLowerCase() as PenDefinition }),
    ...(p.minKlinesBetweenTurns != null && { minKlinesBetweenTurns: p.minKlinesBetweenTurns }),
    ...(fractalCheck && { fractalCheck: fractalCheck.toLowerCase() as FractalCheck }),
    ...(p.endIsPeak != null && { endIsPeak: p.endIsPeak }),
  };
  return resolveOptions({ pen, macd: base.macd, structures: base.structures });
}

/** The service's analysis options with a GetMACD request's preset, periods, seed and scale over them. */
export function macdOptions(config: EngineConfig, r: M.GetMACDRequest): AnalysisOptions {
  const base = config.analysis;
  let periods = { fast: base.macd.fast, slow: base.macd.slow, signal: base.macd.signal };
  if (r.preset) {
    const p = config.macdPresets[r.preset];
    if (p === undefined || !Object.hasOwn(config.macdPresets, r.preset)) {
      throw new ConfigError('preset', `unknown MACD preset ${echo(r.preset)} (known: ${Object.keys(config.macdPresets).join(', ')})`);
    }
    periods = { ...p };
  }
  const seed = enumValue('seed', r.seed, 'MACD_SEED_', ['FIRST_CLOSE', 'SMA'] as const);
  const macd = {
    ...base.macd,
    ...periods,
    ...(r.fast != null && { fast: r.fast }),
    ...(r.slow != null && { slow: r.slow }),
    ...(r.signal != null && { signal: r.signal }),
    // Another seed without a scale takes that seed's default scale.
    ...(seed && { seed: seed.toLowerCase() as MacdSeed, histogramScale: undefined }),
    ...(r.histogramScale != null && { histogramScale: r.histogramScale }),
  };
  return resolveOptions({ pen: base.pen, macd, structures: base.structures });
}

/**
 * A caller's string as error messages and logs quote it: at most 64 characters (a 1 MB symbol was
 * echoed whole into every message and log line).
 */
function echo(v: unknown): string {
  const s = String(v);
  return s.length <= 64 ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, 64)).slice(0, -1)}…" (${s.length} characters)`;
}

/**
 * An enum field's value without its `prefix` (PEN_DEFINITION_TRADITIONAL gives TRADITIONAL): one of
 * `allowed`, or undefined when unset (its UNSPECIFIED value, '' or absent).
 */
export function enumValue<T extends string>(field: string, v: unknown, prefix: string, allowed: readonly T[]): T | undefined {
  if (v === undefined || v === null || v === '' || v === `${prefix}UNSPECIFIED`) return undefined;
  const name = typeof v === 'string' && v.startsWith(prefix) ? v.slice(prefix.length) : '';
  if ((allowed as readonly string[]).includes(name)) return name as T;
  throw new ServiceError(
    Code.INVALID_ARGUMENT,
    `${field} must be one of ${allowed.map((a) => prefix + a).join(', ')}, got ${typeof v === 'string' ? echo(v) : String(v)}`,
  );
}

export function seriesKey(req: M.SeriesRequest): { symbol: string; timeframe: string } {
  const symbol = req.symbol ?? '';
  if (!SYMBOL.test(symbol)) {
    throw new ServiceError(Code.INVALID_ARGUMENT, `symbol ${echo(symbol)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`);
  }
  // Stored by the short name (D1): TIMEFRAME_D1 in the API.
  const timeframe = enumValue('timeframe', req.timeframe, 'TIMEFRAME_', Object.keys(TIMEFRAME_MS));
  if (timeframe === undefined) {
    throw new ServiceError(
      Code.INVALID_ARGUMENT,
      `timeframe must be one of ${Object.keys(TIMEFRAME_MS)
        .map((t) => `TIMEFRAME_${t}`)
        .join(', ')}, got TIMEFRAME_UNSPECIFIED`,
    );
  }
  return { symbol, timeframe };
}

export function levelOf(level: string | number | undefined): Level {
  return enumValue('level', level, 'LEVEL_', ['PEN', 'SEGMENT'] as const) === 'SEGMENT' ? 'segment' : 'pen';
}

/** The options with a request's structure options over them, at the given levels. */
export function withStructures(
  opt: AnalysisOptions,
  m: M.StructureOptionsMessage | null | undefined,
  levels: readonly Level[],
): AnalysisOptions {
  if (!m) return opt;
  const s = opt.structures;
  const both = pointOverrides(m.points),
    buy = pointOverrides(m.buy),
    sell = pointOverrides(m.sell);
  const points = { ...s.points };
  for (const l of levels) points[l] = { buy: { ...s.points[l].buy, ...both, ...buy }, sell: { ...s.points[l].sell, ...both, ...sell } };
  const structures = resolveStructureOptions({ combinePivots: m.combinePivots ?? s.combinePivots, points });
  return { ...opt, structures };
}

/** The fields set in a PointOptions message, as point options (proto-loader camel-cases `bsp2_follow_1` to `bsp2Follow_1`). */
function pointOverrides(m: M.PointOptionsMessage | null | undefined): Partial<PointOptions> {
  if (!m) return {};
  const out: Record<string, unknown> = {};
  for (const [snake, name] of Object.entries(POINT_OPTION_KEYS)) {
    const v = (m as Record<string, unknown>)[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[name] = name === 'maxBsp2sLevel' && v === 0 ? null : v;
  }
  return out as Partial<PointOptions>;
}
