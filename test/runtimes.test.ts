// The built package under Deno, Bun and workerd (Cloudflare Workers' runtime) gives the same
// results as under Node, batch and streaming on both kernels: each runs test/runtime/smoke.mjs and
// prints a fingerprint.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without types
import { smoke } from './runtime/smoke.mjs';
import * as api from '../dist/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
const nodeFingerprint = smoke(api);

function run(cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe('runtimes', () => {
  it('Node: the WASM engine equals the TS engine on the smoke series', () => {
    expect(nodeFingerprint.wasmEqualsTs).toBe(true);
    expect(nodeFingerprint.bars).toBe(20_000);
    expect(nodeFingerprint.pens).toBeGreaterThan(500);
    // StreamingAnalyzer on both kernels equals batch (and so does every runtime that matches this).
    expect(nodeFingerprint.streamed.map((s: { engine: string; equalsBatch: boolean }) => [s.engine, s.equalsBatch])).toEqual([
      ['ts', true],
      ['wasm', true],
    ]);
    expect(nodeFingerprint.streamed[0].events).toBe(nodeFingerprint.streamed[1].events);
    expect(nodeFingerprint.streamed[0].events).toBeGreaterThan(100);
  });

  it('Deno (no permissions granted) gives the same fingerprint', () => {
    expect(JSON.parse(run(bin('deno'), ['run', 'test/runtime/print.mjs']))).toEqual(nodeFingerprint);
  }, 120_000);

  it('Bun gives the same fingerprint', () => {
    expect(JSON.parse(run(bin('bun'), ['test/runtime/print.mjs']))).toEqual(nodeFingerprint);
  }, 120_000);

  it('workerd, through the "workerd" export condition (imported .wasm module), gives the same fingerprint', async () => {
    // Bundle as wrangler would: resolve the package through its `workerd` condition, keep the
    // .wasm import for the runtime.
    const dir = mkdtempSync(join(tmpdir(), 'chan-workerd-'));
    const bundle = await rolldown({
      input: join(ROOT, 'test/runtime/worker.mjs'),
      cwd: ROOT,
      platform: 'neutral',
      resolve: { conditionNames: ['workerd', 'worker', 'browser', 'import', 'default'], mainFields: ['module', 'main'] },
      external: [/\.wasm$/],
      logLevel: 'silent',
    });
    await bundle.write({ file: join(dir, 'test/runtime/worker.js'), format: 'esm' });
    mkdirSync(join(dir, 'dist/engines/wasm'), { recursive: true });
    copyFileSync(join(ROOT, 'dist/engines/wasm/chan.wasm'), join(dir, 'dist/engines/wasm/chan.wasm'));
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .w)]);
const w :Workerd.Worker = (
  modules = [
    (name = "test/runtime/worker.js", esModule = embed "test/runtime/worker.js"),
    (name = "dist/engines/wasm/chan.wasm", wasm = embed "dist/engines/wasm/chan.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
    );
    const out = spawnSync(bin('workerd'), ['test', 'config.capnp'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const line = `${out.stdout}\n${out.stderr}`.split('\n').find((l) => l.includes('SMOKE '));
    expect(line, `${out.stdout}\n${out.stderr}`).toBeDefined();
    expect(JSON.parse(line!.slice(line!.indexOf('SMOKE ') + 6))).toEqual(nodeFingerprint);
  }, 120_000);
});
