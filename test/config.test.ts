// Configuration: the bundled files, presets, and errors naming the key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, withMacdPreset } from '../src/config/index.js';
import { configOf } from '../src/config/schema.js';
import { ConfigError } from '../src/core/errors.js';
import { DEFAULT_MACD_OPTIONS, DEFAULT_PEN_OPTIONS, resolveOptions, type PartialAnalysisOptions } from '../src/core/options.js';
import { thrown } from './support/helpers.js';

const DEFAULT = readFileSync(new URL('../config/default.yaml', import.meta.url), 'utf8');
const PARAMS = readFileSync(new URL('../config/macd_params.yaml', import.meta.url), 'utf8');

const configError = (run: () => unknown) => thrown(run, ConfigError);

describe('bundled configuration', () => {
  const c = parseConfig(DEFAULT, PARAMS);
  it('has the documented defaults', () => {
    expect(c.system).toEqual({
      role: 'primary',
      primaryEngine: 'wasm',
      execution: 'in_process',
      failoverEnabled: true,
      healthCheckIntervalMs: 1000,
    });
    expect(c.health).toEqual({
      maxFailuresBeforeSwitch: 3,
      responseTimeoutMs: 500,
      failbackEnabled: true,
      failbackHealthyChecks: 3,
      shadowFraction: 0.01,
    });
    expect(c.analysis.pen).toEqual({ definition: 'new_3kline', minKlinesBetweenTurns: 3, fractalCheck: 'strict', endIsPeak: true });
    expect(c.analysis.macd).toEqual({ fast: 12, slow: 26, signal: 9, seed: 'first_close', histogramScale: 2 });
  });

  it('holds the built-in analysis settings and presets (chan analyze without --config does not read it)', () => {
    const builtIn = configOf({});
    expect(c.analysis).toEqual(builtIn.analysis);
    expect([c.macdPreset, c.macdPresets]).toEqual([builtIn.macdPreset, builtIn.macdPresets]);
  });

  it('the bounds themselves are accepted', () => {
    const c = parseConfig('health: { shadow_fraction: 1 }\nservice: { stream_window: 500, store: "sqlite:x.db" }');
    expect([c.health.shadowFraction, c.service.streamWindow, c.service.store]).toEqual([1, 500, { kind: 'sqlite', path: 'x.db' }]);
    expect(parseConfig('service: { stream_window: 0 }').service.streamWindow).toBe(0);
  });

  it('its settings are the built-in ones, but for a shadow fraction of 0.01 (0 built in)', () => {
    const builtIn = configOf({});
    expect(builtIn.health.shadowFraction).toBe(0);
    expect({ ...builtIn, health: { ...builtIn.health, shadowFraction: 0.01 } }).toEqual(c);
  });

  it('has the four presets', () => {
    expect(c.macdPresets).toEqual({
      standard: { fast: 12, slow: 26, signal: 9 },
      fast: { fast: 8, slow: 17, signal: 9 },
      slow: { fast: 19, slow: 39, signal: 9 },
      scalping: { fast: 6, slow: 13, signal: 5 },
    });
    expect(withMacdPreset(c, 'scalping').analysis.macd).toEqual({ fast: 6, slow: 13, signal: 5, seed: 'first_close', histogramScale: 2 });
  });

  it('explicit periods override the preset (fast_period / slow_period / signal_period, or the short aliases); the sma seed defaults to scale 1', () => {
    const o = parseConfig('macd: { preset: fast, signal_period: 4, seed: sma }', PARAMS);
    expect(o.analysis.macd).toEqual({ fast: 8, slow: 17, signal: 4, seed: 'sma', histogramScale: 1 });
    expect(parseConfig('macd: { preset: fast, signal: 4, seed: sma }', PARAMS).analysis).toEqual(o.analysis);
    expect(parseConfig('macd: { fast_period: 5, slow_period: 35, signal_period: 5 }').analysis.macd).toMatchObject({
      fast: 5,
      slow: 35,
      signal: 5,
    });
    // The presets file takes either name too.
    expect(parseConfig('', 'presets: { p: { fast: 3, slow: 7, signal: 2 } }').macdPresets).toEqual({ p: { fast: 3, slow: 7, signal: 2 } });
  });

  it('a backup (system.role, or chan serve --role backup) defaults to port 50052, metrics 9465 and the TS engine', () => {
    const b = parseConfig(DEFAULT, PARAMS, 'backup');
    expect([b.system.role, b.system.primaryEngine, b.service.port, b.service.metricsPort]).toEqual(['backup', 'ts', 50052, 9465]);
    expect(parseConfig('system: { role: backup }').system.primaryEngine).toBe('ts');
    // What is set explicitly stays.
    const w = parseConfig('system: { role: backup, primary_engine: wasm }\nservice: { port: 6000 }');
    expect([w.system.primaryEngine, w.service.port]).toEqual(['wasm', 6000]);
    expect([c.system.role, c.service.port, c.service.metricsPort]).toEqual(['primary', 50051, 9464]);
  });

  it('programmatic options and the YAML share every default and range (each defined once)', () => {
    expect(parseConfig('').analysis).toEqual(resolveOptions({}));
    // The histogram scale follows the seed when unset, in both: 2 for first_close, 1 for sma (TA-Lib).
    expect(resolveOptions({ macd: { seed: 'sma' } }).macd.histogramScale).toBe(1);
    expect(parseConfig('macd: { seed: sma }').analysis).toEqual(resolveOptions({ macd: { seed: 'sma' } }));
    expect(resolveOptions({ macd: { seed: 'sma', histogramScale: 2 } }).macd.histogramScale).toBe(2);
    expect(parseConfig('macd: { seed: sma, histogram_scale: 2 }').analysis.macd.histogramScale).toBe(2);
    // One range for min_klines_between_turns: 1..1000 in code and in YAML.
    expect(resolveOptions({ pen: { minKlinesBetweenTurns: 1000 } }).pen.minKlinesBetweenTurns).toBe(1000);
    expect(parseConfig('pen: { min_klines_between_turns: 1000 }').analysis.pen.minKlinesBetweenTurns).toBe(1000);
    const msg = 'config pen.min_klines_between_turns: must be an integer from 1 to 1000, got 1001';
    expect(configError(() => resolveOptions({ pen: { minKlinesBetweenTurns: 1001 } })).message).toBe(msg);
    expect(configError(() => parseConfig('pen: { min_klines_between_turns: 1001 }')).message).toBe(msg);
  });

  it('strict_validation false means the loss check', () => {
    expect(parseConfig('pen: { strict_validation: false }').analysis.pen.fractalCheck).toBe('loss');
  });
});

describe('configuration errors name the key', () => {
  it.each([
    [
      'macd: { fast_period: 26, slow_period: 12 }',
      'macd.fast_period',
      'config macd.fast_period: must be smaller than macd.slow_period (26 >= 12)',
    ],
    ['macd: { signal_period: -9 }', 'macd.signal_period', 'config macd.signal_period: must be an integer from 1 to 100000, got -9'],
    ['macd: { signal: -9 }', 'macd.signal', 'config macd.signal: must be an integer from 1 to 100000, got -9'],
    ['macd: { fast: 5, fast_period: 6 }', 'macd.fast', 'config macd.fast: is an alias of fast_period: give one of them'],
    ['macd: { preset: turbo }', 'macd.preset', 'config macd.preset: must be one of standard, fast, slow, scalping, got "turbo"'],
    ['macd: { seed: ema }', 'macd.seed', 'config macd.seed: must be one of first_close, sma, got "ema"'],
    [
      'macd: { histogram_scale: 0 }',
      'macd.histogram_scale',
      'config macd.histogram_scale: must be a number above 0 and at most 1e6, got 0',
    ],
    [
      'macd: { histogram_scale: 2e6 }',
      'macd.histogram_scale',
      'config macd.histogram_scale: must be a number above 0 and at most 1e6, got 2000000',
    ],
    ['pen: { definition: wide }', 'pen.definition', 'config pen.definition: must be one of new_3kline, traditional, got "wide"'],
    [
      'pen: { min_klines_between_turns: 0 }',
      'pen.min_klines_between_turns',
      'config pen.min_klines_between_turns: must be an integer from 1 to 1000, got 0',
    ],
    [
      'pen: { strict_validation: true, fractal_check: half }',
      'pen.strict_validation',
      'config pen.strict_validation: true contradicts fractal_check half',
    ],
    ['pen: { end_is_peak: "yes" }', 'pen.end_is_peak', 'config pen.end_is_peak: must be true or false, got "yes"'],
    ['system: { primary_engine: gpu }', 'system.primary_engine', 'config system.primary_engine: must be one of wasm, ts, got "gpu"'],
    ['system: { execution: fork }', 'system.execution', 'config system.execution: must be one of in_process, worker_thread, got "fork"'],
    ['health: { shadow_fraction: 2 }', 'health.shadow_fraction', 'config health.shadow_fraction: must be between 0 and 1, got 2'],
    ['health: { shadow_fraction: .nan }', 'health.shadow_fraction', 'config health.shadow_fraction: must be a number, got NaN'],
    [
      'pen: { min_klines_between_turns: 1.5 }',
      'pen.min_klines_between_turns',
      'config pen.min_klines_between_turns: must be an integer from 1 to 1000, got 1.5',
    ],
    ['health: { shadow_fraction: -0.01 }', 'health.shadow_fraction', 'config health.shadow_fraction: must be between 0 and 1, got -0.01'],
    ['health: { shadow_fraction: 1.01 }', 'health.shadow_fraction', 'config health.shadow_fraction: must be between 0 and 1, got 1.01'],
    [
      'service: { stream_window: 499 }',
      'service.stream_window',
      'config service.stream_window: must be 0 (all bars) or at least 500, got 499',
    ],
    [
      'service: { store: "sqlite:" }',
      'service.store',
      'config service.store: must be sqlite:PATH or postgres://[user@]host[:port]/database, got "sqlite:"',
    ],
    [
      'health: { response_timeout_ms: -1 }',
      'health.response_timeout_ms',
      'config health.response_timeout_ms: must be an integer from 1 to 3600000, got -1',
    ],
    ['pen: { defintion: traditional }', 'pen.defintion', 'config pen.defintion: is not a known setting'],
    ['macd: [1, 2]', 'macd', 'config macd: must be a mapping'],
    [
      'macd: {',
      'default.yaml',
      'config default.yaml: is not valid YAML: Flow map in block collection must be sufficiently indented and end with a } at line 1, column 8',
    ],
  ])('%s', (yaml, key, message) => {
    const e = configError(() => parseConfig(yaml, PARAMS));
    expect(e.key).toBe(key);
    if (message) expect(e.message).toBe(message);
  });

  it('bad presets in macd_params.yaml', () => {
    expect(configError(() => parseConfig('', 'presets: { x: { fast: 9, slow: 9, signal: 3 } }')).message).toBe(
      'config presets.x.fast_period: must be smaller than slow_period (9 >= 9)',
    );
    expect(parseConfig('', 'presets: { x: { fast: 8, slow: 9, signal: 3 } }').macdPresets).toEqual({ x: { fast: 8, slow: 9, signal: 3 } });
    expect(configError(() => parseConfig('', 'presets: {}')).key).toBe('presets');
    expect(configError(() => withMacdPreset(parseConfig('', PARAMS), 'toString')).key).toBe('macd.preset');
  });

  it('resolveOptions validates programmatic options too', () => {
    expect(configError(() => resolveOptions({ macd: { fast: 0 } })).key).toBe('macd.fast_period');
    expect(configError(() => resolveOptions({ macd: { fast: 26 } })).message).toBe(
      'config macd.fast_period: must be smaller than macd.slow_period (26 >= 26)',
    );
    expect(resolveOptions({ macd: { fast: 25, histogramScale: 1e6 } }).macd).toMatchObject({ fast: 25, slow: 26, histogramScale: 1e6 });
    expect(configError(() => resolveOptions({ pen: { fractalCheck: 'none' as 'strict' } })).key).toBe('pen.fractal_check');
  });

  it('programmatic options refuse unknown keys and settings that are not objects, as the YAML does (a typo was ignored)', () => {
    const message = (o: unknown) => configError(() => resolveOptions(o as PartialAnalysisOptions)).message;
    expect(message({ pen: { defintion: 'traditional' } })).toBe('config pen.defintion: is not a known setting');
    expect(message({ macd: { fastt: 5 } })).toBe('config macd.fastt: is not a known setting');
    expect(message({ macdd: { fast: 5 } })).toBe('config macdd: is not a known setting');
    expect(message({ pen: 'traditional' })).toBe('config pen: must be an object of settings, got "traditional"');
    expect(message({ structures: [] })).toBe('config structures: must be an object of settings, got an array');
    expect(message({ structures: { points: { pen: 0.9 } } })).toBe('config structures.points.pen: must be an object of settings, got 0.9');
    expect(message(null)).toBe('config options: must be an object of settings, got null');
    // Every documented key is known, and undefined means the default.
    const all = {
      pen: { ...DEFAULT_PEN_OPTIONS },
      macd: { ...DEFAULT_MACD_OPTIONS, histogramScale: undefined },
      structures: { enabled: true },
    };
    expect(resolveOptions(all)).toEqual(resolveOptions({}));
  });
});

describe('service configuration', () => {
  it('defaults, overrides and errors naming the key', () => {
    const c = parseConfig(DEFAULT, PARAMS).service;
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 50051,
      metricsPort: 9464,
      store: { kind: 'sqlite', path: 'chan-store.db' },
      durability: 'full',
      maxBarsPerRequest: 100_000,
      authTokenEnv: 'CHAN_AUTH_TOKEN',
    });
    expect(parseConfig('service: { port: 50052, durability: normal }').service).toMatchObject({ port: 50052, durability: 'normal' });
    expect(configError(() => parseConfig('service: { prot: 1 }')).key).toBe('service.prot');
    expect(configError(() => parseConfig('service: { port: 70000 }')).message).toBe(
      'config service.port: must be an integer from 0 to 65535, got 70000',
    );
    expect(configError(() => parseConfig('service: { tls_cert: a.pem }')).key).toBe('service.tls_key');
    expect(configError(() => parseConfig('service: { host: 5 }')).message).toBe('config service.host: must be a string, got 5');
    // An empty host or one with spaces (grpc-js said "No addresses resolved for port [object Object]").
    for (const host of ["''", "'local host'"]) {
      expect(configError(() => parseConfig(`service: { host: ${host} }`)).message).toBe(
        `config service.host: must be a host name or IP address (127.0.0.1, 0.0.0.0, ::), got ${JSON.stringify(host.slice(1, -1))}`,
      );
    }
    expect(configError(() => parseConfig('service: { stream_window: 10 }')).message).toBe(
      'config service.stream_window: must be 0 (all bars) or at least 500, got 10',
    );
    expect(parseConfig('service: { stream_window: 0 }').service.streamWindow).toBe(0);
  });

  it('the store: sqlite:PATH or db_path, or a PostgreSQL URL without a password; its connection settings', () => {
    expect(parseConfig('service: { store: "sqlite:/data/x.db" }').service.store).toEqual({ kind: 'sqlite', path: '/data/x.db' });
    expect(parseConfig('service: { db_path: x.db }').service.store).toEqual({ kind: 'sqlite', path: 'x.db' });
    const pg = parseConfig(
      'service: { store: "postgresql://chan@db:5433/bars", postgres: { pool_size: 4, tls: verify-full, tls_ca: ca.pem } }',
    );
    expect(pg.service.store).toEqual({ kind: 'postgres', url: 'postgresql://chan@db:5433/bars' });
    expect(pg.service.postgres).toMatchObject({
      poolSize: 4,
      tls: 'verify-full',
      tlsCa: 'ca.pem',
      passwordEnv: 'PGPASSWORD',
      passwordFile: '',
      startupWaitMs: 60_000,
    });
    expect(parseConfig('service: { postgres: { startup_wait_ms: 0 } }').service.postgres.startupWaitMs).toBe(0);
    expect(configError(() => parseConfig('service: { postgres: { startup_wait_ms: -1 } }')).key).toBe('service.postgres.startup_wait_ms');
    const withPassword = configError(() => parseConfig('service: { store: "postgres://chan:hunter2@db/bars" }'));
    expect(withPassword.key).toBe('service.store');
    expect(withPassword.message).toContain('must not hold a password');
    expect(withPassword.message).not.toContain('hunter2');
    expect(configError(() => parseConfig('service: { store: "sqlite:a.db", db_path: b.db }')).message).toBe(
      'config service.db_path: set store or db_path, not both',
    );
    expect(configError(() => parseConfig('service: { store: "mysql://db" }')).message).toBe(
      'config service.store: must be sqlite:PATH or postgres://[user@]host[:port]/database, got "mysql://db"',
    );
    expect(configError(() => parseConfig('service: { postgres: { tls: require, tls_ca: ca.pem } }')).key).toBe('service.postgres.tls_ca');
    expect(configError(() => parseConfig('service: { postgres: { pool: 3 } }')).key).toBe('service.postgres.pool');
  });
});
