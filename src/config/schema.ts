// Validates the configuration's settings as the YAML files hold them, once parsed (portable: no
// file-system access and no YAML parser here; yaml.ts reads the text).
import { checkBool, checkInt, checkNumber, checkOneOf } from '../core/checks.js';
import { ConfigError } from '../core/errors.js';
import {
  DEFAULT_MACD_OPTIONS,
  DEFAULT_PEN_OPTIONS,
  LIMITS,
  MACD_PRESETS,
  resolveOptions,
  type AnalysisOptions,
  type FractalCheck,
  type MacdSeed,
  type PenDefinition,
} from '../core/options.js';
import {
  POINT_OPTION_KEYS,
  type PartialLevelPointOptions,
  type PartialStructureOptions,
  type PointOptions,
} from '../core/structure-options.js';

export interface MacdPeriods {
  readonly fast: number;
  readonly slow: number;
  readonly signal: number;
}

/** An SQLite file (one machine; relative to the working directory) or a PostgreSQL database (several instances). */
export type StoreLocation = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

export interface PostgresConfig {
  /** Connections per instance. */
  readonly poolSize: number;
  /** A statement running longer is cancelled (the call fails UNAVAILABLE). */
  readonly statementTimeoutMs: number;
  /** Time to get a connection before a call fails UNAVAILABLE. */
  readonly connectTimeoutMs: number;
  /** At start, how long an unreachable database is waited for (attempts with a growing pause) before the start fails. */
  readonly startupWaitMs: number;
  /** disable | require (encrypted, server not verified) | verify-full (certificate and host name checked). */
  readonly tls: 'disable' | 'require' | 'verify-full';
  /** PEM file of the CA that signed the server's certificate (verify-full; empty: the system's CAs). */
  readonly tlsCa: string;
  /** Environment variable holding the password (never the URL, the command line or the logs). */
  readonly passwordEnv: string;
  /** File holding the password (its first line); used when set, before the environment. */
  readonly passwordFile: string;
}

/** The gRPC service (`chan serve`); read by the Node service only. */
export interface ServiceConfig {
  readonly host: string;
  /** 0 = an ephemeral port (tests). */
  readonly port: number;
  readonly metricsEnabled: boolean;
  readonly metricsPort: number;
  /** Where the bars live: `store` (sqlite:PATH or postgres://...), or `db_path` for an SQLite file. */
  readonly store: StoreLocation;
  /** The PostgreSQL store's connection settings. */
  readonly postgres: PostgresConfig;
  /** SQLite: full = fsync at every commit (survives power loss); normal = survives a process crash only. */
  readonly durability: 'full' | 'normal';
  readonly maxBarsPerRequest: number;
  readonly maxMessageBytes: number;
  /** Analysis results kept per (series, revision, options); 0 = no cache. */
  readonly cacheEntries: number;
  /** Memory budget of the analysis cache (and, a quarter more, of the series bars it re-reads), MB. */
  readonly cacheMaxMb: number;
  /** Memory budget of the live stream analyzers, MB: a new stream past it is refused (RESOURCE_EXHAUSTED). */
  readonly streamsMaxMb: number;
  /** Memory budget of the analyzers kept for series read after writes (their reads then cost the new bars), MB; 0 = none. */
  readonly hotSeriesMaxMb: number;
  /** Environment variable holding the bearer token; when it is set, every call must present it. */
  readonly authTokenEnv: string;
  /** PEM files; both set = TLS, both empty = plaintext. */
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly shutdownGraceMs: number;
  /** Bars each StreamAnalysis analyzer keeps (its history window); 0 = all. */
  readonly streamWindow: number;
  /** How long an update may wait unsent for a StreamAnalysis subscriber; longer, the stream ends RESOURCE_EXHAUSTED. */
  readonly streamMaxLagMs: number;
  /** The server pings each connection this often, and closes one whose ping is not answered within the timeout. */
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /**
   * The unit SubmitKlines reads timestamps in when a request does not name one; `explicit` when the
   * configuration names it (then no guessing: see kline-batch.ts).
   */
  readonly timestampUnit: { readonly unit: 'milliseconds' | 'seconds' | 'microseconds'; readonly explicit: boolean };
}

export interface EngineConfig {
  readonly system: {
    /** primary (port 50051, WASM engine by default) or backup (port 50052, TS engine by default). */
    readonly role: 'primary' | 'backup';
    readonly primaryEngine: 'wasm' | 'ts';
    /** Where the WASM engine runs: on the caller's thread, or in a worker thread (Node) that can be interrupted. */
    readonly execution: 'in_process' | 'worker_thread';
    readonly failoverEnabled: boolean;
    readonly healthCheckIntervalMs: number;
  };
  readonly health: {
    readonly maxFailuresBeforeSwitch: number;
    readonly responseTimeoutMs: number;
    readonly failbackEnabled: boolean;
    readonly failbackHealthyChecks: number;
    /** Fraction (0..1) of primary calls also run on the backup and compared. */
    readonly shadowFraction: number;
  };
  /** Resolved analysis options (MACD periods taken from the chosen preset unless overridden). */
  readonly analysis: AnalysisOptions;
  readonly macdPreset: string;
  readonly macdPresets: Readonly<Record<string, MacdPeriods>>;
  readonly service: ServiceConfig;
}

type Obj = Record<string, unknown>;

/** Reads one YAML mapping, rejecting keys it does not know so typos surface as errors. */
class Section {
  private readonly used = new Set<string>();
  constructor(
    private readonly path: string,
    private readonly obj: Obj,
  ) {}

  static of(path: string, v: unknown): Section {
    if (v === undefined || v === null) return new Section(path, {});
    if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path || '(root)', 'must be a mapping');
    return new Section(path, v as Obj);
  }

  key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  raw(k: string): unknown {
    this.used.add(k);
    return this.obj[k];
  }

  sub(k: string): Section {
    return Section.of(this.key(k), this.raw(k));
  }

  int(k: string, def: number | undefined, min: number, max: number): number {
    return checkInt(this.key(k), this.raw(k) ?? def, min, max);
  }

  num(k: string, def: number): number {
    return checkNumber(this.key(k), this.raw(k) ?? def);
  }

  bool(k: string, def: boolean): boolean {
    return checkBool(this.key(k), this.raw(k) ?? def);
  }

  oneOf<T extends string>(k: string, def: T | undefined, allowed: readonly T[]): T {
    return checkOneOf(this.key(k), this.raw(k) ?? def, allowed);
  }

  str(k: string, def: string): string {
    const v = this.raw(k) ?? def;
    if (typeof v !== 'string') throw new ConfigError(this.key(k), `must be a string, got ${String(v)}`);
    return v;
  }

  has(k: string): boolean {
    return this.obj[k] !== undefined && this.obj[k] !== null;
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  /** Call after reading: any key never read is unknown. */
  done(): void {
    for (const k of Object.keys(this.obj)) {
      if (!this.used.has(k)) throw new ConfigError(this.key(k), 'is not a known setting');
    }
  }
}

/**
 * A MACD period: `<name>_period` (fast_period, slow_period, signal_period: the documented names) or
 * its short alias `<name>`; both at once is an error.
 */
function period(s: Section, name: 'fast' | 'slow' | 'signal', def: number | undefined): number {
  const { min, max } = LIMITS.period;
  if (s.has(`${name}_period`) && s.has(name)) throw new ConfigError(s.key(name), `is an alias of ${name}_period: give one of them`);
  return s.has(name) ? s.int(name, def, min, max) : s.int(`${name}_period`, def, min, max);
}

function parsePeriods(s: Section): MacdPeriods {
  const p = { fast: period(s, 'fast', undefined), slow: period(s, 'slow', undefined), signal: period(s, 'signal', undefined) };
  s.done();
  if (p.fast >= p.slow) throw new ConfigError(s.key('fast_period'), `must be smaller than slow_period (${p.fast} >= ${p.slow})`);
  return p;
}

/** The settings of macd_params.yaml from its parsed value; without one, the built-in presets. */
export function macdParamsOf(value?: unknown): { defaultPreset: string; presets: Record<string, MacdPeriods> } {
  if (value === undefined) return { defaultPreset: 'standard', presets: { ...MACD_PRESETS } };
  const root = Section.of('', value);
  const presetsSec = root.sub('presets');
  const presets: Record<string, MacdPeriods> = {};
  for (const name of presetsSec.keys()) presets[name] = parsePeriods(presetsSec.sub(name));
  presetsSec.done();
  if (Object.keys(presets).length === 0) throw new ConfigError('presets', 'must define at least one preset');
  const defaultPreset = root.oneOf('default_preset', Object.keys(presets)[0], Object.keys(presets));
  root.done();
  return { defaultPreset, presets };
}

/**
 * The settings of default.yaml (and optionally macd_params.yaml) from their parsed values (YAML text:
 * parseConfig in yaml.ts). Missing keys take the built-in defaults; `role` (chan serve --role)
 * overrides system.role, whose defaults it then takes.
 */
export function configOf(defaults: unknown, macdParams?: unknown, role?: 'primary' | 'backup'): EngineConfig {
  const params = macdParamsOf(macdParams);
  const root = Section.of('', defaults);

  const sys = root.sub('system');
  const r = role ?? sys.oneOf('role', 'primary', ['primary', 'backup'] as const);
  if (role !== undefined) sys.raw('role');
  const backup = r === 'backup';
  const system = {
    role: r,
    // The backup runs the TS engine unless told otherwise: a second, independent implementation.
    primaryEngine: sys.oneOf('primary_engine', backup ? 'ts' : 'wasm', ['wasm', 'ts'] as const),
    execution: sys.oneOf('execution', 'in_process', ['in_process', 'worker_thread'] as const),
    failoverEnabled: sys.bool('failover_enabled', true),
    healthCheckIntervalMs: sys.int('health_check_interval_ms', 1000, 10, 86_400_000),
  };
  sys.done();

  const h = root.sub('health');
  const health = {
    maxFailuresBeforeSwitch: h.int('max_failures_before_switch', 3, 1, 1_000_000),
    responseTimeoutMs: h.int('response_timeout_ms', 500, 1, 3_600_000),
    failbackEnabled: h.bool('failback_enabled', true),
    failbackHealthyChecks: h.int('failback_healthy_checks', 3, 1, 1_000_000),
    shadowFraction: h.num('shadow_fraction', 0),
  };
  if (health.shadowFraction < 0 || health.shadowFraction > 1) {
    throw new ConfigError(h.key('shadow_fraction'), `must be between 0 and 1, got ${health.shadowFraction}`);
  }
  h.done();

  const p = root.sub('pen');
  const definition = p.oneOf<PenDefinition>('definition', DEFAULT_PEN_OPTIONS.definition, ['new_3kline', 'traditional']);
  const { min: minK, max: maxK } = LIMITS.minKlinesBetweenTurns;
  const minKlinesBetweenTurns = p.int('min_klines_between_turns', DEFAULT_PEN_OPTIONS.minKlinesBetweenTurns, minK, maxK);
  const strict = p.has('strict_validation') ? p.bool('strict_validation', true) : undefined;
  const fractalCheck = p.oneOf<FractalCheck>('fractal_check', strict === false ? 'loss' : DEFAULT_PEN_OPTIONS.fractalCheck, [
    'strict',
    'half',
    'loss',
  ]);
  if (strict !== undefined && strict !== (fractalCheck === 'strict')) {
    throw new ConfigError(p.key('strict_validation'), `${strict} contradicts fractal_check ${fractalCheck}`);
  }
  const endIsPeak = p.bool('end_is_peak', DEFAULT_PEN_OPTIONS.endIsPeak);
  p.done();

  const m = root.sub('macd');
  const macdPreset = m.oneOf('preset', params.defaultPreset, Object.keys(params.presets));
  const base = params.presets[macdPreset]!;
  const fast = period(m, 'fast', base.fast);
  const slow = period(m, 'slow', base.slow);
  const signal = period(m, 'signal', base.signal);
  const seed = m.oneOf<MacdSeed>('seed', DEFAULT_MACD_OPTIONS.seed, ['first_close', 'sma']);
  // Unset: the seed's default scale (resolveOptions).
  const histogramScale = m.has('histogram_scale') ? m.num('histogram_scale', 0) : undefined;
  m.done();
  const structures = parseStructures(root.sub('structures'));
  const service = parseService(root.sub('service'), backup);
  root.done();

  const analysis = resolveOptions({
    pen: { definition, minKlinesBetweenTurns, fractalCheck, endIsPeak },
    macd: { fast, slow, signal, seed, histogramScale },
    structures,
  });
  return { system, health, analysis, macdPreset, macdPresets: params.presets, service };
}

/** The `structures` section: its keys are read here, its values checked by resolveStructureOptions (errors name the key). */
function parseStructures(s: Section): PartialStructureOptions {
  const enabled = s.has('enabled') ? (s.raw('enabled') as boolean) : undefined;
  const combinePivots = s.has('combine_pivots') ? (s.raw('combine_pivots') as boolean) : undefined;
  const pts = s.sub('points');
  const points: Partial<Record<'pen' | 'segment', PartialLevelPointOptions>> = {};
  for (const level of ['pen', 'segment'] as const) {
    const l = pts.sub(level);
    // buy and sell first: sub() marks them read, so the level's own settings end with them.
    const buy = pointSettings(l.sub('buy'));
    const sell = pointSettings(l.sub('sell'));
    points[level] = { ...pointSettings(l), buy, sell };
  }
  pts.done();
  s.done();
  return { ...(enabled !== undefined && { enabled }), ...(combinePivots !== undefined && { combinePivots }), points };
}

/** One level's (or side's) point settings. */
function pointSettings(s: Section): Partial<PointOptions> {
  const out: Record<string, unknown> = {};
  for (const [snake, name] of Object.entries(POINT_OPTION_KEYS)) if (s.has(snake)) out[name] = s.raw(snake);
  s.done();
  return out as Partial<PointOptions>;
}

/** The address to listen on (`key` names the setting or flag): no empty or spaced name reaches grpc-js. */
export function checkHost(key: string, host: string): string {
  if (!/^\S+$/.test(host)) {
    throw new ConfigError(key, `must be a host name or IP address (127.0.0.1, 0.0.0.0, ::), got ${JSON.stringify(host)}`);
  }
  return host;
}

function parseService(s: Section, backup: boolean): ServiceConfig {
  const units = ['milliseconds', 'seconds', 'microseconds'] as const;
  const c: ServiceConfig = {
    host: checkHost(s.key('host'), s.str('host', '127.0.0.1')),
    port: s.int('port', backup ? 50052 : 50051, 0, 65535),
    metricsEnabled: s.bool('metrics_enabled', true),
    metricsPort: s.int('metrics_port', backup ? 9465 : 9464, 0, 65535),
    store: parseStore(s),
    postgres: parsePostgres(s.sub('postgres')),
    durability: s.oneOf('durability', 'full', ['full', 'normal'] as const),
    maxBarsPerRequest: s.int('max_bars_per_request', 100_000, 1, 10_000_000),
    maxMessageBytes: s.int('max_message_bytes', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    cacheEntries: s.int('cache_entries', 64, 0, 1_000_000),
    cacheMaxMb: s.int('cache_max_mb', 256, 0, 1_000_000),
    streamsMaxMb: s.int('streams_max_mb', 512, 1, 1_000_000),
    hotSeriesMaxMb: s.int('hot_series_max_mb', 256, 0, 1_000_000),
    authTokenEnv: s.str('auth_token_env', 'CHAN_AUTH_TOKEN'),
    tlsCert: s.str('tls_cert', ''),
    tlsKey: s.str('tls_key', ''),
    shutdownGraceMs: s.int('shutdown_grace_ms', 10_000, 0, 3_600_000),
    streamWindow: s.int('stream_window', 100_000, 0, 100_000_000),
    streamMaxLagMs: s.int('stream_max_lag_ms', 30_000, 100, 86_400_000),
    keepaliveTimeMs: s.int('keepalive_time_ms', 30_000, 100, 86_400_000),
    keepaliveTimeoutMs: s.int('keepalive_timeout_ms', 10_000, 100, 3_600_000),
    timestampUnit: { unit: s.oneOf('timestamp_unit', 'milliseconds', units), explicit: s.has('timestamp_unit') },
  };
  if (c.streamWindow !== 0 && c.streamWindow < 500)
    throw new ConfigError(s.key('stream_window'), `must be 0 (all bars) or at least 500, got ${c.streamWindow}`);
  if ((c.tlsCert === '') !== (c.tlsKey === ''))
    throw new ConfigError(s.key(c.tlsCert === '' ? 'tls_cert' : 'tls_key'), 'tls_cert and tls_key must be set together');
  s.done();
  return c;
}

/** `store`, or `db_path` (the SQLite file; the older key) when it is not set. */
function parseStore(s: Section): StoreLocation {
  if (s.has('store') && s.has('db_path')) throw new ConfigError(s.key('db_path'), 'set store or db_path, not both');
  if (!s.has('store')) {
    const path = s.str('db_path', 'chan-store.db');
    if (path === '') throw new ConfigError(s.key('db_path'), 'must not be empty');
    return { kind: 'sqlite', path };
  }
  return storeLocation(s.key('store'), s.str('store', ''));
}

/** A store location as written in the configuration or `--store` (`key` names it in errors). */
export function storeLocation(key: string, v: string): StoreLocation {
  if (v.startsWith('sqlite:') && v.length > 'sqlite:'.length) return { kind: 'sqlite', path: v.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\//.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      throw new ConfigError(key, `is not a valid URL: ${JSON.stringify(v.replace(/:[^:@/]*@/, ':***@'))}`);
    }
    if (url.password !== '')
      throw new ConfigError(
        key,
        'must not hold a password (it would show in process lists and logs): put it in the environment variable named by service.postgres.password_env, or in service.postgres.password_file',
      );
    return { kind: 'postgres', url: v };
  }
  throw new ConfigError(key, `must be sqlite:PATH or postgres://[user@]host[:port]/database, got ${JSON.stringify(v)}`);
}

function parsePostgres(s: Section): PostgresConfig {
  const c: PostgresConfig = {
    poolSize: s.int('pool_size', 10, 1, 1000),
    statementTimeoutMs: s.int('statement_timeout_ms', 10_000, 100, 3_600_000),
    connectTimeoutMs: s.int('connect_timeout_ms', 2000, 100, 600_000),
    startupWaitMs: s.int('startup_wait_ms', 60_000, 0, 3_600_000),
    tls: s.oneOf('tls', 'disable', ['disable', 'require', 'verify-full'] as const),
    tlsCa: s.str('tls_ca', ''),
    passwordEnv: s.str('password_env', 'PGPASSWORD'),
    passwordFile: s.str('password_file', ''),
  };
  if (c.tlsCa !== '' && c.tls !== 'verify-full') throw new ConfigError(s.key('tls_ca'), 'is used with tls: verify-full only');
  s.done();
  return c;
}

/** The same configuration with another MACD preset (its periods replace the current ones). */
export function withMacdPreset(c: EngineConfig, name: string): EngineConfig {
  const p = c.macdPresets[name];
  if (p === undefined || !Object.hasOwn(c.macdPresets, name)) {
    throw new ConfigError('macd.preset', `unknown preset "${name}" (known: ${Object.keys(c.macdPresets).join(', ')})`);
  }
  return { ...c, macdPreset: name, analysis: { ...c.analysis, macd: { ...c.analysis.macd, ...p } } };
}
