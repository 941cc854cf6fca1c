import {
  Generator,
  gradcheck,
  hasBackend,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { scaledDotProductAttention } from './attention.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const values = (t: Tensor): number[] => Array.from(t.dataSync(), Number);
const f32 = (d: number[][]): Tensor => tensor(d, { dtype: 'float32' });

describe('scaledDotProductAttention', () => {
  const q = (): Tensor =>
    f32([
      [1, 0],
      [0, 1],
    ]);
  const v = (): Tensor =>
    f32([
      [1, 2],
      [3, 4],
    ]);
  const a = Math.exp(1 / Math.SQRT2) / (Math.exp(1 / Math.SQRT2) + 1);

  it('is softmax(q·kᵀ/√E)·v', () => {
    const out = values(scaledDotProductAttention(q(), q(), v()));
    const want = [a + 3 * (1 - a), 2 * a + 4 * (1 - a), 1 - a + 3 * a, 2 * (1 - a) + 4 * a];
    out.forEach((o, i) => {
      expect(o).toBeCloseTo(want[i]!, 5);
    });
  });

  it('honours scale, isCausal and a bool mask where true means "may attend"', () => {
    const flat = values(scaledDotProductAttention(q(), q(), v(), { scale: 0 }));
    expect(flat).toEqual([2, 3, 2, 3]);
    const causal = values(scaledDotProductAttention(q(), q(), v(), { isCausal: true }));
    expect(causal.slice(0, 2)).toEqual([1, 2]);
    const onlySecond = tensor(
      [
        [false, true],
        [false, true],
      ],
      { dtype: 'bool' },
    );
    expect(values(scaledDotProductAttention(q(), q(), v(), { attnMask: onlySecond }))).toEqual([3, 4, 3, 4]);
    const bias = f32([
      [0, -Infinity],
      [0, 0],
    ]);
    expect(values(scaledDotProductAttention(q(), q(), v(), { attnMask: bias })).slice(0, 2)).toEqual([1, 2]);
  });

  it('broadcasts leading dims and matches finite differences', () => {
    const qq = randn([2, 3, 4, 5], { dtype: 'float64', requiresGrad: true });
    const kk = randn([2, 3, 6, 5], { dtype: 'float64', requiresGrad: true });
    const vv = randn([2, 3, 6, 2], { dtype: 'float64', requiresGrad: true });
    expect(scaledDotProductAttention(qq, kk, vv).shape).toEqual([2, 3, 4, 2]);
    expect(
      gradcheck((x, y, z) => scaledDotProductAttention(x!, y!, z!, { isCausal: true }), [qq, kk, vv]),
    ).toBe(true);
  });

  it('drops attention weights with dropoutP, reproducibly from a generator', () => {
    const x = randn([8, 4]);
    const one = values(scaledDotProductAttention(x, x, x, { dropoutP: 0.5, generator: new Generator(3) }));
    const two = values(scaledDotProductAttention(x, x, x, { dropoutP: 0.5, generator: new Generator(3) }));
    expect(one).toEqual(two);
    expect(one).not.toEqual(values(scaledDotProductAttention(x, x, x)));
  });

  it('rejects mismatched shapes and a mask together with isCausal', () => {
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([3, 5]), randn([3, 4]))).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([3, 4]), randn([2, 4]))).toThrow(
      /expected value with 3 positions as key/,
    );
    expect(() =>
      scaledDotProductAttention(q(), q(), v(), {
        isCausal: true,
        attnMask: f32([
          [0, 0],
          [0, 0],
        ]),
      }),
    ).toThrow(ValueError);
  });
});
