import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Sizes of one bundled program, in bytes. */
export interface BundleSize {
  readonly minified: number;
  readonly gzipped: number;
}

const benchDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles a program (given as source, resolved from the bench package) for browsers with esbuild:
 * ESM, minified, tree-shaken, the `source` export condition first so workspace packages bundle
 * from their TypeScript without a build. Returns the minified and gzipped sizes; throws esbuild's
 * first error (e.g. a package that does not exist yet).
 *
 * @example
 * ```ts
 * const { gzipped } = await bundleSize("import { add } from '@kiln/tensor'; console.log(add);");
 * ```
 */
export async function bundleSize(contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: benchDir, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).catch((error: unknown) => {
    const errors: unknown = error instanceof Error ? Reflect.get(error, 'errors') : undefined;
    const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
    const text: unknown =
      first !== null && typeof first === 'object' ? Reflect.get(first, 'text') : undefined;
    const more = Array.isArray(errors) && errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    throw typeof text === 'string' ? new Error(`${text}${more}`) : error;
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild produced no output');
  return { minified: out.contents.byteLength, gzipped: gzipSync(out.contents, { level: 9 }).byteLength };
}
