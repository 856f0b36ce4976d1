// Load test of the gRPC service on loopback: CalculatePens on 10,000 stored bars (SSE 1-minute)
// with 1, 8 and 64 concurrent clients (one connection each), for SECONDS each, with the analysis
// cache on (repeated requests on unchanged data) and off (every request runs the engine).
// Run with `npm run bench:service` (builds first). Server and load generator share this machine.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { parseBarsCsv } from '../dist/index.js';
import { ChanClient } from '../dist/service/index.js';

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 5);
const BARS = 10_000;
const root = new URL('..', import.meta.url).pathname;
const all = parseBarsCsv(gunzipSync(readFileSync(join(root, 'bench/data/sse_000001_1m_20150105_20190212.csv.gz'))).toString('utf8'));
const klines = Array.from({ length: BARS }, (_, i) => ({
  timestamp: all.timestamp[i],
  open: all.open[i],
  high: all.high[i],
  low: all.low[i],
  close: all.close[i],
  volume: all.volume[i],
}));

function serve(dir, cacheEntries) {
  const config = join(dir, `default-${cacheEntries}.yaml`);
  writeFileSync(
    config,
    readFileSync(join(root, 'config/default.yaml'), 'utf8').replace(/cache_entries: \d+/, `cache_entries: ${cacheEntries}`),
  );
  const proc = spawn(
    process.execPath,
    [
      join(root, 'dist/cli/main.js'),
      'serve',
      '--config',
      config,
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--db',
      join(dir, `s${cacheEntries}.db`),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CHAN_AUTH_TOKEN: '' },
    },
  );
  return new Promise((resolve) => {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      const j = JSON.parse(l);
      if (j.msg === 'listening') resolve({ proc, port: j.port });
    });
  });
}

async function load(address, concurrency) {
  const clients = Array.from(
    { length: concurrency },
    () => new ChanClient(address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
  );
  const req = { symbol: 'SSE', timeframe: 'TIMEFRAME_M1' };
  for (const c of clients) await c.calculatePens(req); // connect and warm up
  const lat = [];
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const s = performance.now();
        const r = await c.calculatePens(req);
        lat.push(performance.now() - s);
        if (r.barCount !== BARS) throw new Error('wrong answer');
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { concurrency, requests: lat.length, rps: lat.length / elapsed, p50: q(0.5), p99: q(0.99) };
}

const dir = mkdtempSync(join(tmpdir(), 'chan-bench-'));
console.log(`CalculatePens on ${BARS} stored bars, ${SECONDS} s per run; ${cpus().length} x ${cpus()[0]?.model}; Node ${process.version}`);
console.log('| cache | clients | requests/s | p50 ms | p99 ms | pens returned |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const cacheEntries of [64, 0]) {
  const { proc, port } = await serve(dir, cacheEntries);
  const address = `127.0.0.1:${port}`;
  const c = new ChanClient(address);
  await c.submitKlines({ symbol: 'SSE', timeframe: 'TIMEFRAME_M1', klines });
  const pens = (await c.calculatePens({ symbol: 'SSE', timeframe: 'TIMEFRAME_M1' })).total;
  c.close();
  for (const n of [1, 8, 64]) {
    const r = await load(address, n);
    console.log(`| ${cacheEntries ? 'on' : 'off'} | ${n} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${pens} |`);
  }
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
}
