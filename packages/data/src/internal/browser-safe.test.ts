import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every source file the main entry reaches through relative imports. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      stack.push(join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    }
  }
  return seen;
}

describe('the main entry', () => {
  it('imports no Node built-in, so browser bundles stay clean (Node pieces live in @kiln/data/node)', () => {
    const files = reachable(join(src, 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (/from 'node:|import\('node:|require\('node:/.test(text) || f.includes(`${join(src, 'node')}/`))
        offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
