// Runs every ```ts block of the guides (docs/**/*.md, not the generated API reference).
//
// Each block is written to its own .ts file in a temporary folder whose node_modules links to
// docs/node_modules, so `kiln` and `@kiln/*` resolve to the workspace packages through the `source`
// condition of the root vitest config (no build needed). Before each block the module registry is
// reset, so every block starts from fresh packages (no backend, seed or default device left over
// from the previous one) with the cpu backend registered. A ```text output block right after a
// ```ts block must equal what the block printed with console.log. Blocks marked ```ts no-run
// (a GPU, a browser, a network) are counted and listed, never run. `<<< @/file` includes are
// imported (the worked backend also has its own conformance test, tiny-backend.test.ts).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { collectSnippets, type Snippet } from './scripts/snippets.js';

const docsRoot = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(docsRoot);
const { snippets, problems } = collectSnippets(docsRoot);

const workDir = mkdtempSync(path.join(tmpdir(), 'kiln-docs-'));
symlinkSync(path.join(docsRoot, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
// Blocks run in a scratch folder (files they save land there), where data/fashion-mnist is the
// subset of Fashion-MNIST shipped with the fashion-mnist example.
const scratch = path.join(workDir, 'out');
mkdirSync(path.join(scratch, 'data'), { recursive: true });
symlinkSync(
  path.join(repoRoot, 'examples', 'fashion-mnist', 'data'),
  path.join(scratch, 'data', 'fashion-mnist'),
  'dir',
);
// The guides' helper files (a worker data set, the tiny backend) sit beside the blocks, as they
// would in a reader's project.
for (const name of readdirSync(path.join(docsRoot, 'examples'))) {
  symlinkSync(path.join(docsRoot, 'examples', name), path.join(scratch, name));
}

/**
 * Relative imports in a guide (`./tiny-backend.js`) name files of docs/examples, the files the
 * guides show with `<<< @/examples/...`.
 */
function rewriteRelativeImports(code: string): string {
  return code.replace(
    /(from\s+|import\s+)(['"])\.\/([\w./-]+?)\.js\2/g,
    (_m, kw: string, q: string, name: string) => {
      return `${kw}${q}${path.join(docsRoot, 'examples', `${name}.ts`)}${q}`;
    },
  );
}

function fileFor(s: Snippet): string {
  const name = `${s.file.replace(/[\\/]/g, '_').replace(/\.md$/, '')}_L${s.line}.ts`;
  return path.join(workDir, name);
}

async function freshCpu(): Promise<void> {
  vi.resetModules();
  const tensor = await import('@kiln/tensor');
  const cpu = await import('@kiln/backend-cpu');
  if (!tensor.hasBackend('cpu')) tensor.registerBackend(cpu.createCpuBackend());
}

async function runSnippet(s: Snippet): Promise<string[]> {
  const file = fileFor(s);
  writeFileSync(file, `${rewriteRelativeImports(s.code)}\nexport {};\n`);
  await freshCpu();
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(...format(...args).split('\n'));
  });
  const cwd = process.cwd();
  process.chdir(scratch);
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    process.chdir(cwd);
    spy.mockRestore();
  }
  return printed;
}

const trimLines = (text: string): string[] => {
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
};

describe('docs snippets', () => {
  it('every fence is well formed (known language, closed, known markers)', () => {
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
  });

  it('every guide runs at least one block', () => {
    const files = new Set(snippets.map((s) => s.file));
    const withRun = new Set(snippets.filter((s) => s.kind === 'run').map((s) => s.file));
    const without = [...files].filter((f) => !withRun.has(f) && f.startsWith('guide/'));
    expect(without).toEqual([]);
  });

  for (const s of snippets) {
    const label = `${s.file}:${s.line}`;
    if (s.kind === 'no-run') {
      it.skip(`${label} (no-run)`, () => {});
      continue;
    }
    if (s.kind === 'include') {
      it(`${label} includes ${path.relative(docsRoot, s.code)}`, async () => {
        await freshCpu();
        await import(/* @vite-ignore */ s.code);
      });
      continue;
    }
    it(label, async () => {
      const printed = await runSnippet(s);
      // NOTE: KILN_DOCS_SHOW=1 prints each block's output, to write its ```text output block.
      if (process.env.KILN_DOCS_SHOW === '1') process.stderr.write(`--- ${label}\n${printed.join('\n')}\n`);
      if (s.expectedOutput !== undefined)
        expect(trimLines(printed.join('\n'))).toEqual(trimLines(s.expectedOutput));
    });
  }

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
    const count = (k: Snippet['kind']) => snippets.filter((s) => s.kind === k).length;
    const skipped = snippets.filter((s) => s.kind === 'no-run').map((s) => `${s.file}:${s.line}`);
    // NOTE: a summary on stderr, so CI logs show how much of the docs was executed.
    process.stderr.write(
      `docs snippets: ${count('run')} run, ${count('include')} included files imported, ${count('no-run')} marked no-run${
        skipped.length > 0 ? ` (${skipped.join(', ')})` : ''
      }\n`,
    );
  });
});
