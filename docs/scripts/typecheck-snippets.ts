// Type-checks every runnable ```ts block of the guides with the repository's strict compiler
// options, as a reader's editor would: each block becomes its own module in a scratch folder under
// docs/, resolving `kiln` and `@kiln/*` to the workspace sources (the `source` condition).
// Only diagnostics in the blocks themselves are reported.
//
//   pnpm --filter @kiln/docs typecheck
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { collectSnippets, type Snippet } from './snippets.js';

const docsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = path.join(docsRoot, '.snippets-typecheck');

/** Relative imports of a guide name files of docs/examples, as the snippet test resolves them. */
function rewrite(code: string): string {
  return code.replace(
    /(from\s+|import\s+)(['"])\.\/([\w./-]+?)\.js\2/g,
    (_m, kw: string, q: string, name: string) => {
      return `${kw}${q}${path.join(docsRoot, 'examples', `${name}.js`)}${q}`;
    },
  );
}

/**
 * Type-checks the runnable blocks and returns one line per diagnostic (`file.md:line: message`).
 *
 * @example
 * ```ts
 * const problems = typecheckSnippets();
 * ```
 */
export function typecheckSnippets(): string[] {
  const { snippets } = collectSnippets(docsRoot);
  const runnable = snippets.filter((s) => s.kind === 'run');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const origin = new Map<string, Snippet>();
  try {
    for (const s of runnable) {
      const file = path.join(scratch, `${s.file.replace(/[\\/]/g, '_').replace(/\.md$/, '')}_L${s.line}.ts`);
      writeFileSync(file, `${rewrite(s.code)}\nexport {};\n`);
      origin.set(path.resolve(file), s);
    }
    const base = ts.readConfigFile(path.join(docsRoot, '..', 'tsconfig.base.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(
      { ...base.config, compilerOptions: { ...base.config.compilerOptions, noEmit: true } },
      ts.sys,
      docsRoot,
    );
    const program = ts.createProgram([...origin.keys()], parsed.options);
    const out: string[] = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const s = d.file === undefined ? undefined : origin.get(path.resolve(d.file.fileName));
      if (s === undefined || d.file === undefined) continue;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      // The block's first code line is the line after its fence.
      out.push(`${s.file}:${s.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = typecheckSnippets();
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`typecheck-snippets: ${problems.length} problem(s)\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
