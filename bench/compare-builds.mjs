// analyze() at 1M bars on two builds of this package, alternating in one process (the VM's speed
// drifts by tens of percent between runs, so only alternation gives a before/after ratio):
//   git worktree add /tmp/before <rev> && (cd /tmp/before && npm ci && npm run build)
//   node bench/compare-builds.mjs /tmp/before/dist dist
// Rows: the result as returned, with its pen objects read (a build before penColumns made them
// anyway), and with every object read (pens, pivots, points: made when first read since the pivots
// and points became lazy); structures on (default) and off. 25th percentile and median of 60
// rounds, ms per call.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { extendedSeries, readEveryObject, windows } from './series.mjs';

const dirs = process.argv.slice(2, 4);
if (dirs.length !== 2) throw new Error('usage: node bench/compare-builds.mjs BEFORE_DIST AFTER_DIST');
const builds = await Promise.all(dirs.map((d) => import(pathToFileURL(resolve(d, 'index.js')).href)));
const N = 1_000_000;
const w = windows(extendedSeries(N + Math.ceil(N / 3) * 2), N);
const engines = builds.map((e) => e.createEmbeddedWasmEngine());
const options = builds.map((e) => [
  ['structures on', e.resolveOptions({})],
  ['structures off', e.resolveOptions({ structures: { enabled: false } })],
]);
const cases = [
  ['as returned', (r) => r.penColumns?.count ?? r.pens.length],
  ['pen objects read', (r) => r.pens.length],
  ['every object read', readEveryObject],
];
// Every (build, options, case) once per round, in an order shuffled per round: a call pays for the
// garbage of the call before it, so a fixed order would bias the rows.
const calls = [0, 1].flatMap((b) =>
  options[b].flatMap(([on, opt]) => cases.map(([what, use]) => ({ b, key: `${on}, ${what}`, opt, use }))),
);
const times = new Map(calls.map((c) => [c.key, [[], []]]));
let seed = 1,
  sink = 0;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
for (let round = 0; round < 64; round++) {
  for (let i = calls.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [calls[i], calls[j]] = [calls[j], calls[i]];
  }
  for (const { b, key, opt, use } of calls) {
    const t0 = performance.now();
    sink += use(engines[b].analyze(w[round % 3], opt));
    if (round >= 4) times.get(key)[b].push(performance.now() - t0);
  }
}
const q = (a, f) => [...a].sort((x, y) => x - y)[Math.floor(a.length * f)];
console.log(`analyze() at ${N.toLocaleString('en-US')} bars, WASM engine, ms (p25 / median); before: ${dirs[0]}, after: ${dirs[1]}`);
console.log('| | before | after | after / before (p25) |\n|---|---:|---:|---:|');
for (const [key, [a, b]] of times) {
  const f = (x) => `${q(x, 0.25).toFixed(1)} / ${q(x, 0.5).toFixed(1)}`;
  console.log(`| ${key} | ${f(a)} | ${f(b)} | ${(q(b, 0.25) / q(a, 0.25)).toFixed(2)} |`);
}
if (Number.isNaN(sink)) throw new Error('unreachable');
