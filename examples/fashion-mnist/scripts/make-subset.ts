// Writes the small Fashion-MNIST subset shipped in data/: the first N training and M test images
// (and their labels) of a full copy of the data set, as the four standard gzipped IDX files.
//
//   pnpm --filter @kiln/example-fashion-mnist make-subset -- --from ../shared/data/fashion-mnist
//
// The full set is already shuffled, so its first images hold every class in about equal numbers
// (the script prints the counts). gzip output carries no time stamp, so the files are reproducible.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { encodeIdx, type IdxArray } from '@kiln/data';
import { readIdxFile } from '@kiln/data/node';

const here = fileURLToPath(new URL('.', import.meta.url));

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: resolve(here, '../../../../shared/data/fashion-mnist') },
    out: { type: 'string', default: resolve(here, '../data') },
    train: { type: 'string', default: '3000' },
    test: { type: 'string', default: '1000' },
  },
});

const splits = [
  { prefix: 'train', count: Number(values.train) },
  { prefix: 't10k', count: Number(values.test) },
] as const;

/** The first `count` items of an IDX array (along its first dimension). */
function head(array: IdxArray, count: number, path: string): { data: Uint8Array; dims: number[] } {
  const total = array.dims[0] ?? 0;
  if (!(array.data instanceof Uint8Array))
    throw new Error(`${path}: expected uint8 data (got ${array.type})`);
  if (!Number.isInteger(count) || count < 1 || count > total) {
    throw new Error(`${path}: cannot take ${count} items of ${total}`);
  }
  const per = array.data.length / total;
  return { data: array.data.slice(0, count * per), dims: [count, ...array.dims.slice(1)] };
}

await mkdir(values.out, { recursive: true });
for (const { prefix, count } of splits) {
  const labelsIn = await readIdxFile(join(values.from, `${prefix}-labels-idx1-ubyte.gz`));
  const imagesIn = await readIdxFile(join(values.from, `${prefix}-images-idx3-ubyte.gz`));
  const labels = head(labelsIn, count, `${prefix} labels`);
  const images = head(imagesIn, count, `${prefix} images`);
  for (const [kind, part] of [
    ['labels-idx1', labels],
    ['images-idx3', images],
  ] as const) {
    const path = join(values.out, `${prefix}-${kind}-ubyte.gz`);
    const bytes = gzipSync(encodeIdx(part.data, part.dims), { level: 9 });
    await writeFile(path, bytes);
    console.log(`${path}: dims [${part.dims.join(', ')}], ${(bytes.length / 1024).toFixed(0)} KiB`);
  }
  const perClass = new Array<number>(10).fill(0);
  for (const label of labels.data) perClass[label] = (perClass[label] ?? 0) + 1;
  console.log(`  ${prefix} images per class: ${perClass.join(' ')}`);
}
