import { KilnError } from '@kiln/tensor';

/**
 * Element arrays an IDX file can hold.
 *
 * @example
 * ```ts
 * import type { IdxData } from '@kiln/data';
 * const d: IdxData = new Uint8Array(784);
 * ```
 */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A parsed IDX array (the format of the MNIST family): its dims and its elements, row-major.
 *
 * @example
 * ```ts
 * import type { IdxArray } from '@kiln/data';
 * const a: IdxArray = { dims: [2], data: new Uint8Array([1, 2]), type: 'uint8' };
 * ```
 */
export interface IdxArray {
  /** Sizes along each dimension (e.g. `[60000, 28, 28]`). */
  readonly dims: readonly number[];
  /** Elements; `uint8` data is a view into the bytes given to `parseIdx` (no copy). */
  readonly data: IdxData;
  /** The element type named by the file's magic number. */
  readonly type: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
}

const TYPES: Record<number, { type: IdxArray['type']; size: number }> = {
  8: { type: 'uint8', size: 1 },
  9: { type: 'int8', size: 1 },
  11: { type: 'int16', size: 2 },
  12: { type: 'int32', size: 4 },
  13: { type: 'float32', size: 4 },
  14: { type: 'float64', size: 8 },
};

/**
 * Parses the bytes of an IDX file (uncompressed). Checks the magic number, the header length and
 * that the data is exactly as long as the dims say; errors name `source` (a file name).
 *
 * @example
 * ```ts
 * import { parseIdx } from '@kiln/data';
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]);
 * parseIdx(bytes, 'tiny.idx').data; // Uint8Array [7, 8, 9]
 * ```
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) {
    throw new KilnError(
      `parseIdx: ${source} is truncated: ${bytes.length} bytes, shorter than the 4-byte magic number`,
    );
  }
  const typeCode = bytes[2]!;
  const ndim = bytes[3]!;
  const info = TYPES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || info === undefined || ndim === 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new KilnError(
      `parseIdx: ${source} has a wrong magic number 0x${magic} (expected 0x0000TTNN: type 08/09/0b/0c/0d/0e, NN ≥ 1 dims)`,
    );
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    throw new KilnError(
      `parseIdx: ${source} is truncated: ${bytes.length} bytes, shorter than its ${headerLength}-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expected = count * info.size;
  const actual = bytes.length - headerLength;
  if (actual !== expected) {
    const what = actual < expected ? 'is truncated' : 'has trailing bytes';
    throw new KilnError(
      `parseIdx: ${source} ${what}: dims [${dims.join(', ')}] of ${info.type} need ${expected} data bytes, found ${actual}`,
    );
  }
  const body = bytes.subarray(headerLength);
  return { dims, data: decode(body, info.type, count), type: info.type };
}

/**
 * Reads the dims from an IDX header, for callers that stream the data into a buffer of the right
 * size; `undefined` while fewer bytes than the header have arrived.
 *
 * @example
 * ```ts
 * import { readIdxHeader } from '@kiln/data';
 * readIdxHeader(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3]), 'x')?.dims; // [3]
 * ```
 */
export function readIdxHeader(
  bytes: Uint8Array,
  source = 'IDX data',
): { dims: number[]; headerLength: number; totalLength: number } | undefined {
  if (bytes.length < 4) return undefined;
  const info = TYPES[bytes[2]!];
  const ndim = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || info === undefined || ndim === 0) {
    parseIdx(bytes.subarray(0, 4), source);
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  return { dims, headerLength, totalLength: headerLength + count * info!.size };
}

function decode(body: Uint8Array, type: IdxArray['type'], count: number): IdxData {
  switch (type) {
    case 'uint8':
      return body;
    case 'int8':
      return new Int8Array(body.buffer, body.byteOffset, count);
    default: {
      // NOTE: IDX is big-endian; read through a DataView rather than assume host order.
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (type === 'int16') return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, false));
      if (type === 'int32') return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, false));
      if (type === 'float32')
        return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, false));
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, false));
    }
  }
}

/**
 * Encodes an array as IDX bytes (big-endian), the inverse of `parseIdx`.
 *
 * @example
 * ```ts
 * import { encodeIdx, parseIdx } from '@kiln/data';
 * parseIdx(encodeIdx(new Uint8Array([1, 2, 3, 4]), [2, 2])).dims; // [2, 2]
 * ```
 */
export function encodeIdx(data: IdxData, dims: readonly number[]): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new KilnError(`encodeIdx: dims [${dims.join(', ')}] hold ${count} elements (got ${data.length})`);
  }
  const entry = Object.entries(TYPES).find(([, t]) => t.type === idxTypeOf(data))!;
  const code = Number(entry[0]);
  const size = entry[1].size;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i]!, false);
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const at = header + i * size;
    if (data instanceof Uint8Array) out[at] = v;
    else if (data instanceof Int8Array) view.setInt8(at, v);
    else if (data instanceof Int16Array) view.setInt16(at, v, false);
    else if (data instanceof Int32Array) view.setInt32(at, v, false);
    else if (data instanceof Float32Array) view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}

function idxTypeOf(data: IdxData): IdxArray['type'] {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}
