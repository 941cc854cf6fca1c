import { readFile } from 'node:fs/promises';
import { KilnError, type Tensor } from '@kiln/tensor';
import { decodeNpy, encodeNpy, type NpyArray, type NpyData, npyToTensor } from '../io/npy.js';
import { writeFileAtomic } from './atomic.js';

/**
 * Reads a `.npy` file into host arrays (see `decodeNpy`); errors name the file.
 *
 * @example
 * ```ts
 * import { readNpyFile } from '@kiln/data/node';
 * const { shape, data } = await readNpyFile('features.npy');
 * ```
 */
export async function readNpyFile(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new KilnError(`readNpyFile: cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeNpy(bytes, path);
}

/**
 * Loads a `.npy` file as a tensor (NumPy's `np.load` + `torch.from_numpy`): float32/float64 keep
 * their dtype, bool stays bool, integer types become int32.
 *
 * @example
 * ```ts
 * import { loadNpy } from '@kiln/data/node';
 * const x = await loadNpy('features.npy');
 * x.shape;
 * ```
 */
export async function loadNpy(path: string, options: { device?: string } = {}): Promise<Tensor> {
  return npyToTensor(await readNpyFile(path), options);
}

/**
 * Saves a tensor or a typed array as a `.npy` file that NumPy reads, atomically (temp file, then
 * rename).
 *
 * @example
 * ```ts
 * import { saveNpy } from '@kiln/data/node';
 * import { tensor } from '@kiln/tensor';
 * await saveNpy('/tmp/x.npy', tensor([[1, 2], [3, 4]]));
 * ```
 */
export async function saveNpy(
  path: string,
  array: Tensor | NpyData,
  shape?: readonly number[],
): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array, shape));
}
