// parseBarsCsv on 200,000 lines as exchange kline exports write them (no header; open time, open,
// high, low, close, volume), the open time in epoch ms (13 digits), µs (16: Binance's spot files from
// 2025) and ns (19: Polygon's flat files); ns per line, tinybench's median of 20 runs.
// Run with `npm run bench:csv` (builds first). PREVIOUS=DIR also runs the built `dist/` of another
// checkout, in the same run, for the ratio.
import { join } from 'node:path';
import { Bench } from 'tinybench';

const LINES = 200_000;
const root = new URL('..', import.meta.url).pathname;
const builds = [['this build', join(root, 'dist')]];
if (process.env.PREVIOUS) builds.unshift(['previous', join(process.env.PREVIOUS, 'dist')]);

/** Prices as exports write them (two decimals), the volume with three. */
function klines(unitsPerMs) {
  const out = [];
  for (let i = 0; i < LINES; i++) {
    const t = BigInt(1_735_689_600_000 + i * 60_000) * BigInt(unitsPerMs);
    const p = 42_000 + (i % 977) * 1.25;
    out.push(
      `${t},${p.toFixed(2)},${(p + 3.5).toFixed(2)},${(p - 2.25).toFixed(2)},${(p + 1).toFixed(2)},${((i % 313) * 0.125).toFixed(3)}`,
    );
  }
  return `${out.join('\n')}\n`;
}

const files = [
  ['ms (13 digits)', klines(1)],
  ['µs (16 digits)', klines(1_000)],
  ['ns (19 digits)', klines(1_000_000)],
];
console.log(`| open time | ${builds.map(([b]) => `${b}, ns/line`).join(' | ')} |\n|---|${builds.map(() => '---:').join('|')}|`);
const parsers = await Promise.all(builds.map(async ([, dist]) => (await import(join(dist, 'index.js'))).parseBarsCsv));
for (const [name, text] of files) {
  const cells = [];
  for (const parse of parsers) {
    const t = parse(text).timestamp;
    if (t[1] - t[0] !== 60_000) throw new Error(`${name}: times misread`);
    const bench = new Bench({ iterations: 20, warmupIterations: 3 });
    bench.add(name, () => parse(text));
    await bench.run();
    cells.push(((bench.tasks[0].result.latency.p50 * 1e6) / LINES).toFixed(0));
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
