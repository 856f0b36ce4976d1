// `chan chart`: the file it writes holds the chart data of the analysis (from a CSV file, and the
// same from the service's stored series), the window of --from/--to, and clear usage errors.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartData, type ChartData } from '../src/chart/index.js';
import { analyze } from '../src/engines/ts/pipeline.js';
import { readBarsCsvFile } from '../src/node/csv-file.js';
import { klines, startTestServer, type TestServer } from './support/service-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const SAMPLE = 'data/sse_000001_1d.csv';
const BARS = readBarsCsvFile(join(ROOT, SAMPLE));
const DIR = mkdtempSync(join(tmpdir(), 'chan-chart-cli-'));
const chan = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });

/** The chart data embedded in a chart file. */
function embedded(file: string): ChartData {
  const html = readFileSync(file, 'utf8');
  const m = /<script id="chan-chart-data" type="application\/json">(.*?)<\/script>/s.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as ChartData;
}

/** Everything but the title and subtitle (the two sources name the series differently). */
const drawn = ({ title: _t, subtitle: _s, ...rest }: ChartData) => rest;

describe('chan chart FILE.csv', () => {
  it('writes the chart of the whole analysis; the subtitle names the bars, the pen definition and the MACD', () => {
    const out = join(DIR, 'all.html');
    const r = chan('chart', SAMPLE, '-o', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*all\.html \(0\.\d MB\): 3,332 bars, 2006-11-06 00:00 to 2020-07-16 00:00 UTC · /);
    const data = embedded(out);
    expect(data.title).toBe('sse_000001_1d.csv');
    expect(data.subtitle).toContain('pens new_3kline · MACD 12/26/9 (standard)');
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS))));
  });

  it('from standard input (-): the same chart, titled "standard input", written to chart.html unless -o names a file', () => {
    const r = spawnSync(process.execPath, [MAIN, 'chart', '-'], { cwd: DIR, encoding: 'utf8', input: readFileSync(join(ROOT, SAMPLE)) });
    expect([r.status, r.stdout.startsWith('wrote chart.html (0.')]).toEqual([0, true]);
    const data = embedded(join(DIR, 'chart.html'));
    expect(data.title).toBe('standard input');
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS))));
  });

  it('--ticker: the chart of one ticker in a file of several, titled and named by it', () => {
    // The sample as Polygon's flat files write a day: each bar with another ticker's beside it, times in ns.
    const lines = ['ticker,volume,open,close,high,low,window_start,transactions'];
    for (let i = 0; i < BARS.timestamp.length; i++) {
      const [t, o, h, l, c, v] = [BARS.timestamp[i]!, BARS.open[i]!, BARS.high[i]!, BARS.low[i]!, BARS.close[i]!, BARS.volume[i]!];
      lines.push(`SSE,${v},${o},${c},${h},${l},${BigInt(t) * 1_000_000n},1`, `OTHER,1,1,1,1,1,${BigInt(t) * 1_000_000n},1`);
    }
    writeFileSync(join(DIR, 'flat.csv'), lines.join('\n') + '\n');
    const r = spawnSync(process.execPath, [MAIN, 'chart', 'flat.csv', '--ticker', 'SSE'], { cwd: DIR, encoding: 'utf8' });
    expect([r.status, r.stdout.startsWith('wrote flat-SSE.html (0.')]).toEqual([0, true]);
    const data = embedded(join(DIR, 'flat-SSE.html'));
    expect(data.title).toBe('SSE · flat.csv');
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS))));
    writeFileSync(join(DIR, 'crypto.csv'), lines.join('\n').replaceAll('SSE,', 'X:BTC/USD,') + '\n');
    const x = spawnSync(process.execPath, [MAIN, 'chart', 'crypto.csv', '--ticker', 'X:BTC/USD'], { cwd: DIR, encoding: 'utf8' });
    expect([x.status, x.stdout.startsWith('wrote crypto-X_BTC_USD.html (0.')]).toEqual([0, true]);
    expect(embedded(join(DIR, 'crypto-X_BTC_USD.html')).title).toBe('X:BTC/USD · crypto.csv');
  });

  it('a long series draws its last --max-bars bars (1,000,000 unless given), unless --from/--to choose; the subtitle says so', () => {
    const out = join(DIR, 'last.html');
    const day = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
    const r = chan('chart', SAMPLE, '-o', out, '--max-bars', '1000');
    expect(r.status).toBe(0);
    const from = BARS.timestamp[3332 - 1000]!;
    const data = embedded(out);
    expect(data.subtitle).toContain(
      `3,332 bars, 2006-11-06 00:00 to 2020-07-16 00:00 UTC (drawn: the last 1,000, from ${day(from)}: --max-bars, --from or --to draw others)`,
    );
    expect(r.stdout).toContain('(drawn: the last 1,000, from');
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS), { from })));
    // A window asked for is drawn as asked.
    expect(chan('chart', SAMPLE, '-o', out, '--max-bars', '1000', '--from', '2010-01-01').status).toBe(0);
    expect(embedded(out).subtitle).toContain('(drawn: 2010-01-01 00:00 to end)');
    const bad = chan('chart', SAMPLE, '--max-bars', '0');
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'chan: --max-bars must be a positive integer, got "0"']);
    // The default: a file of 1,000,005 bars (the sample repeated, a day apart) draws its last 1,000,000.
    const n = 1_000_005,
      t0 = Date.UTC(1990, 0, 1);
    const lines = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < n; i++) {
      const j = i % 3332;
      lines.push(`${t0 + i * 86_400_000},${BARS.open[j]},${BARS.high[j]},${BARS.low[j]},${BARS.close[j]},${BARS.volume[j]}`);
    }
    writeFileSync(join(DIR, 'long.csv'), lines.join('\n') + '\n');
    const long = chan('chart', join(DIR, 'long.csv'), '-o', out);
    expect(long.status).toBe(0);
    expect(long.stdout).toContain(`(drawn: the last 1,000,000, from ${day(t0 + 5 * 86_400_000)}:`);
    expect(embedded(out).firstBar).toBe(5);
  }, 60_000);

  it('--from/--to draw a window: dates in UTC, a date alone as --to meaning its whole day', () => {
    const out = join(DIR, 'window.html');
    const r = chan('chart', SAMPLE, '-o', out, '--from', '2015-06-01', '--to', '2015-06-30');
    expect(r.status).toBe(0);
    const from = Date.UTC(2015, 5, 1),
      to = Date.UTC(2015, 5, 30, 23, 59, 59, 999);
    const data = embedded(out);
    expect(data.subtitle).toContain('(drawn: 2015-06-01 00:00 to 2015-06-30 23:59)');
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS), { from, to })));
    const inJune = BARS.timestamp.filter((t) => t >= from && t <= to);
    expect(data.bars.time.count).toBe(inJune.length);
    expect(data.firstBar).toBe(BARS.timestamp.indexOf(inJune[0]!));
  });

  it('a time it cannot read is a usage error naming the flag (exit 2); a window without bars names from/to (exit 1)', () => {
    const bad = chan('chart', SAMPLE, '-o', join(DIR, 'x.html'), '--from', 'June');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--from: cannot read "June" as a time');
    // A day the calendar does not have is not rolled over into the next month (2019-02-30 drew from March 2).
    for (const [flag, v] of [
      ['--from', '2019-02-30'],
      ['--to', '2019-13-01'],
      ['--from', '2019-01-31T24:30'],
    ] as const) {
      const r = chan('chart', SAMPLE, '-o', join(DIR, 'x.html'), flag, v);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${flag}: cannot read "${v}" as a time`);
    }
    // A window that ends before it starts says so (it said there were no bars in it).
    const reversed = chan('chart', SAMPLE, '-o', join(DIR, 'x.html'), '--from', '2019-03-01', '--to', '2019-01-01');
    expect(reversed.status).toBe(2);
    expect(reversed.stderr).toContain('--from (2019-03-01) is after --to (2019-01-01)');
    const empty = chan('chart', SAMPLE, '-o', join(DIR, 'y.html'), '--from', '2030-01-01');
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/from/);
    expect(chan('chart', SAMPLE, '--symbol', 'S', '--timeframe', 'D1').status).toBe(2);
    // An output it cannot write says so (it said "cannot read").
    const out = join(DIR, 'no-such-dir', 'z.html');
    expect(chan('chart', SAMPLE, '-o', out)).toMatchObject({
      status: 1,
      stderr: `chan: cannot write ${out}: its directory does not exist\n`,
    });
  });
});

describe('chan chart --symbol S --timeframe TF (from the service)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await s.client.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_D1', klines: klines(BARS) });
  });
  afterAll(() => s?.close());

  it('draws the same chart as the file gives for the same bars', async () => {
    const out = join(DIR, 'service.html');
    // Asynchronous: the server runs in this process.
    const r = await promisify(execFile)(
      process.execPath,
      [MAIN, 'chart', '--symbol', 'SSE', '--timeframe', 'D1', '--addr', s.address, '-o', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toMatch(/wrote .*service\.html/);
    const data = embedded(out);
    expect(data.title).toBe('SSE D1');
    expect(data.subtitle).toMatch(/server (wasm|ts) engine · MACD 12\/26\/9/);
    expect(drawn(data)).toEqual(drawn(chartData(BARS, analyze(BARS))));
  });
});
