import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorLine } from './measure.js';

/** A module loaded at run time, or why it could not be. */
export type Loaded =
  | { readonly ok: true; readonly mod: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

const cache = new Map<string, Promise<Loaded>>();

function isMissing(error: unknown, spec: string): boolean {
  const code = error instanceof Error && 'code' in error ? (error as { code?: unknown }).code : undefined;
  const text = errorLine(error);
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(text)) && text.includes(spec)
  );
}

/**
 * The file a workspace package's `source` export condition points at, for a `@kiln/*` package
 * that exists in `packages/` but is not yet a dependency of the bench (so not linked here).
 */
async function workspaceSource(spec: string): Promise<string | null> {
  const match = /^@kiln\/([a-z0-9-]+)(\/[a-z0-9/-]+)?$/.exec(spec);
  if (match === null) return null;
  const dir = fileURLToPath(new URL(`../../../packages/${match[1]}/`, import.meta.url));
  try {
    const pkg: unknown = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const exportsMap: unknown =
      pkg !== null && typeof pkg === 'object' ? Reflect.get(pkg, 'exports') : undefined;
    const entry: unknown =
      exportsMap !== null && typeof exportsMap === 'object'
        ? Reflect.get(exportsMap, `.${match[2] ?? ''}`)
        : undefined;
    const source: unknown =
      entry !== null && typeof entry === 'object' ? Reflect.get(entry, 'source') : undefined;
    return typeof source === 'string' ? path.join(dir, source) : null;
  } catch {
    return null;
  }
}

async function importModule(spec: string): Promise<Loaded> {
  // NOTE: a variable specifier keeps tsc from needing the package's types: these packages are
  // written in parallel and may not exist (or export anything) yet.
  const mod: unknown = await import(spec);
  if (mod === null || typeof mod !== 'object') return { ok: false, reason: `${spec}: not a module` };
  return { ok: true, mod: mod as Record<string, unknown> };
}

async function load(spec: string): Promise<Loaded> {
  try {
    return await importModule(spec);
  } catch (error) {
    if (!isMissing(error, spec)) return { ok: false, reason: `${spec} failed to load: ${errorLine(error)}` };
  }
  // Not linked into the bench yet: use the workspace package's own `source` entry if it exists.
  const file = await workspaceSource(spec);
  if (file === null || !existsSync(file))
    return { ok: false, reason: `pending: package not available (${spec})` };
  try {
    return await importModule(pathToFileURL(file).href);
  } catch (error) {
    return { ok: false, reason: `${spec} (workspace source) failed to load: ${errorLine(error)}` };
  }
}

/**
 * Imports a package that may not exist yet, once; never throws. A `@kiln/*` package that exists
 * in `packages/` but is not yet listed in the bench's dependencies is imported from its `source`
 * export entry, so new packages show up without a lockfile change.
 *
 * @example
 * ```ts
 * const autograd = await loadOptional('@kiln/autograd');
 * if (!autograd.ok) console.log(autograd.reason); // 'pending: package not available (@kiln/autograd)'
 * ```
 */
export function loadOptional(spec: string): Promise<Loaded> {
  let p = cache.get(spec);
  if (p === undefined) {
    p = load(spec);
    cache.set(spec, p);
  }
  return p;
}

/**
 * Imports a package that must exist for a case to run: returns the module or throws its reason
 * (which the harness prints in the cell).
 *
 * @example
 * ```ts
 * const autograd = await requireOptional('@kiln/autograd');
 * ```
 */
export async function requireOptional(spec: string): Promise<Record<string, unknown>> {
  const loaded = await loadOptional(spec);
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.mod;
}

/**
 * An export of a loaded module, checked to be a function and given the caller's signature; throws
 * a one-line reason naming the export when it is missing.
 *
 * @example
 * ```ts
 * const conv2d = exported<(x: Tensor, w: Tensor) => Tensor>(kiln, 'conv2d', '@kiln/tensor');
 * ```
 */
export function exported<F>(mod: object, name: string, from: string): F {
  const value: unknown = Reflect.get(mod, name);
  if (typeof value !== 'function') throw new Error(`pending: ${from} does not export ${name} yet`);
  return value as F;
}
