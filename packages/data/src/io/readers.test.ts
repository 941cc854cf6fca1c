import { KilnError } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { useCpu } from '../test/setup.js';
import { parseCsv, parseCsvRows } from './csv.js';
import { encodeIdx, parseIdx } from './idx.js';
import { decodeNpy, encodeNpy, npyToTensor } from './npy.js';

useCpu();

describe('IDX', () => {
  it('round-trips every element type', () => {
    const cases = [
      new Uint8Array([0, 7, 255, 1, 2, 3]),
      new Int8Array([-128, 0, 127, 1, 2, 3]),
      new Int16Array([-300, 0, 300, 1, 2, 3]),
      new Int32Array([-70000, 0, 70000, 1, 2, 3]),
      new Float32Array([-1.5, 0, 2.25, 1, 2, 3]),
      new Float64Array([Math.PI, 0, -1e300, 1, 2, 3]),
    ];
    for (const data of cases) {
      const parsed = parseIdx(encodeIdx(data, [2, 3]), 'x.idx');
      expect(parsed.dims).toEqual([2, 3]);
      expect(Array.from(parsed.data)).toEqual(Array.from(data));
      expect(parsed.data.constructor).toBe(data.constructor);
    }
  });

  it('reads big-endian headers as MNIST writes them', () => {
    const bytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6]);
    const a = parseIdx(bytes);
    expect(a.dims).toEqual([2, 1, 2]);
    expect(Array.from(a.data)).toEqual([9, 8, 7, 6]);
  });

  it('names the file on a wrong magic number, truncation or trailing bytes', () => {
    const good = encodeIdx(new Uint8Array([1, 2, 3, 4]), [4]);
    const badMagic = good.slice();
    badMagic[2] = 0x42;
    expect(() => parseIdx(badMagic, 'a.idx')).toThrow(KilnError);
    expect(() => parseIdx(badMagic, 'a.idx')).toThrow(/a\.idx has a wrong magic number 0x00004201/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'b.idx')).toThrow(
      /b\.idx is truncated: dims \[4\] of uint8 need 4 data bytes, found 3/,
    );
    expect(() => parseIdx(good.subarray(0, 6), 'c.idx')).toThrow(
      /c\.idx is truncated: 6 bytes, shorter than its 8-byte header/,
    );
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expect(() => parseIdx(long, 'd.idx')).toThrow(/d\.idx has trailing bytes/);
  });
});

describe('CSV', () => {
  it('parses quotes, CRLF and a missing final newline', () => {
    const rows = parseCsvRows('a,"b ""q"", c"\r\n1,"2\n3"\r\n4,5');
    expect(rows.map((r) => r.cells)).toEqual([
      ['a', 'b "q", c'],
      ['1', '2\n3'],
      ['4', '5'],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('selects columns by name and position and parses numbers', () => {
    const t = parseCsv('x, y ,label\n1,2.5,0\n-3,4e2,1\nnan,inf,2\n', { columns: ['label', 1] });
    expect(t.columns).toEqual(['label', 'y']);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([0, 2.5, 1, 400, 2, Number.POSITIVE_INFINITY]);
    const noHeader = parseCsv('1;2\n3;4\n', { header: false, delimiter: ';', dtype: 'float64' });
    expect(noHeader.columns).toEqual(['column0', 'column1']);
    expect(noHeader.data).toBeInstanceOf(Float64Array);
    expect(Array.from(noHeader.data)).toEqual([1, 2, 3, 4]);
  });

  it('names the row and column of a ragged row or a non-numeric cell', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', {}, 'data.csv')).toThrow(KilnError);
    expect(() => parseCsv('a,b\n1,2\n3\n', {}, 'data.csv')).toThrow(
      /data\.csv, line 3: ragged row with 1 cells \(expected 2, as in the header\)/,
    );
    expect(() => parseCsv('a,b\n1,2\n3,x7\n', {}, 'data.csv')).toThrow(
      /data\.csv, line 3, column 'b' \(2\): cannot parse 'x7' as a number/,
    );
    expect(() => parseCsv('a,b\n1,0x10\n', {}, 'h.csv')).toThrow(/cannot parse '0x10'/);
    expect(() => parseCsv('a,b\n1,\n', {}, 'e.csv')).toThrow(/line 2, column 'b' \(2\): empty cell/);
    expect(Array.from(parseCsv('a,b\n1,\n', { missing: -1 }).data)).toEqual([1, -1]);
    expect(() => parseCsv('a,b\n1,2\n', { columns: ['c'] }, 'f.csv')).toThrow(/f\.csv: no column named 'c'/);
  });
});

describe('.npy', () => {
  it('round-trips typed arrays and tensors with NumPy-style headers', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + (bytes[8]! | (bytes[9]! << 8))));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect((10 + header.length) % 64).toBe(0);
    const a = decodeNpy(bytes);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const t = npyToTensor(decodeNpy(encodeNpy(new Int16Array([-1, 2]), [2])));
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([-1, 2]);
    expect(decodeNpy(encodeNpy(new Uint8Array([1, 2, 3]))).shape).toEqual([3]);
  });

  it('reads big-endian, int64 and Fortran-order data', () => {
    const make = (descr: string, shape: string, fortran: boolean, body: number[]): Uint8Array => {
      const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }\n`;
      const out = new Uint8Array(10 + header.length + body.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
      for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
      out.set(body, 10 + header.length);
      return out;
    };
    expect(Array.from(decodeNpy(make('>i4', '(2,)', false, [0, 0, 1, 2, 255, 255, 255, 255])).data)).toEqual([
      258, -1,
    ]);
    const i8 = make('<i8', '(2,)', false, [5, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(Array.from(decodeNpy(i8).data)).toEqual([5, -1]);
    const f = decodeNpy(make('|u1', '(2, 3)', true, [1, 4, 2, 5, 3, 6]));
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects unsupported dtypes, lying headers and non-npy bytes, naming the file', () => {
    const good = encodeNpy(new Float32Array([1, 2, 3]), [3]);
    const text = new TextDecoder().decode(good);
    const complex = new TextEncoder().encode(text.replace('<f4', '<c8'));
    const fixed = new Uint8Array(good.length);
    fixed.set(good.subarray(0, 10));
    fixed.set(complex.subarray(10, 10 + (good[8]! | (good[9]! << 8))), 10);
    expect(() => decodeNpy(fixed, 'z.npy')).toThrow(KilnError);
    expect(() => decodeNpy(fixed, 'z.npy')).toThrow(/z\.npy has unsupported dtype '<c8'/);
    expect(() => decodeNpy(good.subarray(0, good.length - 4), 'short.npy')).toThrow(
      /short\.npy: header says shape \(3\) of '<f4' = 12 data bytes, but the file holds 8/,
    );
    expect(() => decodeNpy(new Uint8Array([1, 2, 3]), 'no.npy')).toThrow(/no\.npy is not a \.npy file/);
  });
});
