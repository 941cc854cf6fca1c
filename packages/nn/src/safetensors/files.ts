import type { Tensor } from '@kiln/autograd';
import { ValueError } from '@kiln/autograd';
import { deserialize, type SafetensorsDict, type SerializeOptions, serialize } from './format.js';

interface NodeFs {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

// NOTE: a computed specifier keeps browser bundlers from trying to include node:fs.
const FS_MODULE = ['node', 'fs/promises'].join(':');

async function nodeFs(op: string): Promise<NodeFs> {
  try {
    return (await import(/* @vite-ignore */ FS_MODULE)) as NodeFs;
  } catch {
    throw new ValueError(
      `${op}: file access needs Node.js\nhelp: in a browser use serialize()/deserialize() on an ArrayBuffer`,
    );
  }
}

/**
 * Saves tensors (a state dict) to a safetensors file, atomically: the bytes go to a temporary file
 * that is renamed over `path`, so an interrupted save never leaves a half-written file.
 *
 * @example
 * ```ts
 * import { save, Linear } from '@kiln/nn';
 * await save(new Linear(4, 2).stateDict(), '/tmp/linear.safetensors');
 * ```
 */
export async function save(
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  path: string,
  options: SerializeOptions = {},
): Promise<void> {
  const bytes = serialize(tensors, options);
  const fs = await nodeFs('save');
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new ValueError(`save: could not write '${path}' (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Loads a safetensors file (PyTorch's or Kiln's) into tensors on `device`; the result passes
 * straight to `Module.loadStateDict`. A corrupt or truncated file throws before any tensor exists.
 *
 * @example
 * ```ts
 * import { load, Linear } from '@kiln/nn';
 * const fc = new Linear(4, 2);
 * fc.loadStateDict(await load('/tmp/linear.safetensors'));
 * ```
 */
export async function load(path: string, options: { device?: string } = {}): Promise<SafetensorsDict> {
  const fs = await nodeFs('load');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new ValueError(`load: could not read '${path}' (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    return deserialize(bytes, options);
  } catch (e) {
    throw new ValueError(`load: '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
}
