// `npm install chan-engine` as a user gets it: the packed tarball (`npm pack`) installed into an empty
// project, its registry dependencies from npm's cache. The library and `chan analyze` work there with
// no native build and no gRPC; a service command says what to install. Prints the installed size.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { peerPackages } from '../src/node/peer-packages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'chan-install-'));
const PROJECT = join(DIR, 'project');

/** Every file under `dir`: [path, bytes]. */
function files(dir: string): [string, number][] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return [path, statSync(path).size];
    });
}

describe('the packed package installed into an empty project', () => {
  let installed: [string, number][];

  beforeAll(() => {
    // dist/ is built by `npm test` before the tests run; --ignore-scripts: no second build.
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', DIR], { cwd: ROOT, encoding: 'utf8' }),
    ) as {
      filename: string;
    }[];
    execFileSync('mkdir', [PROJECT]);
    writeFileSync(join(PROJECT, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module' }));
    execFileSync('npm', ['install', join(DIR, packed!.filename), '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: PROJECT,
      encoding: 'utf8',
    });
    installed = files(join(PROJECT, 'node_modules'));
    const mb = installed.reduce((s, [, b]) => s + b, 0) / 1e6;
    const packages = readdirSync(join(PROJECT, 'node_modules')).filter((n) => !n.startsWith('.'));
    console.log(`installed: ${mb.toFixed(1)} MB in ${installed.length} files; packages: ${packages.join(', ')}`);
  }, 180_000);

  it('installs no native module and none of the service packages (optional peers); under 3 MB (README: 2.7, as this test prints it)', () => {
    expect(installed.reduce((s, [, b]) => s + b, 0)).toBeLessThan(3e6);
    expect(installed.filter(([p]) => p.endsWith('.node'))).toEqual([]);
    const names = readdirSync(join(PROJECT, 'node_modules'));
    for (const peer of Object.keys(peerPackages())) expect(names).not.toContain(peer.split('/')[0]);
    expect(names.sort()).toEqual(['.bin', '.package-lock.json', 'chan-engine', 'yaml']);
  });

  it('`chan analyze` prints what it prints in this repository', () => {
    copyFileSync(join(ROOT, 'data/sse_000001_1d.csv'), join(PROJECT, 'sse.csv'));
    const there = spawnSync(join(PROJECT, 'node_modules/.bin/chan'), ['analyze', 'sse.csv'], { cwd: PROJECT, encoding: 'utf8' });
    const here = spawnSync(process.execPath, ['dist/cli/main.js', 'analyze', join(PROJECT, 'sse.csv')], { cwd: ROOT, encoding: 'utf8' });
    expect(there.stderr).toBe('');
    expect(there.stdout).toBe(here.stdout.replace(join(PROJECT, 'sse.csv'), 'sse.csv'));
    expect(there.stdout).toContain('pens (new_3kline)  202');
  });

  it('`import { analyze } from "chan-engine"` works, on the WASM engine too', () => {
    const code = `
      import { readFileSync } from 'node:fs';
      import { analyze, createEmbeddedWasmEngine, parseBarsCsv } from 'chan-engine';
      const bars = parseBarsCsv(readFileSync('sse.csv', 'utf8'));
      const wasm = await createEmbeddedWasmEngine();
      console.log(analyze(bars).pens.length, wasm.analyze(bars).pens.length);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('202 202\n');
  });

  it('`import { parseConfig } from "chan-engine/config"` reads YAML settings into options', () => {
    const code = `
      import { parseConfig } from 'chan-engine/config';
      console.log(JSON.stringify(parseConfig('macd: { preset: fast }\\npen: { definition: traditional }').analysis));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: PROJECT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const analysis = JSON.parse(r.stdout) as { pen: { definition: string }; macd: { fast: number; slow: number; signal: number } };
    expect([analysis.pen.definition, analysis.macd.fast, analysis.macd.slow, analysis.macd.signal]).toEqual(['traditional', 8, 17, 9]);
  });

  it('`chan serve` and the client commands say what to install', () => {
    const install = `npm install ${Object.entries(peerPackages())
      .map(([n, v]) => `${n}@${v}`)
      .join(' ')}`;
    for (const args of [['serve'], ['status'], ['chart', '--symbol', 'S', '--timeframe', 'D1']]) {
      const r = spawnSync(join(PROJECT, 'node_modules/.bin/chan'), args, { cwd: PROJECT, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^chan: chan ${args[0]}.* needs the service's packages, which npm does not install with chan-engine \\(\\S+ is missing\\): `,
        ),
      );
      expect(r.stderr.trimEnd().endsWith(install)).toBe(true);
    }
  });
});
