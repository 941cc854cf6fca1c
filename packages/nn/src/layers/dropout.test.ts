import { Generator, hasBackend, ones, registerBackend, ShapeError, ValueError } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { Dropout, Dropout2d } from './dropout.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

describe('Dropout', () => {
  it('zeroes about p of the elements and scales the rest by 1/(1−p) while training', () => {
    const y = Array.from(new Dropout(0.25).call(ones([4000])).dataSync(), Number);
    expect(new Set(y.map((v) => v.toFixed(5)))).toEqual(new Set(['0.00000', '1.33333']));
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(dropped).toBeGreaterThan(0.2);
    expect(dropped).toBeLessThan(0.3);
  });

  it('is the identity in eval mode (the same tensor) and for p = 0', () => {
    const x = ones([8]);
    expect(new Dropout(0.5).eval().call(x)).toBe(x);
    expect(new Dropout(0).call(x)).toBe(x);
  });

  it('draws the same mask from the same seed', () => {
    const a = new Dropout(0.5, { generator: new Generator(7) }).call(ones([64])).toArray();
    const b = new Dropout(0.5, { generator: new Generator(7) }).call(ones([64])).toArray();
    expect(a).toEqual(b);
  });

  it('gives the gradient the same mask', () => {
    const x = ones([100], { requiresGrad: true });
    const y = new Dropout(0.5).call(x);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(y.dataSync()));
  });

  it('rejects a probability outside [0, 1]', () => {
    expect(() => new Dropout(1.5)).toThrow(ValueError);
    expect(() => new Dropout(-0.1)).toThrow(
      /Dropout: dropout probability has to be between 0 and 1, but got -0.1/,
    );
  });

  it('prints like PyTorch', () => {
    expect(new Dropout(0.1).toString()).toBe('Dropout(p=0.1)');
  });
});

describe('Dropout2d', () => {
  it('drops whole channels while training', () => {
    const y = new Dropout2d(0.5).call(ones([4, 16, 3, 3]));
    const planes = y.reshape([64, 9]).toArray() as number[][];
    for (const plane of planes) expect(new Set(plane).size).toBe(1);
    const kinds = new Set(planes.map((p) => p[0]));
    expect(kinds).toEqual(new Set([0, 2]));
  });

  it('is the identity in eval mode', () => {
    const x = ones([1, 2, 2, 2]);
    expect(new Dropout2d(0.5).eval().call(x)).toBe(x);
  });

  it('names the layer and the shape on a wrong rank', () => {
    expect(() => new Dropout2d().call(ones([3, 4]))).toThrow(ShapeError);
    expect(() => new Dropout2d().call(ones([3, 4]))).toThrow(
      /Dropout2d: expected 3-D or 4-D input .*got 2-D input of shape \[3, 4\]/,
    );
  });
});
