import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ValueError } from '../errors/errors.js';
import {
  elu,
  gelu,
  hardsigmoid,
  hardswish,
  hardtanh,
  leakyRelu,
  logSigmoid,
  mish,
  relu6,
  selu,
  silu,
  softplus,
} from './activation.js';
import { tensor } from './creation.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './nn/test-golden.js';

beforeAll(registerTestBackends);

const golden: [
  string,
  (x: ReturnType<typeof tensor>, attrs: Record<string, unknown>) => ReturnType<typeof tensor>,
][] = [
  ['gelu/basic', (x) => gelu(x)],
  ['gelu/tanh', (x, a) => gelu(x, { approximate: a.approximate as 'tanh' })],
  ['silu/basic', (x) => silu(x)],
  ['softplus/basic', (x) => softplus(x)],
  ['elu/basic', (x) => elu(x)],
  ['mish/basic', (x) => mish(x)],
  ['hardtanh/basic', (x) => hardtanh(x)],
  ['leaky_relu/slope', (x, a) => leakyRelu(x, a.negative_slope as number)],
];

describe.each(DEVICES)('activations on %s', (device) => {
  it.each(golden)('matches PyTorch: %s', (id, fn) => {
    const c = goldenCase(id);
    expectGolden(fn(inputOf(c, 0, device), c.attrs), c);
  });

  it('softplus and logSigmoid stay finite for large |x|', () => {
    const x = tensor([-200, -30, 0, 30, 200], { device, dtype: 'float32' });
    expectClose(
      softplus(x),
      { shape: [5], data: [0, Math.log1p(Math.exp(-30)), Math.LN2, 30, 200] },
      1e-6,
      1e-30,
    );
    expectClose(
      logSigmoid(x),
      { shape: [5], data: [-200, -30, -Math.LN2, -Math.log1p(Math.exp(-30)), 0] },
      1e-6,
      1e-30,
    );
  });

  it('softplus honours beta and threshold', () => {
    const x = tensor([-1, 0.5, 3], { device });
    const sp = (v: number, beta: number) => Math.log1p(Math.exp(beta * v)) / beta;
    expectClose(softplus(x, { beta: 2 }), { shape: [3], data: [sp(-1, 2), sp(0.5, 2), sp(3, 2)] });
    // NOTE: beta·x = 6 > threshold 5 reverts to x exactly.
    expectClose(softplus(x, { beta: 2, threshold: 5 }), { shape: [3], data: [sp(-1, 2), sp(0.5, 2), 3] });
    expect(softplus(x, { beta: 2, threshold: 5 }).toArray()).toContain(3);
  });

  it('elu with alpha, selu, relu6, hardsigmoid, hardswish follow their formulas', () => {
    const xs = [-4, -1, -0.25, 0, 0.5, 2, 7];
    const x = tensor(xs, { device, dtype: 'float32' });
    const f = (fn: (v: number) => number) => ({ shape: [xs.length], data: xs.map(fn) });
    expectClose(
      elu(x, { alpha: 0.5 }),
      f((v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
    );
    const a = 1.6732632423543772;
    const s = 1.0507009873554805;
    expectClose(
      selu(x),
      f((v) => s * (v > 0 ? v : a * Math.expm1(v))),
    );
    expectClose(
      relu6(x),
      f((v) => Math.min(Math.max(v, 0), 6)),
    );
    expectClose(
      hardsigmoid(x),
      f((v) => Math.min(Math.max(v + 3, 0), 6) / 6),
    );
    expectClose(
      hardswish(x),
      f((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6),
    );
    expectClose(
      leakyRelu(x),
      f((v) => (v > 0 ? v : 0.01 * v)),
    );
    expectClose(
      hardtanh(x, -2, 1),
      f((v) => Math.min(Math.max(v, -2), 1)),
    );
  });

  it('gelu in float64 is exact to float64 precision', () => {
    const x = tensor([-3, -0.5, 0, 1, 2.5], { device, dtype: 'float64' });
    const erf = (v: number) => {
      // NOTE: high-precision series for |v| ≤ 3 (enough terms for 1e-12).
      let sum = 0;
      let term = v;
      for (let n = 0; n < 80; n++) {
        sum += term / (2 * n + 1);
        term *= (-v * v) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    const y = gelu(x);
    expect(y.dtype).toBe('float64');
    expectClose(
      y,
      { shape: [5], data: [-3, -0.5, 0, 1, 2.5].map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))) },
      1e-12,
      1e-14,
    );
  });
});

describe('activation errors', () => {
  it('rejects integer inputs and bad options', () => {
    registerTestBackends();
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => gelu(i)).toThrow(DTypeError);
    expect(() => gelu(i)).toThrow(/gelu: input must be a floating-point tensor \(got int32/);
    expect(() => silu(i)).toThrow(DTypeError);
    expect(() => gelu(tensor([1.5]), { approximate: 'erf' as 'none' })).toThrow(ValueError);
    expect(() => hardtanh(tensor([1.5]), 2, 1)).toThrow(/hardtanh: min_val cannot be greater than max_val/);
    expect(() => softplus(tensor([1.5]), { beta: 0 })).toThrow(ValueError);
  });
});
