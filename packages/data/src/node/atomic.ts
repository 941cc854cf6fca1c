import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** @internal A temp path beside `path`, hidden and unique, that a rename can move into place. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

/**
 * Writes a file atomically: to a temp file beside it, then renamed over it, so a crash or an error
 * never leaves a half-written file under the final name.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '@kiln/data/node';
 * await writeFileAtomic('/tmp/kiln-example.bin', new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
