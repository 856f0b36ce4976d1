// The stores under load, on loopback: `chan serve` processes on SQLite (one instance) and on
// PostgreSQL (one and two instances on one database; a throwaway cluster started here), with 1, 8 and
// 64 clients. Each client owns a series of 500 stored bars (SSE 1-minute) and in turn writes 10 new
// bars (SubmitKlines) and reads its pens (CalculatePens, last_n 10) (a client that reaches the end of
// its stretch of the series stops); with two instances, client i
// talks to instance i % 2. Calls per second of each method, p50 and p99 in ms. Servers, database and
// load share this machine. Run with `npm run bench:store` (builds first).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ChanClient } from '../dist/service/index.js';
import { TestPostgres } from '../scripts/pg-cluster.mjs';
import { base, baseKlines } from './series.mjs';

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 3);
const SEEDED = 500,
  STEP = 10;
const root = new URL('..', import.meta.url).pathname;

function serve(store, env = {}) {
  const proc = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--store', store, '--port', '0', '--metrics-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CHAN_AUTH_TOKEN: '', ...env },
  });
  return new Promise((resolve) => {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      const j = JSON.parse(l);
      if (j.msg === 'listening') resolve({ proc, address: `127.0.0.1:${j.port}` });
    });
  });
}

/** One run: `concurrency` clients over the servers' addresses; series named by `tag` so runs do not share them. */
async function load(addresses, concurrency, tag) {
  const clients = Array.from({ length: concurrency }, (_, i) => new ChanClient(addresses[i % addresses.length], {}));
  // Each client's bars: its own stretch of the series.
  const SPAN = Math.floor(base.timestamp.length / concurrency);
  const series = clients.map((_, i) => ({ symbol: `${tag}${i}`, timeframe: 'TIMEFRAME_M1' }));
  const next = clients.map(() => SEEDED);
  await Promise.all(clients.map((c, i) => c.submitKlines({ ...series[i], klines: baseKlines(i * SPAN, i * SPAN + SEEDED) })));
  const lat = { SubmitKlines: [], CalculatePens: [] };
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      while (performance.now() < end && next[i] + STEP <= SPAN) {
        let s = performance.now();
        const w = await c.submitKlines({ ...series[i], klines: baseKlines(i * SPAN + next[i], i * SPAN + next[i] + STEP) });
        lat.SubmitKlines.push(performance.now() - s);
        next[i] += STEP;
        if (w.storedCount !== next[i]) throw new Error(`wrong stored count ${w.storedCount}`);
        s = performance.now();
        const r = await c.calculatePens({ ...series[i], lastN: 10 });
        lat.CalculatePens.push(performance.now() - s);
        if (r.barCount !== next[i]) throw new Error('wrong answer');
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return Object.entries(lat).map(([method, l]) => {
    l.sort((a, b) => a - b);
    const q = (p) => l[Math.min(l.length - 1, Math.floor(p * l.length))];
    return { method, concurrency, rps: l.length / elapsed, p50: q(0.5), p99: q(0.99) };
  });
}

console.log(
  `Stores: SubmitKlines (10 bars) + CalculatePens per client round, ${SECONDS} s per run; ${cpus().length} x ${cpus()[0]?.model}; Node ${process.version}`,
);
const pgt = await TestPostgres.start();
const rows = [];
try {
  const url = await pgt.createDatabase('bench');
  const env = { PGPASSWORD: pgt.password };
  const setups = [
    { name: 'SQLite, 1 instance', stores: [`sqlite:${join(mkdtempSync(join(tmpdir(), 'chan-bench-')), 'store.db')}`] },
    { name: 'PostgreSQL, 1 instance', stores: [url] },
    { name: 'PostgreSQL, 2 instances', stores: [url, url] },
  ];
  let run = 0;
  for (const setup of setups) {
    const servers = await Promise.all(setup.stores.map((s) => serve(s, env)));
    try {
      for (const concurrency of [1, 8, 64]) {
        const addresses = servers.map((s) => s.address);
        for (const r of await load(addresses, concurrency, `R${run++}_`)) rows.push({ setup: setup.name, ...r });
      }
    } finally {
      for (const s of servers) s.proc.kill('SIGTERM');
      await Promise.all(servers.map((s) => new Promise((r) => s.proc.once('exit', r))));
    }
  }
} finally {
  pgt.destroy();
}
console.log('| store | clients | method | calls/s | p50 ms | p99 ms |');
console.log('|---|---:|---|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.setup} | ${r.concurrency} | ${r.method} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
