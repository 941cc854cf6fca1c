import { type DType, fromTypedArray, isTensor, KilnError, type Tensor, ValueError } from '@kiln/tensor';

/**
 * Element arrays a `.npy` file decodes to.
 *
 * @example
 * ```ts
 * import type { NpyData } from '@kiln/data';
 * const d: NpyData = new Float64Array([1, 2]);
 * ```
 */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

/**
 * A decoded `.npy` array: NumPy's dtype string, the shape and the elements in C (row-major) order.
 *
 * @example
 * ```ts
 * import type { NpyArray } from '@kiln/data';
 * const a: NpyArray = { descr: '<f4', shape: [2], data: new Float32Array([1, 2]) };
 * ```
 */
export interface NpyArray {
  /** NumPy dtype as written in the header (e.g. `'<f4'`, `'|u1'`, `'<i8'`). */
  readonly descr: string;
  /** Sizes along each dimension (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** Elements, row-major. int64 data is narrowed to int32 (Kiln's index dtype) when it fits. */
  readonly data: NpyData;
}

interface Kind {
  readonly size: number;
  readonly make: (n: number) => NpyData;
  readonly read: (view: DataView, at: number, little: boolean) => number;
  readonly dtype: DType;
}

const KINDS: Record<string, Kind> = {
  f4: { size: 4, make: (n) => new Float32Array(n), read: (v, a, l) => v.getFloat32(a, l), dtype: 'float32' },
  f8: { size: 8, make: (n) => new Float64Array(n), read: (v, a, l) => v.getFloat64(a, l), dtype: 'float64' },
  i4: { size: 4, make: (n) => new Int32Array(n), read: (v, a, l) => v.getInt32(a, l), dtype: 'int32' },
  i2: { size: 2, make: (n) => new Int16Array(n), read: (v, a, l) => v.getInt16(a, l), dtype: 'int32' },
  u2: { size: 2, make: (n) => new Uint16Array(n), read: (v, a, l) => v.getUint16(a, l), dtype: 'int32' },
  i1: { size: 1, make: (n) => new Int8Array(n), read: (v, a) => v.getInt8(a), dtype: 'int32' },
  u1: { size: 1, make: (n) => new Uint8Array(n), read: (v, a) => v.getUint8(a), dtype: 'int32' },
  b1: {
    size: 1,
    make: (n) => new Uint8Array(n),
    read: (v, a) => (v.getUint8(a) === 0 ? 0 : 1),
    dtype: 'bool',
  },
  i8: {
    size: 8,
    make: (n) => new Int32Array(n),
    read: (v, a, l) => Number(v.getBigInt64(a, l)),
    dtype: 'int32',
  },
};

const LITTLE_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Decodes the bytes of a `.npy` file (format versions 1–3). Checks the magic string, the header,
 * the dtype (float32/64, int8/16/32/64, uint8/16, bool, either byte order) and that the data is
 * exactly as long as the header's shape says. Fortran-order arrays are reordered to C order.
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy } from '@kiln/data';
 * const a = decodeNpy(encodeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]));
 * a.shape; // [2, 2]
 * ```
 */
export function decodeNpy(bytes: Uint8Array, source = '.npy data'): NpyArray {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i])
      throw new KilnError(`decodeNpy: ${source} is not a .npy file (bad magic string)`);
  }
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new KilnError(
      `decodeNpy: ${source} uses .npy format version ${String(major)} (supported: 1, 2, 3)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new KilnError(`decodeNpy: ${source} is truncated inside its header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLength;
  if (bytes.length < dataStart) {
    throw new KilnError(
      `decodeNpy: ${source} is truncated: header says ${headerLength} bytes, file ends first`,
    );
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lenBytes, dataStart),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new KilnError(`decodeNpy: ${source} has a malformed header: ${JSON.stringify(header.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0)
        throw new KilnError(`decodeNpy: ${source} has a bad shape (${shapeText})`);
      return v;
    });
  const order = descr[0];
  const kind = KINDS[descr.slice(1)];
  if (kind === undefined || (order !== '<' && order !== '>' && order !== '|' && order !== '=')) {
    throw new KilnError(
      `decodeNpy: ${source} has unsupported dtype '${descr}' (supported: float32, float64, int8, int16, int32, int64, uint8, uint16, bool)`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * kind.size;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    throw new KilnError(
      `decodeNpy: ${source}: header says shape (${shape.join(', ')}) of '${descr}' = ${expected} data bytes, but the file holds ${actual}`,
    );
  }
  const little = order !== '>';
  const code = descr.slice(1);
  if ((little === LITTLE_HOST || kind.size === 1) && code !== 'b1' && code !== 'i8') {
    // NOTE: a copy (not a view) both aligns the data and detaches it from the file's buffer.
    const copy = new Uint8Array(bytes.subarray(dataStart)).buffer;
    const Ctor = kind.make(0).constructor as new (b: ArrayBuffer) => NpyData;
    const fast = new Ctor(copy);
    return { descr, shape, data: fortran === 'True' && shape.length > 1 ? toCOrder(fast, shape) : fast };
  }
  const data = kind.make(count);
  for (let i = 0; i < count; i++) {
    const v = kind.read(view, dataStart + i * kind.size, little);
    if (descr.endsWith('i8') && (v < -2147483648 || v > 2147483647)) {
      throw new KilnError(`decodeNpy: ${source}: int64 value ${v} at element ${i} does not fit Kiln's int32`);
    }
    data[i] = v;
  }
  return { descr, shape, data: fortran === 'True' && shape.length > 1 ? toCOrder(data, shape) : data };
}

function toCOrder(data: NpyData, shape: readonly number[]): NpyData {
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  const fStrides: number[] = [];
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStrides.push(s);
    s *= shape[d]!;
  }
  for (let i = 0; i < data.length; i++) {
    let src = 0;
    for (let d = 0; d < nd; d++) src += index[d]! * fStrides[d]!;
    out[i] = data[src]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Encodes an array or a tensor as `.npy` bytes (format 1.0, little-endian, C order), which NumPy's
 * `np.load` reads. Bool tensors are written as `|b1`.
 *
 * @example
 * ```ts
 * import { encodeNpy } from '@kiln/data';
 * const bytes = encodeNpy(new Int32Array([1, 2, 3]), [3]);
 * bytes.length % 64; // 0 (header padded as NumPy pads it)
 * ```
 */
export function encodeNpy(array: NpyData | Tensor, shape?: readonly number[]): Uint8Array {
  let data: NpyData;
  let descr: string;
  let dims: readonly number[];
  if (isTensor(array)) {
    data = array.dataSync();
    dims = shape ?? array.shape;
    descr = array.dtype === 'bool' ? '|b1' : DESCR_OF[array.dtype];
  } else {
    data = array;
    dims = shape ?? [array.length];
    descr = descrOf(array);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new ValueError(
      `encodeNpy: shape (${dims.join(', ')}) holds ${count} elements (got ${data.length})`,
    );
  }
  const shapeText = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const size = KINDS[descr.slice(1)]!.size;
  const out = new Uint8Array(10 + header.length + count * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < count; i++) {
    const at = start + i * size;
    const v = data[i]!;
    switch (descr) {
      case '<f4':
        view.setFloat32(at, v, true);
        break;
      case '<f8':
        view.setFloat64(at, v, true);
        break;
      case '<i4':
        view.setInt32(at, v, true);
        break;
      case '<i2':
        view.setInt16(at, v, true);
        break;
      case '<u2':
        view.setUint16(at, v, true);
        break;
      case '|i1':
        view.setInt8(at, v);
        break;
      default:
        out[at] = v;
    }
  }
  return out;
}

const DESCR_OF: Record<Exclude<DType, 'bool'>, string> = { float32: '<f4', float64: '<f8', int32: '<i4' };

function descrOf(a: NpyData): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Float64Array) return '<f8';
  if (a instanceof Int32Array) return '<i4';
  if (a instanceof Int16Array) return '<i2';
  if (a instanceof Uint16Array) return '<u2';
  if (a instanceof Int8Array) return '|i1';
  return '|u1';
}

/**
 * Makes a tensor from a decoded `.npy` array: float32/float64 keep their dtype, bool stays bool,
 * and every integer type becomes int32 (Kiln's integer dtype).
 *
 * @example
 * ```ts
 * import { decodeNpy, encodeNpy, npyToTensor } from '@kiln/data';
 * npyToTensor(decodeNpy(encodeNpy(new Float64Array([1.5]), [1]))).dtype; // 'float64'
 * ```
 */
export function npyToTensor(array: NpyArray, options: { device?: string } = {}): Tensor {
  const kind = KINDS[array.descr.slice(1)]!;
  const d = array.data;
  const data =
    d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array
      ? d
      : kind.dtype === 'bool'
        ? (d as Uint8Array)
        : Int32Array.from(d);
  return fromTypedArray(
    data,
    array.shape,
    options.device === undefined ? { dtype: kind.dtype } : { dtype: kind.dtype, device: options.device },
  );
}
