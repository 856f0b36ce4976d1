// The built `chan` CLI (npm test builds first), run as a user would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../src/cli/json-output.js';
import { fractalList } from '../src/core/result.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { readBarsCsvFile } from '../src/node/csv-file.js';
import { fixtureBars } from './support/helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const chan = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

const SSE = fixtureBars('sse_000001_1d_20061106_20200716');

describe('chan points', () => {
  it('prints every buy/sell point of both levels as a table, oldest first', () => {
    const r = chan('points', 'data/sse_000001_1d.csv');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('time                  level     line  side  types          price  divergence  state');
    expect(lines[1]).toBe('2007-10-16T00:00:00Z  pen          8  sell  1p           6124.04      0.6839  confirmed');
    expect(lines.at(-1)).toBe('2020-07-16T00:00:00Z  pen        201  buy   3a           3209.76              provisional');
    const a = analyze(SSE);
    expect(lines.length - 1).toBe(a.buySellPoints.pen.length + a.buySellPoints.segment.length);
  });

  it('--level and --json: the points of one level as JSON, a divergence rate too large for JSON as null', () => {
    const r = chan('points', 'data/sse_000001_1d.csv', '--level', 'pen', '--json', '--config', 'config/default.yaml');
    const j = JSON.parse(r.stdout) as { level: string; line: number; divergenceRate: number | null }[];
    expect(j.map((p) => p.line)).toEqual(analyze(SSE).buySellPoints.pen.map((p) => p.line));
    expect(j[0]).toMatchObject({ level: 'pen', line: 8, divergenceRate: analyze(SSE).buySellPoints.pen[0]!.divergenceRate });
    expect(chan('points', 'data/sse_000001_1d.csv', '--level', 'bi').status).toBe(2);
  });
});

describe('JSON in pieces', () => {
  it('typed arrays of any length and kind as JSON.stringify writes them as arrays, non-finite values as null', () => {
    const n = 20_000;
    const f = Float64Array.from({ length: n }, (_, i) => (i % 977 === 5 ? NaN : i === 12_345 ? -Infinity : Math.sin(i) * 1e3));
    const value = {
      f,
      ints: Int32Array.from({ length: n }, (_, i) => i - 9000),
      dir: Int8Array.of(1, -1, 1),
      empty: new Float64Array(0),
      nested: [{ a: 1 }],
    };
    const text = [...jsonChunks(value)].join('');
    const plain = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    expect(text).toBe(JSON.stringify({ f: plain(f), ints: plain(value.ints), dir: [1, -1, 1], empty: [], nested: [{ a: 1 }] }));
    expect(Math.max(...[...jsonChunks(value)].map((c) => c.length))).toBeLessThan(300_000);
  });

  it('long arrays of objects (written a slice at a time) as JSON.stringify writes them; typed arrays inside objects as arrays', () => {
    // 10,001 objects: slices of 4,096 and a last one of one element; a typed array deep inside one.
    const objects: unknown[] = Array.from({ length: 10_001 }, (_, i) => ({
      i,
      x: i % 7 === 0 ? NaN : i / 3,
      s: 'a"b\u2028',
      skipped: undefined,
      pair: [i, null],
    }));
    objects[5_000] = { deep: [{ f: Float32Array.of(0.5, Infinity) }], n: 1 };
    objects[9_000] = undefined;
    const value = { objects, odd: [1, 'x', null, undefined, () => 1, Int8Array.of(-1)], date: new Date(0) };
    const text = [...jsonChunks(value)].join('');
    const expected = JSON.stringify(value, (_k, v: unknown) => (v instanceof Float32Array || v instanceof Int8Array ? Array.from(v) : v));
    expect(text).toBe(expected);
    expect(text).toContain('{"deep":[{"f":[0.5,null]}],"n":1}');
    expect(text).toContain('"odd":[1,"x",null,null,null,[-1]]');
    expect(JSON.parse(text).objects).toHaveLength(10_001);
  });
});

describe('chan analyze', () => {
  it('reads standard input for FILE "-", plain or gzipped (told by its first bytes)', () => {
    const file = chan('analyze', 'data/sse_000001_1d.csv').stdout;
    const text = readFileSync('data/sse_000001_1d.csv');
    for (const input of [text, gzipSync(text)]) {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'analyze', '-'], { cwd: ROOT, encoding: 'utf8', input });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(file.replace('file            data/sse_000001_1d.csv', 'file            (standard input)'));
    }
  });

  it('summarises the bundled sample (counts equal chan.py on this series)', () => {
    const r = chan('analyze', 'data/sse_000001_1d.csv');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('bars            3332  (2006-11-06T00:00:00Z .. 2020-07-16T00:00:00Z)');
    expect(r.stdout).toContain('merged bars     2607');
    expect(r.stdout).toContain('fractals        1165  (583 top, 582 bottom)');
    expect(r.stdout).toContain('pens (new_3kline)  202  (201 confirmed, 1 provisional)');
    expect(r.stdout).toContain('segments        28  (25 confirmed: 19 case 1, 6 case 2; 3 provisional)');
    expect(r.stdout).toMatch(/MACD standard   DIF 117\.2986 {2}DEA 110\.6233 {2}histogram 13\.3506/);
    // The structures: counts equal chan.py's with the divergence rate 0.9 (test/oracle-structures.test.ts).
    expect(r.stdout).toContain('segs of segs    9  (4 confirmed)');
    expect(r.stdout).toContain('pen level       26 pivots, 17 buy/sell points (13 buy, 4 sell)');
    expect(r.stdout).toContain('  last point    buy 3a at 3209.76  (2020-07-16T00:00:00Z, pen 201, provisional)');
    expect(r.stdout).toContain('segment level   2 pivots, 0 buy/sell points (0 buy, 0 sell)');
  });

  it('with the structures off the summary says so (it said "0 pivots, 0 buy/sell points"), and chan points refuses naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chan-cli-'));
    const yaml = join(dir, 'off.yaml');
    writeFileSync(yaml, 'structures:\n  enabled: false\n');
    const r = chan('analyze', 'data/sse_000001_1d.csv', '--config', yaml);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('segments        28  (25 confirmed: 19 case 1, 6 case 2; 3 provisional)');
    expect(r.stdout).toContain('structures      off (structures.enabled: false): no segments of segments, pivots or points\n');
    expect(r.stdout).not.toMatch(/pivots, 0 buy\/sell points|segs of segs/);
    expect(chan('points', 'data/sse_000001_1d.csv', '--config', yaml)).toMatchObject({
      status: 1,
      stdout: '',
      stderr: `chan: config structures.enabled: is false in ${yaml}: there are no buy/sell points to list\n`,
    });
  });

  it('--pen traditional --preset fast --json gives the full result', () => {
    const r = chan('analyze', 'data/sse_000001_1d.csv', '--pen', 'traditional', '--preset', 'fast', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.barCount).toBe(3332);
    expect(j.pens).toHaveLength(183);
    expect(j.segments).toHaveLength(25);
    expect(j.merged.high).toHaveLength(2607);
    expect(j.macd.dif).toHaveLength(3332);
    expect(Object.keys(j)).toEqual([
      'barCount',
      'merged',
      'fractals',
      'pens',
      'segments',
      'segmentsOfSegments',
      'pivots',
      'buySellPoints',
      'macd',
    ]);
    expect(j.pivots.pen[0]).toEqual(
      analyze(SSE, { pen: { definition: 'traditional' }, macd: { fast: 8, slow: 17, signal: 9 } }).pivots.pen[0],
    );
  });

  it('--json on 40,832 bars (written in pieces) is exactly JSON.stringify of the result, typed arrays as arrays', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/cli/main.js'), 'analyze', 'test/fixtures/spy_1h_19980102_20210331.csv.gz', '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      },
    );
    expect(r.status).toBe(0);
    const a = analyze(readBarsCsvFile(join(ROOT, 'test/fixtures/spy_1h_19980102_20210331.csv.gz')));
    const m = a.merged;
    const list = (xs: ArrayLike<number>) => Array.from(xs, (v) => (Number.isFinite(v) ? v : null));
    const expected = JSON.stringify({
      barCount: a.barCount,
      merged: {
        count: m.count,
        high: list(m.high),
        low: list(m.low),
        dir: list(m.dir),
        rawStart: list(m.rawStart),
        rawEnd: list(m.rawEnd),
      },
      fractals: fractalList(a.fractals),
      pens: a.pens,
      segments: a.segments,
      segmentsOfSegments: a.segmentsOfSegments,
      pivots: a.pivots,
      buySellPoints: a.buySellPoints,
      macd: { firstValid: a.macd.firstValid, dif: list(a.macd.dif), dea: list(a.macd.dea), histogram: list(a.macd.histogram) },
    });
    expect(r.stdout.length).toBeGreaterThan(4_000_000);
    expect(r.stdout === expected + '\n').toBe(true);
  });

  it('reads CSV as exports write it (Yahoo); --time-unit for small epoch numbers; --time-zone; --ticker; bad flags exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chan-cli-'));
    const yahoo = join(dir, 'yahoo.csv');
    writeFileSync(yahoo, 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,11,9,10.5,10.1,100\n2020-01-03,10,12,9,11,10.6,100\n');
    const y = chan('analyze', yahoo);
    expect(y.status).toBe(0);
    expect(y.stdout).toContain('bars            2  (2020-01-02T00:00:00Z .. 2020-01-03T00:00:00Z)');
    const secs = join(dir, 'secs.csv');
    writeFileSync(secs, 'time;open;high;low;close\n60;10;11;9;10.5\n120;10;12;9;11\n');
    expect(chan('analyze', secs).stderr).toBe(
      'chan: bar 0: timestamp "60" is too small to tell seconds from milliseconds (both would be before 1973): name the unit (--time-unit s|ms|us|ns) (line 2)\n',
    );
    expect(chan('analyze', secs, '--time-unit', 's').stdout).toContain('bars            2  (1970-01-01T00:01:00Z .. 1970-01-01T00:02:00Z)');
    expect(chan('analyze', secs, '--time-unit', 'minutes').status).toBe(2);
    // Seconds beyond the dates a timestamp can name: refused with the bar, not a stack trace.
    const far = join(dir, 'far.csv');
    writeFileSync(far, 'time,open,high,low,close\n1e20,10,11,9,10.5\n');
    const f = chan('analyze', far, '--time-unit', 's');
    expect([f.status, f.stderr]).toEqual([
      1,
      'chan: bar 0: timestamp 1e+23 is outside the dates a timestamp can name (+-8.64e15 ms from 1970, years -271821 to 275760)\n',
    ]);
    expect(chan('analyze', secs, '--delimiter', '|').status).toBe(2);
    // --time-zone: times written without a zone are that zone's wall clock.
    expect(chan('analyze', yahoo, '--time-zone', 'Asia/Shanghai').stdout).toContain(
      'bars            2  (2020-01-01T16:00:00Z .. 2020-01-02T16:00:00Z)',
    );
    const z = chan('analyze', yahoo, '--time-zone', 'Beijing');
    expect([z.status, z.stderr.split('\n')[0]]).toEqual([
      2,
      'chan: --time-zone: "Beijing" is not a time zone: name one as the IANA database does (Asia/Shanghai, America/New_York, UTC)',
    ]);
    // --ticker: the rows of one ticker in a file of several (Polygon's flat files).
    const flat = join(dir, 'flat.csv');
    writeFileSync(
      flat,
      'ticker,volume,open,close,high,low,window_start,transactions\n' +
        'AAPL,10,10,10.5,11,9,1577923200000000000,1\nAAPL,10,10,11,12,9,1578009600000000000,1\nMSFT,5,20,21,22,19,1577923200000000000,1\n',
    );
    expect(chan('analyze', flat, '--ticker', 'AAPL').stdout).toContain('bars            2  (2020-01-02T00:00:00Z .. 2020-01-03T00:00:00Z)');
    expect(chan('analyze', flat).stderr).toBe(
      'chan: bar 2: ticker "MSFT" is not the first row\'s ("AAPL"): the file holds several tickers; name the one to read (--ticker, or ticker in code) (line 4)\n',
    );
    expect(chan('analyze', flat, '--ticker', ' ').status).toBe(2);
  });

  it('chan --help and chan analyze load none of the service packages (gRPC, SQLite, pino, prom-client)', () => {
    const loaded = (...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        ['--require', join(ROOT, 'test/support/loaded-modules.cjs'), join(ROOT, 'dist/cli/main.js'), ...args],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      return JSON.parse(/loaded: (.*)/.exec(r.stderr)![1]!) as string[];
    };
    const service = /node_modules\/(@grpc|better-sqlite3|pino|prom-client|protobufjs|grpc-health-check)\//;
    expect(loaded('--help').filter((m) => service.test(m))).toEqual([]);
    expect(loaded('analyze', 'data/sse_000001_1d.csv').filter((m) => service.test(m))).toEqual([]);
    // The probe sees them where they are loaded: a client command (stopped by a usage error before it connects).
    expect(loaded('pens', '--timeframe', 'D1').filter((m) => service.test(m)).length).toBeGreaterThan(3);
  });

  it('importing chan-engine loads no YAML parser; chan-engine/config does', () => {
    const loaded = (entry: string) => {
      const r = spawnSync(
        process.execPath,
        [
          '--require',
          join(ROOT, 'test/support/loaded-modules.cjs'),
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(join(ROOT, entry))})`,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      return JSON.parse(/loaded: (.*)/.exec(r.stderr)![1]!) as string[];
    };
    const yaml = /node_modules\/yaml\//;
    expect(loaded('dist/index.js').filter((m) => yaml.test(m))).toEqual([]);
    expect(loaded('dist/config/index.js').filter((m) => yaml.test(m)).length).toBeGreaterThan(0);
  });

  it('chan analyze without --config loads no YAML parser (the bundled settings are the built-in ones); with --config it reads the file', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--require', join(ROOT, 'test/support/loaded-modules.cjs'), join(ROOT, 'dist/cli/main.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const yamlLoaded = (r: { stderr: string }) =>
      (JSON.parse(/loaded: (.*)/.exec(r.stderr)![1]!) as string[]).some((m) => /node_modules\/yaml\//.test(m));
    const plain = run('analyze', 'data/sse_000001_1d.csv', '--preset', 'fast');
    const withFile = run('analyze', 'data/sse_000001_1d.csv', '--preset', 'fast', '--config', 'config/default.yaml');
    expect(yamlLoaded(plain)).toBe(false);
    expect(yamlLoaded(withFile)).toBe(true);
    expect(plain.stdout).toContain('MACD fast');
    expect(plain.stdout).toBe(withFile.stdout);
  });

  it('reads gzipped CSV too: the same summary as the plain file', () => {
    const plain = chan('analyze', 'data/sse_000001_1d.csv').stdout;
    const gz = chan('analyze', 'test/fixtures/sse_000001_1d_20061106_20200716.csv.gz');
    expect(gz.status).toBe(0);
    expect(gz.stdout.split('\n').slice(1)).toEqual(plain.split('\n').slice(1));
  });

  it('a bad bar is reported with its index and field, exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chan-cli-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'timestamp,open,high,low,close,volume\n1594944000000,10,11,9,10,1\n1595030400000,10,9,11,10,1\n');
    const r = chan('analyze', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('chan: bar 1: high 9 is below low 11\n');
  });

  it('a client command with no server at its address says so and what to do (it printed grpc-js\'s "14 UNAVAILABLE: No connection established. Last error: ...")', () => {
    expect(chan('pens', '--symbol', 'S', '--timeframe', 'D1', '--addr', '127.0.0.1:1')).toMatchObject({
      status: 1,
      stderr:
        'chan: no server answered at 127.0.0.1:1: connection refused. Is `chan serve` running there? (--addr HOST:PORT names its address)\n',
    });
    expect(chan('chart', '--symbol', 'S', '--timeframe', 'D1', '--addr', '127.0.0.1:1').stderr).toBe(
      'chan: no server answered at 127.0.0.1:1: connection refused. Is `chan serve` running there? (--addr HOST:PORT names its address)\n',
    );
    expect(chan('status', '--addr', '127.0.0.1:1,127.0.0.1:2').stderr).toBe(
      'chan: no server answered at 127.0.0.1:1, 127.0.0.1:2: connection refused. Is `chan serve` running there? (--addr HOST:PORT names its address)\n',
    );
  });

  it('usage errors exit 2; an unknown preset names the key', () => {
    // An unknown command: the whole usage. A known one: the error, then that command's usage (the
    // whole of it, 30 lines, scrolled the error away), parseArgs' messages said shortly.
    const unknown = chan('analyse', 'x.csv');
    expect([unknown.status, unknown.stderr.split('\n').slice(0, 2)]).toEqual([2, ['chan: unknown command "analyse"', 'usage:']]);
    expect(unknown.stderr).toContain('\n  chan serve [--role primary|backup]');
    expect(chan('analyze', 'data/sse_000001_1d.csv', '--bogus')).toMatchObject({
      status: 2,
      stderr: `chan: unknown option --bogus
usage:
  chan analyze FILE.csv [--preset NAME] [--pen new_3kline|traditional] [--config FILE] [--json]
(chan --help lists every command and option)
`,
    });
    expect(chan('points', '--symbol')).toMatchObject({
      status: 2,
      stderr: `chan: --symbol needs a value
usage:
  chan points FILE.csv [--level pen|segment] [--preset NAME] [--pen D] [--config FILE] [--json]
  chan points   --symbol S --timeframe TF [--level pen|segment] [--last-n N] [--pen D] [--json]
  client commands take --addr HOST:PORT[,HOST:PORT...] (repeatable; default 127.0.0.1:50051; later
  addresses are failover backups), --token T (default $CHAN_AUTH_TOKEN) and --ca FILE (TLS)
(chan --help lists every command and option)
`,
    });
    expect(chan('chart').stderr).toBe(`chan: expected: chan chart FILE.csv, or chan chart --symbol S --timeframe TF
usage:
  chan chart FILE.csv [-o FILE.html] [--from T] [--to T] [--max-bars N] [--preset NAME] [--pen D] [--config FILE]
  chan chart --symbol S --timeframe TF [-o FILE.html] [--from T] [--to T] [--max-bars N] [--preset NAME] [--pen D]
             (an HTML chart that opens offline; T: 2019-01-31, 2019-01-31T09:30 (UTC) or ms since epoch;
             without --from/--to, the last N bars, 1000000 unless given)
(chan --help lists every command and option)
`);
    const r = chan('analyze', 'data/sse_000001_1d.csv', '--preset', 'turbo');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('config macd.preset: unknown preset "turbo"');
    expect(chan('analyze', 'missing.csv').stderr).toBe('chan: cannot read missing.csv: no such file\n');
    // A --config file that is not YAML is named, with the line (it was "config default", over five lines).
    const yamlDir = mkdtempSync(join(tmpdir(), 'chan-cli-'));
    const yaml = join(yamlDir, 'mine.yaml');
    writeFileSync(yaml, 'pen:\n  definition: [new_3kline\n');
    expect(chan('analyze', 'data/sse_000001_1d.csv', '--config', yaml)).toMatchObject({
      status: 1,
      stderr: `chan: config ${yaml}: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1\n`,
    });
    // An option given twice (but --addr, a list) is the usage: the last one was taken, silently (`chan pens
    // --symbol A --symbol B` read B).
    for (const [name, args] of [
      ['--pen', ['analyze', 'data/sse_000001_1d.csv', '--pen', 'traditional', '--pen', 'new_3kline']],
      ['--symbol', ['pens', '--symbol', 'A', '--symbol', 'B', '--timeframe', 'D1', '--addr', '127.0.0.1:1']],
    ] as const) {
      const twice = chan(...args);
      expect([twice.status, twice.stderr.split('\n')[0]]).toEqual([2, `chan: ${name} given 2 times; give it once`]);
    }
    // A client command's bad flag (checked as its request is made): the usage, not a stack trace.
    const client = chan('pens', '--symbol', 'S', '--timeframe', 'D1', '--last-n', '0', '--addr', '127.0.0.1:1');
    expect([client.status, client.stderr.split('\n')[0]]).toEqual([2, 'chan: --last-n must be a positive integer, got "0"']);
    // A timeframe the service does not have is the usage, before any server is asked (it was sent as
    // TIMEFRAME_UNSPECIFIED and the server's answer named that, not what was typed).
    for (const cmd of [['pens'], ['submit', 'data/sse_000001_1d.csv']]) {
      const tf = chan(...cmd, '--symbol', 'S', '--timeframe', 'D9', '--addr', '127.0.0.1:1');
      expect([tf.status, tf.stderr.split('\n')[0]]).toEqual([
        2,
        'chan: --timeframe must be one of M1 M3 M5 M15 M30 H1 H2 H4 D1 W1 MN1, got "D9"',
      ]);
    }
  });
});
