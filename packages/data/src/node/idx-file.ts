import { KilnError } from '@kiln/tensor';
import { type IdxArray, parseIdx, readIdxHeader } from '../io/idx.js';
import { streamFile } from './gunzip-read.js';

/**
 * Reads an IDX file (the MNIST family's format), gzipped or not: gzip is detected by its magic
 * bytes and decompressed as a stream straight into one buffer of the size the header announces,
 * so a 47 MB image file is never held twice. Truncated or corrupted files, a wrong magic number
 * and trailing bytes are `KilnError`s naming the file.
 *
 * @example
 * ```ts
 * import { readIdxFile } from '@kiln/data/node';
 * const images = await readIdxFile('data/fashion-mnist/train-images-idx3-ubyte.gz');
 * images.dims; // [60000, 28, 28]
 * ```
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let head = new Uint8Array(0);
  let out: Uint8Array | null = null;
  let filled = 0;
  await streamFile(
    path,
    (chunk) => {
      if (out === null) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head, 0);
        joined.set(chunk, head.length);
        const header = readIdxHeader(joined, path);
        if (header === undefined) {
          head = joined;
          return;
        }
        out = new Uint8Array(header.totalLength);
        chunk = joined;
      }
      if (filled + chunk.length > out.length) {
        throw new KilnError(
          `readIdxFile: ${path} has trailing bytes: more data than its header's dims announce`,
        );
      }
      out.set(chunk, filled);
      filled += chunk.length;
    },
    'readIdxFile',
  );
  // NOTE: parseIdx re-checks lengths and reports truncation with the dims it expected.
  return parseIdx(out === null ? head : (out as Uint8Array).subarray(0, filled), path);
}
