// Load tests of the gRPC service on loopback. Server and load generator share this machine.
// Run with `npm run bench:service` (builds first).
// 1. CalculatePens on 10,000 stored bars (SSE 1-minute) with 1, 8 and 64 concurrent clients (one
//    connection each), for SECONDS each, with the analysis cache on (repeated requests on unchanged
//    data) and off (every request runs the engine).
// 2. Mixed load: 32 clients over 200 series of 2,000 stored bars, each client in turn writing 10 bars
//    to one of its series (SubmitKlines) and reading its pens (CalculatePens, last_n 10), with the
//    hot-series analyzers off (service.hot_series_max_mb: 0: every read after a write analyses the
//    whole series, as before they existed) and on (the default), in the same run, timed once every
//    series is warm (with the analyzers on: once all 200 are built); then the same
//    rounds called on the service in this process, without gRPC: the server's own work per round.
// MIXED_ONLY=1 runs the second part only; SERVER_PROF=DIR makes each server write a CPU profile there.
// PREVIOUS=DIR adds a mixed-load row for the `chan serve` of another checkout (built; e.g. the commit
// before issue 25, as bench/README.md says how), run in the same run for the ratio against it.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { baseKlines } from './series.mjs';
import { pino } from 'pino';
import { parseConfig } from '../dist/config/index.js';
import { ChanClient } from '../dist/service/index.js';
import { startServer } from '../dist/service/grpc-server.js';

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 5);
const BARS = 10_000;
const root = new URL('..', import.meta.url).pathname;
const klines = baseKlines(0, BARS);

function serve(dir, name, edit = (yaml) => yaml, checkout = root) {
  const config = join(dir, `default-${name}.yaml`);
  writeFileSync(config, edit(readFileSync(join(checkout, 'config/default.yaml'), 'utf8')));
  const proc = spawn(
    process.execPath,
    [
      ...(process.env.SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SERVER_PROF}`] : []),
      join(checkout, 'dist/cli/main.js'),
      'serve',
      '--config',
      config,
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--db',
      join(dir, `${name}.db`),
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
for (const cacheEntries of process.env.MIXED_ONLY ? [] : [64, 0]) {
  const { proc, port } = await serve(dir, `cache${cacheEntries}`, (y) => y.replace(/cache_entries: \d+/, `cache_entries: ${cacheEntries}`));
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

const SYMBOLS = 200,
  HISTORY = 2_000,
  CLIENTS = 32,
  WRITE = 10;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU time of a process so far, ms (Linux: /proc; NaN elsewhere). */
function serverCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

/** The mixed load on a fresh server; returns calls/s of each kind and their p50 latencies. */
async function mixed(hotMb, checkout = root) {
  const edit = (y) => y.replace(/hot_series_max_mb: \d+/, `hot_series_max_mb: ${hotMb}`);
  const { proc, port } = await serve(dir, `hot${hotMb}${checkout === root ? '' : '-previous'}`, edit, checkout);
  const address = `127.0.0.1:${port}`;
  const symbol = (k) => `S${k}`;
  const setup = new ChanClient(address);
  for (let k = 0; k < SYMBOLS; k++)
    await setup.submitKlines({ symbol: symbol(k), timeframe: 'TIMEFRAME_M1', klines: baseKlines(0, HISTORY) });
  const clients = Array.from(
    { length: CLIENTS },
    () => new ChanClient(address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
  );
  const next = new Array(SYMBOLS).fill(HISTORY);
  const round = async (c, k) => {
    const s = { symbol: symbol(k), timeframe: 'TIMEFRAME_M1' };
    const t0 = performance.now();
    await c.submitKlines({ ...s, klines: baseKlines(next[k], next[k] + WRITE) });
    next[k] += WRITE;
    const t1 = performance.now();
    const r = await c.calculatePens({ ...s, lastN: 10 });
    if (r.barCount !== next[k]) throw new Error('wrong answer');
    return [t1 - t0, performance.now() - t1];
  };
  const pass = () =>
    Promise.all(
      clients.map(async (c, i) => {
        for (let k = i; k < SYMBOLS; k += CLIENTS) await round(c, k);
      }),
    );
  // Warm-up: every series written and read twice (the second read after a write makes it hot); then,
  // with the analyzers on, until all are built (each replays its history in the background: several
  // seconds for the 200), and once more over every series, so that the timed rounds are all hot reads.
  for (let w = 0; w < 2; w++) await pass();
  const until = performance.now() + 60_000;
  while (hotMb > 0 && (await setup.getStatus()).hotSeries < SYMBOLS && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await pass();
  await new Promise((r) => setTimeout(r, 1000));
  const writes = [],
    reads = [];
  const serverCpu0 = serverCpu(proc.pid),
    load0 = cpuMs();
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      for (let k = i; performance.now() < end; k = k + CLIENTS >= SYMBOLS ? (k + CLIENTS) % CLIENTS : k + CLIENTS) {
        const [w, r] = await round(c, k);
        writes.push(w);
        reads.push(r);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = { server: serverCpu(proc.pid) - serverCpu0, load: cpuMs() - load0 };
  const status = await setup.getStatus();
  for (const c of [...clients, setup]) c.close();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  const p50 = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return {
    writes: writes.length / elapsed,
    reads: reads.length / elapsed,
    w50: p50(writes),
    r50: p50(reads),
    hot: status.hotSeries,
    cpu: { server: cpu.server / reads.length, load: cpu.load / reads.length },
    hotMb: status.hotSeriesBytes / 2 ** 20,
  };
}

console.log(
  `\nMixed load: ${CLIENTS} clients, ${SYMBOLS} series of ${HISTORY} bars, each round SubmitKlines (${WRITE} bars) then CalculatePens (last_n 10), ${SECONDS} s`,
);
console.log(
  '| hot series | SubmitKlines/s | CalculatePens/s | p50 write ms | p50 read ms | hot analyzers (MB) | server CPU ms/round | load generator CPU ms/round |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const rows = [];
const previous = process.env.PREVIOUS;
for (const [name, hotMb, checkout] of [
  ...(previous ? [[`previous version (${previous})`, 0, previous]] : []),
  ['off', 0, root],
  ['on (256 MB)', 256, root],
]) {
  const r = await mixed(hotMb, checkout);
  rows.push(r);
  const hot = checkout === root ? `${r.hot} (${r.hotMb.toFixed(0)})` : '-';
  console.log(
    `| ${name} | ${r.writes.toFixed(0)} | ${r.reads.toFixed(0)} | ${r.w50.toFixed(2)} | ${r.r50.toFixed(2)} | ${hot} | ${r.cpu.server.toFixed(2)} | ${r.cpu.load.toFixed(2)} |`,
  );
}
const [on, off] = [rows.at(-1), rows.at(-2)];
console.log(`throughput on/off: ${(on.reads / off.reads).toFixed(2)}x`);
if (previous) console.log(`throughput on/previous version: ${(on.reads / rows[0].reads).toFixed(2)}x`);

/** The same rounds on the service object in this process (no gRPC, no load generator): ms per write and per read. */
async function inProcess(hotMb) {
  const c = parseConfig('');
  const config = {
    ...c,
    service: {
      ...c.service,
      port: 0,
      metricsPort: 0,
      store: { kind: 'sqlite', path: join(dir, `inproc${hotMb}.db`) },
      hotSeriesMaxMb: hotMb,
    },
  };
  const server = await startServer(config, { logger: pino({ level: 'silent' }), authToken: '' });
  const s = server.service;
  const series = (k) => ({ symbol: `S${k}`, timeframe: 'TIMEFRAME_M1' });
  for (let k = 0; k < SYMBOLS; k++) await s.submitKlines({ ...series(k), klines: baseKlines(0, HISTORY) });
  const next = new Array(SYMBOLS).fill(HISTORY);
  let write = 0,
    read = 0,
    rounds = 0;
  for (let pass = 0; pass < 7; pass++) {
    if (pass === 2) await s.hot.settled(); // two warm-up passes, as above
    for (let k = 0; k < SYMBOLS; k++) {
      const t0 = performance.now();
      await s.submitKlines({ ...series(k), klines: baseKlines(next[k], next[k] + WRITE) });
      next[k] += WRITE;
      const t1 = performance.now();
      await s.calculatePens({ ...series(k), lastN: 10 });
      if (pass >= 2) {
        write += t1 - t0;
        read += performance.now() - t1;
        rounds++;
      }
    }
  }
  await server.shutdown();
  return { write: write / rounds, read: read / rounds };
}

console.log('\nThe same rounds in this process (the service object, no gRPC), 5 passes over the 200 series after two warm-up passes:');
console.log('| hot series | write ms | read ms | round ms |');
console.log('|---|---:|---:|---:|');
const inproc = [];
for (const hotMb of [0, 256]) {
  const r = await inProcess(hotMb);
  inproc.push(r);
  console.log(`| ${hotMb ? 'on (256 MB)' : 'off'} | ${r.write.toFixed(3)} | ${r.read.toFixed(3)} | ${(r.write + r.read).toFixed(3)} |`);
}
console.log(`server work per round off/on: ${((inproc[0].write + inproc[0].read) / (inproc[1].write + inproc[1].read)).toFixed(2)}x`);
