import { needsRecord1, record } from '../core/dispatch.js';
import { contiguousStrides, formatShape, normalizeDim, normalizeDims } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { ShapeError, ValueError } from '../errors/errors.js';
import { hostInts } from '../internal/host-ints.js';
import { alive, newTensor } from '../internal/make.js';
import { where } from './binary.js';
import { indexSelect } from './indexing.js';
import { cat } from './join.js';
import { clone, expand, narrow, reshape } from './shape.js';

/** Rearranging ops recorded for autograd (roll, repeat, tril/triu and non-constant pads are composites). */
export interface RearrangeOpAttrs {
  /** `flip(dims)`: its own inverse, so the gradient is the output gradient flipped on `dims`. */
  flip: { dims: readonly number[] };
  /**
   * Constant `pad`: `pad` is PyTorch's list (last dim first, `[left, right, top, bottom, …]`,
   * negative values crop). The gradient is the output gradient padded by the negated list with 0.
   */
  pad: { pad: readonly number[]; inputShape: readonly number[] };
}

/**
 * Options of {@link pad}: the mode (as `torch.nn.functional.pad`) and the fill value of
 * `'constant'`.
 *
 * @example
 * ```ts
 * import type { PadOptions } from '@kiln/tensor';
 * const options: PadOptions = { mode: 'reflect' };
 * ```
 */
export interface PadOptions {
  mode?: 'constant' | 'reflect' | 'replicate' | 'circular';
  value?: number;
}

/** Frees intermediates of a composite unless autograd may have saved them. */
function release(recording: boolean, ...ts: Tensor[]): void {
  if (recording) return;
  for (const t of ts) t.dispose();
}

/**
 * Reverses the order of elements along `dims` (a copy: views cannot have negative strides).
 *
 * @example
 * ```ts
 * import { tensor, flip } from '@kiln/tensor';
 * flip(tensor([[1, 2], [3, 4]]), [1]).toArray(); // [[2, 1], [4, 3]]
 * ```
 */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  alive(x, 'flip');
  const ds = normalizeDims(dims, x.shape.length, 'flip').filter(() => x.shape.length > 0);
  const backend = x.handle.backend;
  let current = x;
  for (const d of ds) {
    const n = x.shape[d]!;
    if (n <= 1) continue;
    const reversed = new Int32Array(n);
    for (let i = 0; i < n; i++) reversed[i] = n - 1 - i;
    const idx = hostInts(backend, reversed);
    const next = newTensor(backend, x.dtype, x.shape);
    if (next.numel() > 0) backend.indexSelect(current, d, idx, next.out_());
    idx.dispose();
    if (current !== x) current.dispose();
    current = next;
  }
  if (current === x) {
    current = newTensor(backend, x.dtype, x.shape);
    if (current.numel() > 0) backend.copy(x, current);
  }
  if (needsRecord1(x)) record('flip', [x], [current], { dims: ds });
  return current;
}

/**
 * Rotates elements along `dims` by `shifts` (elements pushed off the end come back at the
 * start); without `dims`, rolls the flattened tensor and restores the shape.
 *
 * @example
 * ```ts
 * import { tensor, roll } from '@kiln/tensor';
 * roll(tensor([1, 2, 3, 4]), 1).toArray(); // [4, 1, 2, 3]
 * roll(tensor([[1, 2], [3, 4]]), [1, 1], [0, 1]).toArray(); // [[4, 3], [2, 1]]
 * ```
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  alive(x, 'roll');
  const shiftList = typeof shifts === 'number' ? [shifts] : shifts.slice();
  if (dims === undefined || (typeof dims !== 'number' && dims.length === 0)) {
    if (shiftList.length !== 1) {
      throw new ValueError(
        `roll: shifts and dimensions must align (got ${shiftList.length} shifts and no dims)`,
      );
    }
    const flat = reshape(x, [-1]);
    const rolled = roll(flat, shiftList, 0);
    const y = reshape(rolled, x.shape);
    release(needsRecord1(x), flat, rolled);
    return y;
  }
  const dimList = typeof dims === 'number' ? [dims] : dims;
  if (dimList.length !== shiftList.length) {
    throw new ValueError(
      `roll: shifts and dimensions must align (got ${shiftList.length} shifts and ${dimList.length} dims)`,
    );
  }
  const recording = needsRecord1(x);
  let current = x;
  for (let i = 0; i < dimList.length; i++) {
    const d = normalizeDim(dimList[i]!, x.shape.length, 'roll');
    const n = x.shape.length === 0 ? 1 : x.shape[d]!;
    const shift = shiftList[i]!;
    if (!Number.isInteger(shift)) throw new ValueError(`roll: shifts must be integers (got ${shift})`);
    const s = n === 0 ? 0 : ((shift % n) + n) % n;
    if (s === 0 || x.shape.length === 0) continue;
    const tail = narrow(current, d, n - s, s);
    const head = narrow(current, d, 0, n - s);
    const next = cat([tail, head], d);
    release(recording, tail, head);
    if (current !== x) release(recording, current);
    current = next;
  }
  return current === x ? clone(x) : current;
}

/**
 * Tiles the tensor `sizes[i]` times along each dim (PyTorch's `Tensor.repeat`); extra leading
 * sizes add new dims.
 *
 * @example
 * ```ts
 * import { tensor, repeat } from '@kiln/tensor';
 * repeat(tensor([1, 2]), [2, 2]).toArray(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * ```
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  alive(x, 'repeat');
  const rank = x.shape.length;
  if (sizes.length < rank) {
    throw new ShapeError(
      `repeat: number of dimensions of repeat dims can not be smaller than number of dimensions of tensor (got ${sizes.length} sizes for a ${rank}-D tensor)`,
    );
  }
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0)
      throw new ValueError(`repeat: sizes must be non-negative integers (got ${formatShape(sizes)})`);
  }
  const padded = [...new Array<number>(sizes.length - rank).fill(1), ...x.shape];
  const interleavedOnes: number[] = [];
  const interleaved: number[] = [];
  const target: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    interleavedOnes.push(1, padded[i]!);
    interleaved.push(sizes[i]!, padded[i]!);
    target.push(sizes[i]! * padded[i]!);
  }
  const recording = needsRecord1(x);
  const v = reshape(x, interleavedOnes);
  const e = expand(v, interleaved);
  const c = clone(e);
  const y = reshape(c, target);
  release(recording, v, e, c);
  return y;
}

/** Keeps the (…, n, m) entries for which `keep(col - row)` holds; zeros elsewhere. */
function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  alive(x, op);
  const r = x.shape.length;
  if (r < 2) throw new ShapeError(`${op}: input tensor must have at least 2 dimensions (got ${r}-D)`);
  if (!Number.isInteger(diagonal))
    throw new ValueError(`${op}: diagonal must be an integer (got ${diagonal})`);
  const n = x.shape[r - 2]!;
  const m = x.shape[r - 1]!;
  const bits = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++)
      bits[i * m + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  const backend = x.handle.backend;
  const mask = newTensor(backend, 'bool', [n, m]);
  if (bits.length > 0) backend.write(mask.storage, bits);
  const y = where(mask, x, x.dtype === 'bool' ? false : 0);
  release(needsRecord1(x), mask);
  return y;
}

/**
 * The lower triangle of the last two dims (entries with `col - row <= diagonal`), zeros above.
 *
 * @example
 * ```ts
 * import { tensor, tril } from '@kiln/tensor';
 * tril(tensor([[1, 2], [3, 4]])).toArray(); // [[1, 0], [3, 4]]
 * ```
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/**
 * The upper triangle of the last two dims (entries with `col - row >= diagonal`), zeros below.
 *
 * @example
 * ```ts
 * import { tensor, triu } from '@kiln/tensor';
 * triu(tensor([[1, 2], [3, 4]]), 1).toArray(); // [[0, 2], [0, 0]]
 * ```
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

// ---- pad ----------------------------------------------------------------------------------------------

function checkPadList(x: Tensor, padding: readonly number[]): void {
  if (padding.length % 2 !== 0) {
    throw new ValueError(`pad: padding length must be divisible by 2 (got ${padding.length} values)`);
  }
  if (padding.length / 2 > x.shape.length) {
    throw new ValueError(
      `pad: padding length too large (got ${padding.length} values for a ${x.shape.length}-D input, expected at most ${2 * x.shape.length})`,
    );
  }
  for (const p of padding) {
    if (!Number.isInteger(p))
      throw new ValueError(`pad: padding values must be integers (got ${formatShape(padding)})`);
  }
}

function constantPad(x: Tensor, padding: readonly number[], value: number): Tensor {
  const rank = x.shape.length;
  const outShape = x.shape.slice();
  const srcStart = new Array<number>(rank).fill(0);
  const dstStart = new Array<number>(rank).fill(0);
  const len = x.shape.slice();
  for (let i = 0; i < padding.length / 2; i++) {
    const d = rank - 1 - i;
    const before = padding[2 * i]!;
    const after = padding[2 * i + 1]!;
    const size = x.shape[d]!;
    const total = size + before + after;
    if (total < 0) {
      throw new ValueError(
        `pad: the input size ${size}, plus negative padding ${before} and ${after} resulted in a negative output size ${total} (dimension ${d})`,
      );
    }
    outShape[d] = total;
    srcStart[d] = Math.max(0, -before);
    dstStart[d] = Math.max(0, before);
    len[d] = Math.max(0, size - Math.max(0, -before) - Math.max(0, -after));
  }
  const backend = x.handle.backend;
  const out = newTensor(backend, x.dtype, outShape);
  if (out.numel() > 0 && value !== 0) backend.fill(out, value);
  if (len.every((l) => l > 0)) {
    const outStrides = contiguousStrides(outShape);
    let srcOffset = x.offset;
    let dstOffset = 0;
    for (let d = 0; d < rank; d++) {
      srcOffset += srcStart[d]! * x.strides[d]!;
      dstOffset += dstStart[d]! * outStrides[d]!;
    }
    backend.copy(
      { storage: x.storage, shape: len, strides: x.strides, offset: srcOffset },
      { storage: out.storage, shape: len, strides: outStrides, offset: dstOffset },
    );
  }
  if (needsRecord1(x)) record('pad', [x], [out], { pad: padding.slice(), inputShape: x.shape });
  return out;
}

function sourceIndex(mode: 'reflect' | 'replicate' | 'circular', i: number, n: number): number {
  if (mode === 'replicate') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'circular') return ((i % n) + n) % n;
  if (i < 0) return -i;
  return i >= n ? 2 * (n - 1) - i : i;
}

function indexPad(x: Tensor, padding: readonly number[], mode: 'reflect' | 'replicate' | 'circular'): Tensor {
  const rank = x.shape.length;
  const recording = needsRecord1(x);
  let current = x;
  for (let i = 0; i < padding.length / 2; i++) {
    const d = rank - 1 - i;
    const before = padding[2 * i]!;
    const after = padding[2 * i + 1]!;
    const n = x.shape[d]!;
    if (before < 0 || after < 0) {
      throw new ValueError(
        `pad: negative padding is only supported in 'constant' mode (got ${formatShape(padding)} in '${mode}' mode)`,
      );
    }
    const limit =
      mode === 'reflect'
        ? n - 1
        : mode === 'circular'
          ? n
          : before + after > 0
            ? Number.POSITIVE_INFINITY
            : 0;
    if (mode === 'replicate' && n === 0 && before + after > 0) {
      throw new ValueError(
        `pad: cannot pad an empty dimension in 'replicate' mode (dimension ${d} of input ${formatShape(x.shape)})`,
      );
    }
    if (mode !== 'replicate' && (before > limit || after > limit)) {
      throw new ValueError(
        `pad: padding size should be less than${mode === 'circular' ? ' or equal to' : ''} the corresponding input dimension (got padding (${before}, ${after}) at dimension ${d} of input ${formatShape(x.shape)})`,
      );
    }
    if (before === 0 && after === 0) continue;
    const idx = new Int32Array(n + before + after);
    for (let j = 0; j < idx.length; j++) idx[j] = sourceIndex(mode, j - before, n);
    const it = hostInts(x.handle.backend, idx);
    const next = indexSelect(current, d, it);
    it.dispose();
    if (current !== x) release(recording, current);
    current = next;
  }
  return current === x ? clone(x) : current;
}

/**
 * Pads (or, with negative values in `'constant'` mode, crops) the trailing dims, as
 * `torch.nn.functional.pad`: `padding` lists `[left, right]` for the last dim, then
 * `[top, bottom]` for the one before, and so on. Modes: `'constant'` (fill with `value`, default
 * 0), `'reflect'` (mirror without repeating the edge), `'replicate'` (repeat the edge) and
 * `'circular'` (wrap around).
 *
 * @example
 * ```ts
 * import { tensor, pad } from '@kiln/tensor';
 * pad(tensor([1, 2, 3]), [2, 1]).toArray(); // [0, 0, 1, 2, 3, 0]
 * pad(tensor([1, 2, 3]), [2, 1], { mode: 'reflect' }).toArray(); // [3, 2, 1, 2, 3, 2]
 * ```
 */
export function pad(x: Tensor, padding: readonly number[], options?: PadOptions): Tensor {
  alive(x, 'pad');
  checkPadList(x, padding);
  const mode = options?.mode ?? 'constant';
  if (mode === 'constant') return constantPad(x, padding, options?.value ?? 0);
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw new ValueError(
      `pad: unknown padding mode '${String(mode)}' (expected 'constant', 'reflect', 'replicate' or 'circular')`,
    );
  }
  return indexPad(x, padding, mode);
}
