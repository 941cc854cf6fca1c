import type { TypedArray } from '../core/dtype.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { ValueError } from '../errors/errors.js';
import { alive } from '../internal/make.js';
import { contiguous } from './shape.js';

/** Nested arrays of numbers (or booleans for bool tensors), as `toArray()` returns. */
export type NestedArray = number | boolean | NestedArray[];

function contiguousSource(x: Tensor, op: string): [Tensor, number] {
  alive(x, op);
  const c = contiguous(x);
  return [c, c.numel()];
}

/**
 * Reads a tensor's elements, row-major, into a new typed array.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * await tensor([[1, 2], [3, 4]]).t().data(); // Int32Array [1, 3, 2, 4]
 * ```
 */
export async function data(x: Tensor): Promise<TypedArray> {
  const [c, n] = contiguousSource(x, 'data');
  try {
    return await c.handle.backend.read(c.storage, c.offset, n);
  } finally {
    if (c !== x) c.dispose();
  }
}

/**
 * Synchronous `data()`; throws on devices that cannot block.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * tensor([1, 2]).dataSync(); // Int32Array [1, 2]
 * ```
 */
export function dataSync(x: Tensor): TypedArray {
  const [c, n] = contiguousSource(x, 'dataSync');
  const backend = c.handle.backend;
  if (backend.readSync === undefined) {
    throw new ValueError(
      `dataSync: device '${backend.name}' cannot be read synchronously\nhelp: use await x.data()`,
    );
  }
  const out = backend.readSync(c.storage, c.offset, n);
  if (c !== x) c.dispose();
  return out;
}

function nest(
  values: TypedArray,
  shape: readonly number[],
  dim: number,
  start: number,
  isBool: boolean,
): NestedArray {
  if (dim === shape.length) return isBool ? values[start] !== 0 : values[start]!;
  const size = shape[dim]!;
  let stride = 1;
  for (let i = dim + 1; i < shape.length; i++) stride *= shape[i]!;
  const out: NestedArray[] = new Array(size);
  for (let i = 0; i < size; i++) out[i] = nest(values, shape, dim + 1, start + i * stride, isBool);
  return out;
}

/**
 * The elements as nested arrays (booleans for bool tensors; a scalar tensor gives a number).
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export function toArray(x: Tensor): NestedArray {
  return nest(dataSync(x), x.shape, 0, 0, x.dtype === 'bool');
}

/**
 * The value of a one-element tensor.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * tensor([[3]]).item(); // 3
 * ```
 */
export function item(x: Tensor): number | boolean {
  const n = x.numel();
  if (n !== 1) {
    throw new ValueError(
      `item: a Tensor with ${n} elements cannot be converted to Scalar (got shape ${formatShape(x.shape)})`,
    );
  }
  alive(x, 'item');
  const backend = x.handle.backend;
  if (backend.readSync === undefined) {
    throw new ValueError(
      `item: device '${backend.name}' cannot be read synchronously\nhelp: use (await x.data())[0]`,
    );
  }
  const v = backend.readSync(x.storage, x.offset, 1)[0]!;
  return x.dtype === 'bool' ? v !== 0 : v;
}

function formatNumber(v: number, isFloat: boolean, decimals: number, scientific: boolean): string {
  if (!isFloat) return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (scientific) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  if (decimals === 0) return `${v.toFixed(0)}.`;
  return v.toFixed(decimals);
}

/**
 * PyTorch-style printout: `tensor([[1.0000, 2.5000], …])`, with the dtype, device and grad status
 * shown when they differ from the defaults. Large tensors are summarised with `...`.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * tensor([1, 2.5]).toString(); // 'tensor([1.0000, 2.5000])'
 * ```
 */
export function format(x: Tensor): string {
  if (x.isDisposed || x.handle.cell.freed) return 'tensor(<disposed>)';
  const readable = x.handle.backend.readSync !== undefined;
  const suffix: string[] = [];
  if (x.device !== 'cpu') suffix.push(`device='${x.device}'`);
  // NOTE: int32 is Kiln's default integer dtype (PyTorch's int64), so like torch it is not shown.
  if (x.dtype === 'float64') suffix.push(`dtype=${x.dtype}`);
  if (x.gradFn !== null) suffix.push(`gradFn=<${x.gradFn.name}>`);
  else if (x.requiresGrad) suffix.push('requiresGrad=true');
  if (!readable) return `tensor(<shape ${formatShape(x.shape)}>${suffix.map((s) => `, ${s}`).join('')})`;
  const values = dataSync(x);
  const isFloat = x.dtype === 'float32' || x.dtype === 'float64';
  const isBool = x.dtype === 'bool';
  let decimals = 4;
  let scientific = false;
  if (isFloat) {
    let allInt = true;
    let maxAbs = 0;
    let minAbs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (!Number.isInteger(v)) allInt = false;
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
      if (a !== 0 && a < minAbs) minAbs = a;
    }
    const hasNonZero = minAbs !== Number.POSITIVE_INFINITY;
    if (allInt && maxAbs < 1e8) decimals = 0;
    else if (hasNonZero && (maxAbs > 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000)) scientific = true;
  }
  const cell = (i: number): string =>
    isBool ? (values[i] !== 0 ? 'True' : 'False') : formatNumber(values[i]!, isFloat, decimals, scientific);
  let width = 0;
  for (let i = 0; i < values.length; i++) width = Math.max(width, cell(i).length);
  const summarize = values.length > 1000;
  const edge = 3;
  const render = (dim: number, start: number, indent: number): string => {
    if (x.shape.length === 0) return cell(0);
    const size = x.shape[dim]!;
    let stride = 1;
    for (let i = dim + 1; i < x.shape.length; i++) stride *= x.shape[i]!;
    const idx: (number | null)[] = [];
    if (summarize && size > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      idx.push(null);
      for (let i = size - edge; i < size; i++) idx.push(i);
    } else for (let i = 0; i < size; i++) idx.push(i);
    if (dim === x.shape.length - 1) {
      return `[${idx.map((i) => (i === null ? '...' : cell(start + i * stride).padStart(width))).join(', ')}]`;
    }
    const sep = `,${'\n'.repeat(x.shape.length - dim - 1)}${' '.repeat(indent + 1)}`;
    return `[${idx.map((i) => (i === null ? '...' : render(dim + 1, start + i * stride, indent + 1))).join(sep)}]`;
  };
  const body = render(0, 0, 'tensor('.length);
  return `tensor(${body}${suffix.map((s) => `, ${s}`).join('')})`;
}
