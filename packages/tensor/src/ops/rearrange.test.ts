import { beforeAll, describe, expect, test } from 'vitest';
import { ShapeError, ValueError } from '../errors/errors.js';
import { arange, flip, pad, repeat, roll, tensor, tril, triu, zeros } from '../index.js';
import { useCpu } from '../test-support/cpu.js';
import { expectGolden, golden } from '../test-support/golden-case.js';
import { stridesOf, unravel } from '../test-support/reference.js';

beforeAll(() => {
  useCpu();
});

const flat = (t: { dataSync(): ArrayLike<number> }): number[] => Array.from(t.dataSync());

/** Reference for the non-constant pad modes: maps each output position to its source element. */
function refPad(
  values: number[],
  shape: number[],
  padding: number[],
  source: (i: number, n: number) => number,
): number[] {
  const out = shape.slice();
  const r = shape.length;
  for (let i = 0; i < padding.length / 2; i++) out[r - 1 - i]! += padding[2 * i]! + padding[2 * i + 1]!;
  const st = stridesOf(shape);
  const n = out.reduce((a, b) => a * b, 1);
  const res: number[] = [];
  for (let k = 0; k < n; k++) {
    const pos = unravel(k, out);
    let o = 0;
    for (let d = 0; d < r; d++) {
      const j = r - 1 - d;
      const before = 2 * j < padding.length ? padding[2 * j]! : 0;
      o += source(pos[d]! - before, shape[d]!) * st[d]!;
    }
    res.push(values[o]!);
  }
  return res;
}

describe('golden cases (PyTorch 1.13)', () => {
  test('tril, triu, flip, roll, repeat', () => {
    const l = golden('tril/basic');
    expectGolden(tril(l.tensor(0)), l);
    const u = golden('triu/diag1');
    expectGolden(triu(u.tensor(0), 1), u);
    const f = golden('flip/dims');
    expectGolden(flip(f.tensor(0), [0, 2]), f);
    const r = golden('roll/dim');
    expectGolden(roll(r.tensor(0), 1, 2), r);
    const p = golden('repeat/basic');
    expectGolden(repeat(p.tensor(0), [2, 1, 2]), p);
  });

  test('pad in constant and reflect modes', () => {
    const c = golden('pad/constant');
    expectGolden(pad(c.tensor(0), [1, 2, 0, 1], { value: 0.5 }), c);
    const r = golden('pad/reflect');
    expectGolden(pad(r.tensor(0), [1, 1, 2, 2], { mode: 'reflect' }), r);
  });
});

describe('flip and roll', () => {
  test('flip reverses each listed dim, negative dims included, on views', () => {
    const x = arange(6).reshape([2, 3]);
    expect(flip(x, [-1]).toArray()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(flip(x, [0, 1]).toArray()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(flip(x.t(), [0]).toArray()).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ]);
    const same = flip(x, []);
    expect(same.toArray()).toEqual(x.toArray());
    expect(same.storage).not.toBe(x.storage);
    expect(() => flip(x, [0, 0])).toThrow(ShapeError);
  });

  test('roll by positive, negative and over-long shifts, and flattened', () => {
    const x = arange(6).reshape([2, 3]);
    expect(roll(x, 1, 1).toArray()).toEqual([
      [2, 0, 1],
      [5, 3, 4],
    ]);
    expect(roll(x, -4, 1).toArray()).toEqual([
      [1, 2, 0],
      [4, 5, 3],
    ]);
    expect(roll(x, 2).toArray()).toEqual([
      [4, 5, 0],
      [1, 2, 3],
    ]);
    expect(roll(x, [1, 1], [0, 1]).toArray()).toEqual([
      [5, 3, 4],
      [2, 0, 1],
    ]);
    expect(roll(x, 3, 1).toArray()).toEqual(x.toArray());
    expect(() => roll(x, [1, 2], 0)).toThrow(ValueError);
  });
});

describe('repeat, tril, triu', () => {
  test('repeat tiles and adds leading dims', () => {
    expect(repeat(tensor([1, 2]), [2, 2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(repeat(tensor([[1], [2]]), [1, 3]).toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(repeat(tensor([1, 2]), [0]).shape).toEqual([0]);
    expect(() => repeat(zeros([2, 2]), [2])).toThrow(ShapeError);
  });

  test('tril and triu for each diagonal, batched, and for bool', () => {
    const x = arange(1, 13).reshape([3, 4]);
    const keep = (pred: (i: number, j: number) => boolean) =>
      [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => (pred(i, j) ? 1 + i * 4 + j : 0)));
    for (const k of [-2, -1, 0, 1, 3]) {
      expect(tril(x, k).toArray(), `tril ${k}`).toEqual(keep((i, j) => j - i <= k));
      expect(triu(x, k).toArray(), `triu ${k}`).toEqual(keep((i, j) => j - i >= k));
    }
    const b = x.reshape([1, 3, 4]).expand([2, 3, 4]);
    expect(tril(b).shape).toEqual([2, 3, 4]);
    expect(flat(tril(b)).slice(12)).toEqual(flat(tril(x)));
    const m = tril(
      tensor([
        [true, true],
        [true, true],
      ]),
    );
    expect(m.dtype).toBe('bool');
    expect(m.toArray()).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(tril(x).dtype).toBe('int32');
    expect(() => tril(tensor([1, 2]))).toThrow(/at least 2 dimensions/);
  });
});

describe('pad', () => {
  test('constant pads, including negative (cropping) pads', () => {
    expect(pad(tensor([1, 2, 3]), [2, 1]).toArray()).toEqual([0, 0, 1, 2, 3, 0]);
    expect(pad(tensor([1, 2, 3]), [-1, 1], { value: 9 }).toArray()).toEqual([2, 3, 9]);
    const x = arange(6).reshape([2, 3]);
    expect(pad(x, [0, 0, 1, 0]).toArray()).toEqual([
      [0, 0, 0],
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(pad(x, [-1, -1, -1, 0]).toArray()).toEqual([[4]]);
    expect(pad(x.t(), [1, 0]).toArray()).toEqual([
      [0, 0, 3],
      [0, 1, 4],
      [0, 2, 5],
    ]);
  });

  test('reflect, replicate and circular match a reference', () => {
    const shape = [2, 3, 4];
    const values = [...Array(24).keys()];
    const x = arange(24).reshape(shape).float();
    const modes = {
      reflect: (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i),
      replicate: (i: number, n: number) => Math.min(Math.max(i, 0), n - 1),
      circular: (i: number, n: number) => ((i % n) + n) % n,
    } as const;
    for (const [mode, source] of Object.entries(modes)) {
      for (const padding of [
        [1, 2],
        [2, 0, 1, 2],
        [0, 3, 2, 1],
      ]) {
        if (mode === 'reflect' && padding.some((p, i) => p >= shape[shape.length - 1 - Math.floor(i / 2)]!))
          continue;
        const y = pad(x, padding, { mode: mode as 'reflect' });
        expect(flat(y), `${mode} ${padding}`).toEqual(refPad(values, shape, padding, source));
      }
    }
  });

  test('errors follow PyTorch', () => {
    const x = zeros([1, 2, 5, 2]);
    expect(() => pad(x, [1])).toThrow(/divisible by 2/);
    expect(() => pad(zeros([2]), [1, 1, 1, 1])).toThrow(/padding length too large/);
    expect(() => pad(x, [2, 2], { mode: 'reflect' })).toThrow(
      'pad: padding size should be less than the corresponding input dimension (got padding (2, 2) at dimension 3 of input [1, 2, 5, 2])',
    );
    expect(() => pad(x, [3, 0], { mode: 'circular' })).toThrow(/less than or equal to/);
    expect(() => pad(zeros([3]), [-2, -2])).toThrow(/negative output size -1/);
    expect(() => pad(zeros([3]), [-1, 0], { mode: 'replicate' })).toThrow(
      /only supported in 'constant' mode/,
    );
    expect(() => pad(zeros([3]), [1, 1], { mode: 'wrap' as 'reflect' })).toThrow(
      /unknown padding mode 'wrap'/,
    );
  });
});
