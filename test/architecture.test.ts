// The dependency rule (docs/architecture.md): core <- engines/* <- streaming, failover <- node,
// service, cli, with no import cycle; the portable layers use no Node-only module. Read from the
// import statements of every source file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Layer of a file (its folder under src/, engines split in two; the entry files are 'root'). */
function layerOf(file: string): string {
  const parts = relative(join(ROOT, 'src'), file).split('/');
  if (parts.length === 1) return 'root';
  return parts[0] === 'engines' ? `engines/${parts[1]}` : parts[0]!;
}

const PORTABLE = ['core', 'config', 'engines/ts', 'engines/wasm', 'streaming', 'failover', 'chart'];
/** Which layers each layer may import (itself included). */
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  config: ['core', 'config'],
  'engines/ts': ['core', 'engines/ts'],
  'engines/wasm': ['core', 'engines/wasm'],
  streaming: ['core', 'engines/ts', 'engines/wasm', 'streaming'],
  failover: ['core', 'config', 'engines/ts', 'engines/wasm', 'failover'],
  chart: ['core', 'chart'],
  root: [...PORTABLE, 'root'],
  node: [...PORTABLE, 'node'],
  service: [...PORTABLE, 'node', 'service'],
  cli: [...PORTABLE, 'node', 'service', 'cli'],
};
/** Packages a portable layer may use (everything else there must be relative). */
const PORTABLE_PACKAGES: Record<string, readonly string[]> = { config: ['yaml'], chart: ['lightweight-charts'] };

function sources(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'generated' ? [] : sources(p, ext);
    return ext.test(f) && !f.endsWith('.d.ts') ? [p] : [];
  });
}

/** Import specifiers of a file (static, re-exports and dynamic imports; `import type` included). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

/** Relative-import graph of the files (specifiers resolved to files; `ext` maps .js to the source extension). */
function graph(files: string[], toSource: (spec: string) => string): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((f) => [
      f,
      imports(f)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(f), toSource(s)))
        .filter((t) => known.has(t)),
    ]),
  );
}

function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (u: string, stack: string[]) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of g.get(u) ?? []) {
      if (state.get(v) === 1) found.push(stack.slice(stack.indexOf(v)).map((f) => relative(ROOT, f)));
      else if (!state.has(v)) visit(v, stack);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f, []);
  return found;
}

const srcFiles = sources(join(ROOT, 'src'), /\.ts$/);
const srcGraph = graph(srcFiles, (s) => s.replace(/\.js$/, '.ts'));

describe('architecture', () => {
  it('src/ has no import cycle', () => {
    expect(cycles(srcGraph)).toEqual([]);
  });

  it('assembly/ has no import cycle', () => {
    const files = sources(join(ROOT, 'assembly'), /\.ts$/);
    expect(cycles(graph(files, (s) => `${s}.ts`))).toEqual([]);
  });

  it('every import goes down the layers: core <- engines <- streaming, failover <- node <- service <- cli', () => {
    const against: string[] = [];
    for (const [file, targets] of srcGraph) {
      const from = layerOf(file);
      for (const t of targets) if (!ALLOWED[from]!.includes(layerOf(t))) against.push(`${relative(ROOT, file)} -> ${relative(ROOT, t)}`);
    }
    expect(against).toEqual([]);
  });

  it('the portable layers import no Node-only module (only relative files, and yaml in config)', () => {
    const found: string[] = [];
    for (const file of srcFiles) {
      const layer = layerOf(file);
      if (!PORTABLE.includes(layer) && layer !== 'root') continue;
      for (const s of imports(file))
        if (!s.startsWith('.') && !(PORTABLE_PACKAGES[layer] ?? []).includes(s)) found.push(`${relative(ROOT, file)}: ${s}`);
    }
    expect(found).toEqual([]);
  });

  it('the checks see real imports (a mutated graph with a back edge is caught)', () => {
    // Guards the test itself: the parser finds imports, and a known back edge is reported.
    expect(imports(join(ROOT, 'src/streaming/analyzer.ts'))).toContain('../core/errors.js');
    const g = new Map([...srcGraph].map(([k, v]) => [k, [...v]]));
    const core = join(ROOT, 'src/core/options.ts'),
      engine = join(ROOT, 'src/engines/ts/pipeline.ts');
    g.get(core)!.push(engine);
    expect(cycles(g).length).toBeGreaterThan(0);
  });
});
