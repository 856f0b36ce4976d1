// Options of the structures (pivots, divergence, buy/sell points): their defaults, defined once, and
// their validation. chan.py's code defaults, except the divergence rate: 0.9 (chan.py's code has
// infinity, which rejects nothing; its README and the definition say 0.9). Points have options per
// level (pen, segment) and per side (buy, sell), as chan.py allows.
import { checkBool, checkInt, checkSettings } from './checks.js';
import { ConfigError } from './errors.js';
import type { BuySellPointType } from './types.js';

export const POINT_TYPES: readonly BuySellPointType[] = ['1', '1p', '2', '2s', '3a', '3b'];
export type Level = 'pen' | 'segment';
export type Side = 'buy' | 'sell';

export interface PointOptions {
  /** Type 1/1p need out metric <= rate x in metric (a rate above 100 passes every type 1). Infinity: no MACD test. */
  readonly divergenceRate: number;
  /** Types 1/1p count only in a parent holding at least this many pivots (0: no minimum). */
  readonly minPivotCount: number;
  /** Count only multi-line pivots for type 1 (one-line pivots are not built, so this changes nothing). */
  readonly bsp1OnlyMultiLinePivot: boolean;
  /** Largest retracement of types 2 and 2s, as a share of the breaking line (at most 1). */
  readonly maxBsp2Rate: number;
  /** Type 1 must be the extreme of its pivot. */
  readonly bsp1Peak: boolean;
  /** Types 2/2s only after a type 1/1p point. */
  readonly bsp2Follow1: boolean;
  /** Types 3a/3b only after a type 1/1p point. */
  readonly bsp3Follow1: boolean;
  /** Type 3a must reach beyond its pivot's peak. */
  readonly bsp3Peak: boolean;
  /** Type 2s only where a type 2 was found. */
  readonly bsp2sFollow2: boolean;
  /** Deepest type-2s level (null: no limit). */
  readonly maxBsp2sLevel: number | null;
  /** Type 3 only right after the type-1 point's pivot. */
  readonly strictBsp3: boolean;
  /** Type 3a looks at this many pivots of the next parent. */
  readonly bsp3aMaxPivotCount: number;
  /** The types reported (the others are still computed where later rules need them). */
  readonly types: readonly BuySellPointType[];
}

export interface StructureOptions {
  /**
   * Compute the structures (segments of segments, pivots, buy/sell points). Off, they are empty and
   * analyze() and the streaming append do less work (bench/README.md has both).
   */
  readonly enabled: boolean;
  /** Adjacent pivots of one parent whose ranges touch merge into one (chan.py's zs_combine). */
  readonly combinePivots: boolean;
  readonly points: { readonly [L in Level]: { readonly [S in Side]: PointOptions } };
}

/** The default point options of a level (chan.py resolves bsp1_only_multibi_zs differently per level). */
export function defaultPointOptions(level: Level): PointOptions {
  return {
    divergenceRate: 0.9,
    minPivotCount: 1,
    bsp1OnlyMultiLinePivot: level === 'pen',
    maxBsp2Rate: 0.9999,
    bsp1Peak: true,
    bsp2Follow1: true,
    bsp3Follow1: true,
    bsp3Peak: false,
    bsp2sFollow2: false,
    maxBsp2sLevel: null,
    strictBsp3: false,
    bsp3aMaxPivotCount: 1,
    types: POINT_TYPES,
  };
}

export const DEFAULT_STRUCTURE_OPTIONS: StructureOptions = {
  enabled: true,
  combinePivots: true,
  points: {
    pen: { buy: defaultPointOptions('pen'), sell: defaultPointOptions('pen') },
    segment: { buy: defaultPointOptions('segment'), sell: defaultPointOptions('segment') },
  },
};

/** Point options given for one level: shared by both sides, and per side. */
export type PartialLevelPointOptions = Partial<PointOptions> & {
  readonly buy?: Partial<PointOptions>;
  readonly sell?: Partial<PointOptions>;
};

export interface PartialStructureOptions {
  readonly enabled?: boolean;
  readonly combinePivots?: boolean;
  readonly points?: { readonly [L in Level]?: PartialLevelPointOptions };
}

/** The option names in the configuration files (snake case), with their programmatic names. */
export const POINT_OPTION_KEYS = {
  divergence_rate: 'divergenceRate',
  min_pivot_count: 'minPivotCount',
  bsp1_only_multi_line_pivot: 'bsp1OnlyMultiLinePivot',
  max_bsp2_rate: 'maxBsp2Rate',
  bsp1_peak: 'bsp1Peak',
  bsp2_follow_1: 'bsp2Follow1',
  bsp3_follow_1: 'bsp3Follow1',
  bsp3_peak: 'bsp3Peak',
  bsp2s_follow_2: 'bsp2sFollow2',
  max_bsp2s_level: 'maxBsp2sLevel',
  strict_bsp3: 'strictBsp3',
  bsp3a_max_pivot_count: 'bsp3aMaxPivotCount',
  types: 'types',
} as const satisfies Record<string, keyof PointOptions>;

const SNAKE: Record<keyof PointOptions, string> = Object.fromEntries(Object.entries(POINT_OPTION_KEYS).map(([s, c]) => [c, s])) as never;

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Validates one side's options over the level's defaults; `key` is the dotted path for errors. */
function resolvePoint(key: string, base: PointOptions, given: Partial<PointOptions>): PointOptions {
  checkSettings(key, given, Object.keys(SNAKE));
  const o = { ...base, ...given };
  const k = (name: keyof PointOptions) => `${key}.${SNAKE[name]}`;
  const rate = o.divergenceRate;
  if (typeof rate !== 'number' || !(rate > 0))
    throw new ConfigError(
      k('divergenceRate'),
      `must be a positive number (.inf in YAML, Infinity in code, for no MACD test), got ${show(rate)}`,
    );
  const max = o.maxBsp2Rate;
  if (typeof max !== 'number' || !(max > 0 && max <= 1))
    throw new ConfigError(k('maxBsp2Rate'), `must be a number above 0 and at most 1, got ${show(max)}`);
  if (o.maxBsp2sLevel !== null) checkInt(k('maxBsp2sLevel'), o.maxBsp2sLevel, 1, 1000);
  let types: unknown = o.types;
  if (typeof types === 'string')
    types = types
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  // YAML reads `[1, 2]` as numbers.
  if (Array.isArray(types)) types = types.map((t: unknown) => (typeof t === 'number' ? String(t) : t));
  if (!Array.isArray(types) || types.some((t) => !(POINT_TYPES as readonly unknown[]).includes(t))) {
    throw new ConfigError(
      k('types'),
      `must be a list of ${POINT_TYPES.join(', ')}, got ${show(Array.isArray(types) ? types.join(',') : types)}`,
    );
  }
  return {
    divergenceRate: rate,
    minPivotCount: checkInt(k('minPivotCount'), o.minPivotCount, 0, 1000),
    bsp1OnlyMultiLinePivot: checkBool(k('bsp1OnlyMultiLinePivot'), o.bsp1OnlyMultiLinePivot),
    maxBsp2Rate: max,
    bsp1Peak: checkBool(k('bsp1Peak'), o.bsp1Peak),
    bsp2Follow1: checkBool(k('bsp2Follow1'), o.bsp2Follow1),
    bsp3Follow1: checkBool(k('bsp3Follow1'), o.bsp3Follow1),
    bsp3Peak: checkBool(k('bsp3Peak'), o.bsp3Peak),
    bsp2sFollow2: checkBool(k('bsp2sFollow2'), o.bsp2sFollow2),
    maxBsp2sLevel: o.maxBsp2sLevel,
    strictBsp3: checkBool(k('strictBsp3'), o.strictBsp3),
    bsp3aMaxPivotCount: checkInt(k('bsp3aMaxPivotCount'), o.bsp3aMaxPivotCount, 1, 1000),
    // In the canonical order, without repeats.
    types: POINT_TYPES.filter((t) => (types as unknown[]).includes(t)),
  };
}

/** Merges partial structure options over the defaults and validates every value (ConfigError naming the key). */
export function resolveStructureOptions(partial: PartialStructureOptions = {}): StructureOptions {
  checkSettings('structures', partial, ['enabled', 'combinePivots', 'points']);
  const enabled = checkBool('structures.enabled', partial.enabled ?? DEFAULT_STRUCTURE_OPTIONS.enabled);
  const combinePivots = checkBool('structures.combine_pivots', partial.combinePivots ?? DEFAULT_STRUCTURE_OPTIONS.combinePivots);
  checkSettings('structures.points', partial.points, ['pen', 'segment'], ' (pen or segment)');
  const given = partial.points ?? {};
  const level = (l: Level) => {
    const key = `structures.points.${l}`;
    checkSettings(key, given[l], [...Object.keys(SNAKE), 'buy', 'sell']);
    const { buy = {}, sell = {}, ...both } = given[l] ?? {};
    const base = defaultPointOptions(l);
    // Settings for both sides first (checked once, under the level's key), then each side's own.
    const shared = resolvePoint(key, base, both);
    return { buy: resolvePoint(`${key}.buy`, shared, buy), sell: resolvePoint(`${key}.sell`, shared, sell) };
  };
  return { enabled, combinePivots, points: { pen: level('pen'), segment: level('segment') } };
}
