// The examples in README.md and docs/ cannot rot: every TypeScript block is type-checked against the
// built package (imported as 'chan-engine', as a user would), every block that prints is run and its
// output compared with the `// expected` comments, and the README's `npm start` output is the CLI's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
}

function blocks(doc: string, lang: string): Block[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const out: Block[] = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  for (const m of text.matchAll(re)) out.push({ doc, line: text.slice(0, m.index).split('\n').length, code: m[1]! });
  return out;
}

/** What a block prints: the comment after each console.log line, in order (none: the block is only type-checked). */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/^\s*console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!);
}

const examples = DOCS.flatMap((d) => blocks(d, 'ts'));
// A scratch project in which 'chan-engine' resolves to this repository (its package.json exports, dist/).
const dir = mkdtempSync(join(tmpdir(), 'chan-docs-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'chan-engine'));
symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
const files = examples.map((b, i) => {
  const file = join(dir, `example-${i}.ts`);
  writeFileSync(file, `// ${b.doc}:${b.line}\n${b.code}\nexport {};\n`);
  return file;
});

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
};

describe('documentation examples', () => {
  it('there are examples to check (README, streaming, failover)', () => {
    expect(examples.filter((b) => b.doc === 'README.md').length).toBeGreaterThanOrEqual(2);
    expect(examples.some((b) => b.doc === 'docs/streaming.md')).toBe(true);
    expect(examples.some((b) => b.doc === 'docs/failover.md')).toBe(true);
  });

  it('every TypeScript block type-checks against the built package', () => {
    const program = ts.createProgram(files, OPTIONS);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line}` : '';
      const i = d.file ? files.indexOf(d.file.fileName) : -1;
      const b = examples[i];
      return `${b ? `${b.doc} block at line ${b.line}, line ${where}` : d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  }, 60_000);

  it.each(examples.map((b, i) => [`${b.doc}:${b.line}`, i] as const).filter(([, i]) => expectedOutput(examples[i]!.code).length > 0))(
    '%s prints what its comments say',
    (_where, i) => {
      const b = examples[i]!;
      const js = ts.transpileModule(b.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const file = join(dir, `run-${i}.mjs`);
      writeFileSync(file, js);
      const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trimEnd().split('\n')).toEqual(expectedOutput(b.code));
    },
    60_000,
  );

  it("the README's `npm start` output is what the CLI prints on the bundled sample", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const printed = /`npm start` prints:\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
    const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
    expect(start).toBe('node dist/cli/main.js analyze data/sse_000001_1d.csv');
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'analyze', 'data/sse_000001_1d.csv'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe(printed);
  });
});
