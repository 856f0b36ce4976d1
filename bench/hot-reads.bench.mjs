// What a read of the latest results costs on one hot series as its history grows: the service object
// in this process (no gRPC), one series of HISTORY bars (SSE 1-minute, extended by repetition) in a
// SQLite store with its hot analyzer built; each round writes one bar (SubmitKlines), then reads the
// last few pens, segments of segments, confirmed segments (of segments), and pivots and buy/sell
// points of each level (CalculatePens, CalculateSegments, CalculatePivots, GetBuySellPoints with last_n), ROUNDS rounds per read after warm-up; p50 / p90 ms
// of the read. Run with `npm run bench:hot-reads` (builds first).
// PREVIOUS=DIR also runs the built `dist/` of another checkout, in the same run, for the ratio.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { baseKlines } from './series.mjs';

const ROUNDS = 200;
const SIZES = (process.env.BENCH_SIZES ?? '20000,200000').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const builds = [['this build', join(root, 'dist')]];
if (process.env.PREVIOUS) builds.unshift(['previous', join(process.env.PREVIOUS, 'dist')]);
const dir = mkdtempSync(join(tmpdir(), 'hot-reads-'));

async function run(dist, history, tag) {
  const { parseConfig } = await import(join(dist, 'config/index.js'));
  const { startServer } = await import(join(dist, 'service/grpc-server.js'));
  const c = parseConfig('');
  const store = { kind: 'sqlite', path: join(dir, `${tag}-${history}.db`) };
  const config = { ...c, service: { ...c.service, port: 0, metricsPort: 0, store, hotSeriesMaxMb: 1024 } };
  const server = await startServer(config, { logger: pino({ level: 'silent' }), authToken: '' });
  const s = server.service;
  const S = { symbol: 'X', timeframe: 'TIMEFRAME_M1' };
  for (let i = 0; i < history; i += 50_000) await s.submitKlines({ ...S, klines: baseKlines(i, Math.min(history, i + 50_000)) });
  let next = history;
  const write = () => s.submitKlines({ ...S, klines: baseKlines(next, ++next) });
  const reads = {
    'last 5 pens': () => s.calculatePens({ ...S, lastN: 5 }),
    'last 5 segments of segments': () => s.calculateSegments({ ...S, level: 'LEVEL_SEGMENT', lastN: 5 }),
    'last 5 confirmed segments': () => s.calculateSegments({ ...S, lastN: 5, confirmedOnly: true }),
    'last 5 confirmed segments of segments': () => s.calculateSegments({ ...S, level: 'LEVEL_SEGMENT', lastN: 5, confirmedOnly: true }),
    'last 5 pen-level pivots': () => s.calculatePivots({ ...S, level: 'LEVEL_PEN', lastN: 5 }),
    'last 5 pen-level points': () => s.getBuySellPoints({ ...S, level: 'LEVEL_PEN', lastN: 5 }),
    'last 5 segment-level pivots': () => s.calculatePivots({ ...S, level: 'LEVEL_SEGMENT', lastN: 5 }),
    'last 5 segment-level points': () => s.getBuySellPoints({ ...S, level: 'LEVEL_SEGMENT', lastN: 5 }),
  };
  const out = {};
  for (const [name, read] of Object.entries(reads)) {
    // A read, a write and a read make the series hot; then warm-up rounds.
    for (let w = 0; w < 3; w++) {
      await write();
      await read();
    }
    await s.hot.settled();
    for (let w = 0; w < 20; w++) {
      await write();
      await read();
    }
    const t = [];
    for (let r = 0; r < ROUNDS; r++) {
      await write();
      const t0 = performance.now();
      await read();
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    out[name] = [t[ROUNDS >> 1], t[Math.floor(ROUNDS * 0.9)]];
  }
  await server.shutdown();
  return out;
}

console.log(`One hot series, a one-bar write then a read, ${ROUNDS} rounds per read; read p50 / p90, ms:`);
console.log(`| read | ${SIZES.flatMap((n) => builds.map(([b]) => `${n.toLocaleString('en')} bars, ${b}`)).join(' | ')} |`);
console.log(`|---|${SIZES.flatMap(() => builds.map(() => '---:')).join('|')}|`);
const results = {};
for (const n of SIZES) for (const [b, dist] of builds) results[`${n} ${b}`] = await run(dist, n, b.replace(' ', '-'));
for (const name of Object.keys(Object.values(results)[0])) {
  const cells = SIZES.flatMap((n) => builds.map(([b]) => results[`${n} ${b}`][name].map((v) => v.toFixed(3)).join(' / ')));
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
