// @ts-check
// A TypeDoc plugin: names each module after its package (`@kiln/tensor`, `@kiln/data/node`) instead
// of its folder (`tensor/src`, `data/src/node`), which is what the `resolve` entry point strategy
// would print. One TypeScript program for every package keeps the API build fast.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Converter, ReflectionKind } from 'typedoc';

const packagesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');

/** @param {string} folderName e.g. 'tensor/src/testing' */
function packageName(folderName) {
  const [dir, src, ...rest] = folderName.split('/');
  if (dir === undefined || src !== 'src') return folderName;
  const pkg = JSON.parse(readFileSync(path.join(packagesDir, dir, 'package.json'), 'utf8'));
  return [pkg.name, ...rest].join('/');
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      mod.name = packageName(mod.name);
    }
  });
}
