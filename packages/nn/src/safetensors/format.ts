import { type DType, fromTypedArray, isTensor, type Tensor, ValueError } from '@kiln/autograd';

/**
 * Element types of the safetensors format that Kiln reads. F16/BF16 load as float32, I64 and the
 * small integer types as int32 (I64 only when every value fits), BOOL as bool.
 *
 * @example
 * ```ts
 * import type { SafetensorsDType } from '@kiln/nn';
 * const d: SafetensorsDType = 'F32';
 * ```
 */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ITEM_SIZE: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const NATURAL: Record<DType, SafetensorsDType> = {
  float64: 'F64',
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};
/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

/**
 * Tensors read from a safetensors file: a `Map` from name to tensor (so it passes straight to
 * `Module.loadStateDict`), with the file's metadata and each tensor's stored dtype (so saving it
 * again writes the same bytes).
 *
 * @example
 * ```ts
 * import { deserialize, serialize } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * const file = deserialize(serialize({ w: ones([2]) }));
 * file.get('w')?.toArray(); // [1, 1]
 * ```
 */
export class SafetensorsDict extends Map<string, Tensor> {
  /** The `__metadata__` of the file (string to string), or null. */
  metadata: Record<string, string> | null = null;
  /** The dtype each tensor had in the file. */
  readonly storedDTypes: Map<string, SafetensorsDType> = new Map();
}

/**
 * Options of {@link serialize} and `save`.
 *
 * @example
 * ```ts
 * import type { SerializeOptions } from '@kiln/nn';
 * const o: SerializeOptions = { metadata: { format: 'pt' }, dtypes: { 'bn.num_batches_tracked': 'I64' } };
 * ```
 */
export interface SerializeOptions {
  /** String metadata stored under `__metadata__`. */
  metadata?: Record<string, string>;
  /** Stored dtype per tensor name, for int32 tensors that PyTorch keeps as I64 (or F32 ↔ F16 …). */
  dtypes?: Record<string, SafetensorsDType>;
}

function fail(what: string): never {
  throw new ValueError(`safetensors: ${what}`);
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function f32ToF16(v: number): number {
  const f32 = new Float32Array([v]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant = (mant | 0x800000) >> (1 - e);
    // round half to even
    if ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (mant & 0x2000) !== 0)) mant += 0x2000;
    return sign | (mant >> 13);
  }
  if ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (mant & 0x2000) !== 0)) {
    mant += 0x2000;
    if (mant & 0x800000) {
      mant = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | (mant >> 13);
}

function decode(
  name: string,
  dtype: SafetensorsDType,
  view: DataView,
  count: number,
): { array: Float32Array | Float64Array | Int32Array | Uint8Array; kiln: DType } {
  switch (dtype) {
    case 'F64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(i * 8, true);
      return { array: a, kiln: 'float64' };
    }
    case 'F32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(i * 4, true);
      return { array: a, kiln: 'float32' };
    }
    case 'F16':
    case 'BF16': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const h = view.getUint16(i * 2, true);
        a[i] = dtype === 'F16' ? f16ToF32(h) : new Float32Array(new Uint32Array([h << 16]).buffer)[0]!;
      }
      return { array: a, kiln: 'float32' };
    }
    case 'I64': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          fail(`tensor '${name}' holds the int64 value ${v}, which does not fit Kiln's int32 index dtype`);
        }
        a[i] = Number(v);
      }
      return { array: a, kiln: 'int32' };
    }
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        a[i] =
          dtype === 'I32'
            ? view.getInt32(i * 4, true)
            : dtype === 'I16'
              ? view.getInt16(i * 2, true)
              : dtype === 'I8'
                ? view.getInt8(i)
                : view.getUint8(i);
      }
      return { array: a, kiln: 'int32' };
    }
    case 'BOOL': {
      const a = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const b = view.getUint8(i);
        if (b > 1) fail(`tensor '${name}' is BOOL but holds the byte ${b} (expected 0 or 1)`);
        a[i] = b;
      }
      return { array: a, kiln: 'bool' };
    }
  }
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes into tensors on `device`. Everything is validated before any tensor is
 * created (header length, JSON, dtypes, shapes, offsets that must tile the data exactly), so a
 * corrupt, truncated or lying file throws a `KilnError` and never yields a partial result.
 *
 * @example
 * ```ts
 * import { deserialize, serialize } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * deserialize(serialize({ x: tensor([1.5, 2]) })).get('x')?.toArray(); // [1.5, 2]
 * ```
 */
export function deserialize(
  bytes: Uint8Array | ArrayBuffer,
  options: { device?: string } = {},
): SafetensorsDict {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.byteLength < 8)
    fail(`file too short for a header length (got ${buf.byteLength} bytes, expected at least 8)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER))
    fail(`header length ${headerLen} exceeds the limit of ${MAX_HEADER} bytes`);
  const n = Number(headerLen);
  if (8 + n > buf.byteLength)
    fail(`header length ${n} is larger than the file (got ${buf.byteLength - 8} bytes after the length)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header must be a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const entries: Entry[] = [];
  let metadata: Record<string, string> | null = null;
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (
        typeof raw !== 'object' ||
        raw === null ||
        Array.isArray(raw) ||
        Object.values(raw).some((v) => typeof v !== 'string')
      ) {
        fail('__metadata__ must map strings to strings');
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    if (typeof raw !== 'object' || raw === null) fail(`entry '${name}' must be an object`);
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
      fail(
        `tensor '${name}' has unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`,
      );
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      offsets.some((o) => !Number.isSafeInteger(o) || o < 0)
    ) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const size = ITEM_SIZE[dtype as SafetensorsDType];
    if (end < begin) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] that end before they begin`);
    if (end - begin !== count * size) {
      fail(
        `tensor '${name}' of shape [${(shape as number[]).join(', ')}] and dtype ${dtype} needs ${count * size} bytes (data_offsets give ${end - begin})`,
      );
    }
    if (end > dataLen)
      fail(
        `tensor '${name}' data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes)`,
      );
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      fail(
        e.begin < cursor
          ? `tensor '${e.name}' overlaps the previous tensor's bytes`
          : `the data has a hole before tensor '${e.name}' (bytes ${cursor}..${e.begin})`,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLen)
    fail(`the data holds ${dataLen} bytes but the tensors cover ${cursor} (truncated or trailing bytes)`);
  const decoded = entries.map((e) => ({
    e,
    ...decode(
      e.name,
      e.dtype,
      new DataView(buf.buffer, buf.byteOffset + dataStart + e.begin, e.end - e.begin),
      (e.end - e.begin) / ITEM_SIZE[e.dtype],
    ),
  }));
  const out = new SafetensorsDict();
  out.metadata = metadata;
  for (const { e, array, kiln } of decoded) {
    out.set(
      e.name,
      fromTypedArray(array, e.shape, { dtype: kiln, ...(options.device ? { device: options.device } : {}) }),
    );
    out.storedDTypes.set(e.name, e.dtype);
  }
  return out;
}

function encode(name: string, t: Tensor, dtype: SafetensorsDType): Uint8Array {
  const values = t.contiguous().dataSync();
  const n = values.length;
  const out = new Uint8Array(n * ITEM_SIZE[dtype]);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    switch (dtype) {
      case 'F64':
        dv.setFloat64(i * 8, v, true);
        break;
      case 'F32':
        dv.setFloat32(i * 4, v, true);
        break;
      case 'F16':
        dv.setUint16(i * 2, f32ToF16(v), true);
        break;
      case 'BF16': {
        const u = new Uint32Array(new Float32Array([v]).buffer)[0]!;
        const rounded = (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
        dv.setUint16(i * 2, Number.isNaN(v) ? 0x7fc0 : rounded, true);
        break;
      }
      case 'I64':
        dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
      case 'I32':
        dv.setInt32(i * 4, v, true);
        break;
      case 'I16':
        dv.setInt16(i * 2, v, true);
        break;
      case 'I8':
        dv.setInt8(i, v);
        break;
      case 'U8':
      case 'BOOL':
        dv.setUint8(i, v);
        break;
      default:
        fail(`cannot write tensor '${name}' as ${String(dtype)}`);
    }
  }
  return out;
}

/**
 * Writes tensors in the safetensors format (8-byte little-endian header length, JSON header padded
 * to 8 bytes, raw little-endian data), ordered as the reference implementation orders them (wider
 * dtypes first, then by name), so a file read from PyTorch and written back is byte-identical.
 *
 * @example
 * ```ts
 * import { serialize } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * serialize({ w: ones([2, 2]) }).byteLength; // 96
 * ```
 */
export function serialize(
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  options: SerializeOptions = {},
): Uint8Array {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const stored =
    tensors instanceof SafetensorsDict ? tensors.storedDTypes : new Map<string, SafetensorsDType>();
  const metadata = options.metadata ?? (tensors instanceof SafetensorsDict ? tensors.metadata : null);
  const items = [...map.entries()].map(([name, t]) => {
    if (!isTensor(t)) fail(`'${name}' is not a tensor`);
    if (name === '__metadata__') fail("a tensor cannot be named '__metadata__'");
    const dtype = options.dtypes?.[name] ?? stored.get(name) ?? NATURAL[t.dtype];
    if (!(dtype in ITEM_SIZE)) fail(`unknown dtype ${String(dtype)} for tensor '${name}'`);
    return { name, t, dtype };
  });
  items.sort(
    (a, b) => ITEM_SIZE[b.dtype] - ITEM_SIZE[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const blobs: Uint8Array[] = [];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const { name, t, dtype } of items) {
    const blob = encode(name, t, dtype);
    header[name] = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + blob.byteLength] };
    offset += blob.byteLength;
    blobs.push(blob);
  }
  if (metadata !== null && metadata !== undefined) header.__metadata__ = metadata;
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(json.byteLength + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const b of blobs) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}
