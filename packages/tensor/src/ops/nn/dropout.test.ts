import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { Generator } from '../../random/generator.js';
import { ones, rand, tensor } from '../creation.js';
import { dropout, dropout2d } from './dropout.js';
import { DEVICES, registerTestBackends } from './test-golden.js';

beforeAll(registerTestBackends);

function values(t: { dataSync(): ArrayLike<number> }): number[] {
  return Array.from(t.dataSync());
}

describe.each(DEVICES)('dropout on %s', (device) => {
  it('keeps exactly the elements whose Philox uniform is below 1 − p, scaled by 1/(1 − p)', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], { device, dtype: 'float32' });
    const u = values(rand([8], { device, generator: new Generator(42) }));
    const y = values(dropout(x, { p: 0.3, generator: new Generator(42) }));
    const want = u.map((v, i) => (v < 0.7 ? Math.fround((i + 1) * Math.fround(1 / 0.7)) : 0));
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(want[i]!, 5);
    expect(want.some((v) => v === 0) && want.some((v) => v !== 0)).toBe(true);
  });

  it('is the identity in eval mode or with p = 0, and zero with p = 1', () => {
    const x = tensor([1, 2, 3], { device, dtype: 'float32' });
    expect(dropout(x, { training: false })).toBe(x);
    expect(dropout(x, { p: 0 })).toBe(x);
    expect(dropout(x, { p: 1 }).toArray()).toEqual([0, 0, 0]);
  });

  it('keeps the expected fraction on average', () => {
    const y = values(dropout(ones([20000], { device }), { p: 0.25, generator: new Generator(1) }));
    const kept = y.filter((v) => v !== 0);
    expect(Math.abs(kept.length / y.length - 0.75)).toBeLessThan(0.02);
    for (const v of kept) expect(v).toBeCloseTo(4 / 3, 5);
  });

  it('dropout2d drops whole channels', () => {
    const y = dropout2d(ones([4, 8, 3, 3], { device }), { p: 0.5, generator: new Generator(5) });
    const v = values(y);
    const planes: number[] = [];
    for (let c = 0; c < 32; c++) {
      const plane = v.slice(c * 9, c * 9 + 9);
      expect(new Set(plane).size).toBe(1);
      planes.push(plane[0]!);
    }
    expect(planes.some((p) => p === 0) && planes.some((p) => p === 2)).toBe(true);
    expect(dropout2d(ones([3, 2, 2], { device }), { p: 0.5 }).shape).toEqual([3, 2, 2]);
  });
});

describe('dropout errors', () => {
  it('checks p, dtype and rank', () => {
    registerTestBackends();
    expect(() => dropout(ones([2]), { p: 1.5 })).toThrow(ValueError);
    expect(() => dropout(ones([2]), { p: -0.1 })).toThrow(
      'dropout: dropout probability has to be between 0 and 1 (got -0.1)',
    );
    expect(() => dropout(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => dropout2d(ones([2, 2]))).toThrow(ShapeError);
  });
});
