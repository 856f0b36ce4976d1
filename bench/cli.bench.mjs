// Whole-process times of the CLI, as a user waits for them: `chan --help` against a bare `node -e 1`,
// and `chan analyze SPY hourly --json` (40,832 bars, 4.9 MB of JSON to /dev/null). Run with
// `npm run bench:cli` (builds first). Each row: 11 runs, one after another; median, min and max.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 11;
const ROWS = [
  ['node -e 1', ['-e', '1']],
  ['chan --help', ['dist/cli/main.js', '--help']],
  ['chan analyze SPY hourly', ['dist/cli/main.js', 'analyze', 'test/fixtures/spy_1h_19980102_20210331.csv.gz']],
  ['chan analyze SPY hourly --json', ['dist/cli/main.js', 'analyze', 'test/fixtures/spy_1h_19980102_20210331.csv.gz', '--json']],
];

console.log(`${cpus()[0]?.model} x${cpus().length}, Node ${process.version}`);
const medians = {};
for (const [name, args] of ROWS) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    ms.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
  }
  ms.sort((a, b) => a - b);
  medians[name] = ms[RUNS >> 1];
  console.log(`${name.padEnd(32)} median ${ms[RUNS >> 1].toFixed(0)} ms (min ${ms[0].toFixed(0)}, max ${ms[RUNS - 1].toFixed(0)})`);
}
console.log(`chan --help / node -e 1: ${(medians['chan --help'] / medians['node -e 1']).toFixed(2)}x`);
