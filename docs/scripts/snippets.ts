import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One code block of a guide, as the snippet test sees it.
 *
 * - `run`: a ` ```ts ` block, executed by the test;
 * - `no-run`: a ` ```ts no-run ` block (needs a GPU, a browser, a network, or is a fragment), counted
 *   and reported but not executed;
 * - `include`: a VitePress `<<< @/path` line, whose file is imported by the test (and may have its
 *   own test, as the worked backend does).
 */
export interface Snippet {
  /** The Markdown file, relative to the docs folder. */
  readonly file: string;
  /** 1-based line of the opening fence (or of the `<<<` line). */
  readonly line: number;
  readonly kind: 'run' | 'no-run' | 'include';
  /** The block's code (for `include`, the included file's absolute path). */
  readonly code: string;
  /**
   * What the block prints with `console.log`, when a ` ```text output ` block follows it (only blank
   * lines between); the test compares it line by line.
   */
  readonly expectedOutput?: string;
}

/** Languages a fence may use in the guides; anything else is a typo the test reports. */
export const KNOWN_LANGS: ReadonlySet<string> = new Set([
  'ts',
  'sh',
  'text',
  'json',
  'python',
  'yaml',
  'html',
]);

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/;
const INCLUDE = /^<<<\s+@\/(\S+?)(?:\{[^}]*\})?(?:\s+\[.*\])?\s*$/;

/** A fence that does not fit the rules (unknown language, unclosed block, unknown marker). */
export interface SnippetProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/**
 * Parses the code blocks of one Markdown text.
 *
 * @example
 * ```ts
 * const { snippets } = parseSnippets('guide/x.md', '```ts\nconsole.log(1);\n```\n', '/docs');
 * snippets[0]?.kind; // 'run'
 * ```
 */
export function parseSnippets(
  file: string,
  text: string,
  docsRoot: string,
): { snippets: Snippet[]; problems: SnippetProblem[] } {
  const lines = text.split(/\r?\n/);
  const snippets: Snippet[] = [];
  const problems: SnippetProblem[] = [];
  let i = 0;
  // Index of the line after the closing fence of the last ts block, while nothing else followed it.
  let lastTsEnd: number | null = null;
  while (i < lines.length) {
    const lineText = lines[i]!;
    const include = INCLUDE.exec(lineText);
    if (include !== null) {
      snippets.push({ file, line: i + 1, kind: 'include', code: path.join(docsRoot, include[1]!) });
      i++;
      continue;
    }
    const open = FENCE.exec(lineText);
    if (open === null) {
      i++;
      continue;
    }
    const fence = open[2]!;
    const lang = open[3]!;
    const info = open[4]!.trim();
    const start = i;
    const body: string[] = [];
    i++;
    let closed = false;
    while (i < lines.length) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[i]!);
      if (close !== null && close[1]![0] === fence[0] && close[1]!.length >= fence.length) {
        closed = true;
        i++;
        break;
      }
      body.push(lines[i]!);
      i++;
    }
    if (!closed) {
      problems.push({ file, line: start + 1, message: 'code block is never closed' });
      break;
    }
    if (lang === '' || !KNOWN_LANGS.has(lang)) {
      problems.push({
        file,
        line: start + 1,
        message: `code block language '${lang}' is not one of ${[...KNOWN_LANGS].join(', ')}`,
      });
      continue;
    }
    if (lang === 'text' && info === 'output') {
      const previous = snippets.at(-1);
      const gap = lastTsEnd === null ? [] : lines.slice(lastTsEnd, start);
      if (
        previous === undefined ||
        previous.kind !== 'run' ||
        lastTsEnd === null ||
        previous.expectedOutput !== undefined
      ) {
        problems.push({ file, line: start + 1, message: 'a ```text output block must follow a ```ts block' });
      } else if (gap.some((l) => l.trim() !== '')) {
        problems.push({
          file,
          line: start + 1,
          message: 'a ```text output block must directly follow its ```ts block',
        });
      } else {
        snippets[snippets.length - 1] = { ...previous, expectedOutput: body.join('\n') };
      }
      lastTsEnd = null;
      continue;
    }
    lastTsEnd = null;
    if (lang !== 'ts') continue;
    const markers = info.split(/\s+/).filter((m) => m !== '' && !m.startsWith('{') && !m.startsWith('['));
    const unknown = markers.filter((m) => m !== 'no-run');
    if (unknown.length > 0) {
      problems.push({
        file,
        line: start + 1,
        message: `unknown marker(s) ${unknown.join(' ')} (known: no-run)`,
      });
      continue;
    }
    snippets.push({
      file,
      line: start + 1,
      kind: markers.includes('no-run') ? 'no-run' : 'run',
      code: body.join('\n'),
    });
    lastTsEnd = i;
  }
  return { snippets, problems };
}

/** Every Markdown file of the guides (not the generated API reference, not dependencies). */
export function guideFiles(docsRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'api' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      // NOTE: README.md is for contributors (and excluded from the site), not a guide.
      else if (entry.name.endsWith('.md') && entry.name !== 'README.md') out.push(full);
    }
  };
  walk(docsRoot);
  return out.sort();
}

/**
 * Every code block of every guide under `docsRoot`, with the problems found.
 *
 * @example
 * ```ts
 * const { snippets, problems } = collectSnippets('/repo/docs');
 * ```
 */
export function collectSnippets(docsRoot: string): { snippets: Snippet[]; problems: SnippetProblem[] } {
  const snippets: Snippet[] = [];
  const problems: SnippetProblem[] = [];
  for (const full of guideFiles(docsRoot)) {
    const r = parseSnippets(path.relative(docsRoot, full), readFileSync(full, 'utf8'), docsRoot);
    snippets.push(...r.snippets);
    problems.push(...r.problems);
  }
  return { snippets, problems };
}
