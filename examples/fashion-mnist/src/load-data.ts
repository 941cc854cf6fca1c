import { readdir, stat } from 'node:fs/promises';
import { FashionMNIST } from '@kiln/data/node';
import { data, type Tensor } from 'kiln';

/** A problem with the `--data` folder, reported to the user as is (no stack trace). */
export class DataFolderError extends Error {
  override readonly name = 'DataFolderError';
}

/** The train and test splits, as tensors after `toTensor` and normalisation. */
export interface FashionData {
  readonly train: FashionMNIST<Tensor, number>;
  readonly test: FashionMNIST<Tensor, number>;
}

// NOTE: the training set's pixel mean and standard deviation (torchvision's usual values).
const MEAN = 0.286;
const STD = 0.353;

const NEEDED = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/**
 * Reads Fashion-MNIST's four IDX files (gzipped or not) from `dir`, checking that the folder
 * exists, holds them, and that they parse as 28×28 images with labels 0–9; every failure is a
 * `DataFolderError` whose message names the folder and says what to do.
 *
 * @example
 * ```ts
 * const { train, test } = await loadFashionMnist('examples/fashion-mnist/data');
 * train.length; // 3000
 * ```
 */
export async function loadFashionMnist(dir: string): Promise<FashionData> {
  const help =
    'help: point --data at a folder holding the four Fashion-MNIST IDX files (e.g. ../shared/data/fashion-mnist)';
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory())
      throw new DataFolderError(`data folder '${dir}' is not a folder\n${help}`);
    entries = await readdir(dir);
  } catch (e) {
    if (e instanceof DataFolderError) throw e;
    throw new DataFolderError(`data folder '${dir}' does not exist or cannot be read\n${help}`);
  }
  if (entries.length === 0) throw new DataFolderError(`data folder '${dir}' is empty\n${help}`);
  const missing = NEEDED.filter((name) => !entries.includes(name) && !entries.includes(`${name}.gz`));
  if (missing.length > 0) {
    throw new DataFolderError(
      `data folder '${dir}' lacks ${missing.map((m) => `${m}.gz`).join(', ')}\n${help}`,
    );
  }
  const transform = data.compose([data.toTensor(), data.normalize([MEAN], [STD])]);
  let train: FashionMNIST<Tensor, number>;
  let test: FashionMNIST<Tensor, number>;
  try {
    [train, test] = await Promise.all([
      FashionMNIST.create({ root: dir, train: true, transform }),
      FashionMNIST.create({ root: dir, train: false, transform }),
    ]);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DataFolderError(`cannot read Fashion-MNIST from '${dir}': ${reason}\n${help}`);
  }
  for (const split of [train, test]) {
    const name = split.train ? 'training' : 'test';
    if (split.length === 0)
      throw new DataFolderError(`the ${name} split in '${dir}' holds no images\n${help}`);
    if (split.data.length !== split.length * 28 * 28) {
      throw new DataFolderError(`the ${name} images in '${dir}' are not 28×28 pixels\n${help}`);
    }
    const bad = split.targets.findIndex((label) => label < 0 || label > 9);
    if (bad >= 0) {
      throw new DataFolderError(
        `the ${name} labels in '${dir}' are corrupt: label ${bad} is ${split.targets[bad]} (expected 0–9)\n${help}`,
      );
    }
  }
  return { train, test };
}
