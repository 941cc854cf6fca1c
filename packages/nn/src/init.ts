import {
  defaultGenerator,
  fromTypedArray,
  type Generator,
  noGrad,
  randn,
  type Tensor,
  ValueError,
} from '@kiln/autograd';

/**
 * Options shared by the random initialisers.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { Generator, empty } from '@kiln/autograd';
 * init.normal_(empty([3]), 0, 1, { generator: new Generator(1) });
 * ```
 */
export interface InitOptions {
  generator?: Generator;
}

/** Nonlinearities `calculateGain` knows. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * init.calculateGain('relu'); // 1.4142135623730951
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * Fan-in and fan-out of a weight (`[out, in, ...kernel]`), as PyTorch computes them.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.calculateFanInAndFanOut(empty([16, 3, 3, 3])); // [27, 144]
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new ValueError(
      'calculateFanInAndFanOut: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
    );
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

/**
 * Fills with uniform samples in `[a, b)`.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.uniform_(empty([3]), -1, 1);
 * ```
 */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1, options: InitOptions = {}): T {
  return noGrad(() => t.uniform_(a, b, options));
}

/**
 * Fills with normal samples.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.normal_(empty([3]), 0, 0.02);
 * ```
 */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1, options: InitOptions = {}): T {
  return noGrad(() => t.normal_(mean, std, options));
}

/**
 * Fills with a constant.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.constant_(empty([2]), 0.5).toArray(); // [0.5, 0.5]
 * ```
 */
export function constant_<T extends Tensor>(t: T, value: number): T {
  return noGrad(() => t.fill_(value));
}

/**
 * Fills with zeros.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.zeros_(empty([2])).toArray(); // [0, 0]
 * ```
 */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/**
 * Fills with ones.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.ones_(empty([2])).toArray(); // [1, 1]
 * ```
 */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/**
 * Glorot/Xavier uniform: `U(-a, a)` with `a = gain·√(6 / (fanIn + fanOut))`.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.xavierUniform_(empty([4, 3]));
 * ```
 */
export function xavierUniform_<T extends Tensor>(t: T, gain = 1, options: InitOptions = {}): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/**
 * Glorot/Xavier normal: `N(0, std²)` with `std = gain·√(2 / (fanIn + fanOut))`.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.xavierNormal_(empty([4, 3]));
 * ```
 */
export function xavierNormal_<T extends Tensor>(t: T, gain = 1, options: InitOptions = {}): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/**
 * Options of the Kaiming (He) initialisers.
 *
 * @example
 * ```ts
 * import type { KaimingOptions } from '@kiln/nn';
 * const o: KaimingOptions = { a: Math.sqrt(5), mode: 'fan_in', nonlinearity: 'leaky_relu' };
 * ```
 */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier after this layer (for `leaky_relu`). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/**
 * He uniform: `U(-b, b)` with `b = gain·√(3 / fan)` (PyTorch's default for Linear and Conv
 * weights with `a = √5`).
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.kaimingUniform_(empty([4, 3]), { a: Math.sqrt(5) });
 * ```
 */
export function kaimingUniform_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options);
}

/**
 * He normal: `N(0, std²)` with `std = gain / √fan`.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.kaimingNormal_(empty([4, 3]), { nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  return normal_(t, 0, kaimingStd(t, options), options);
}

/**
 * Normal samples truncated to `[a, b]` (inverse-CDF sampling, as PyTorch does), named as
 * PyTorch's `trunc_normal_`. Drawn on the host from the generator's stream, then copied over.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.trunc_normal_(empty([100]), 0, 1, -2, 2);
 * ```
 */
export function trunc_normal_<T extends Tensor>(
  t: T,
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  options: InitOptions = {},
): T {
  if (!(a < b)) throw new ValueError(`trunc_normal_: expected a < b (got a=${a}, b=${b})`);
  const cdf = (x: number): number => (1 + erf(x / Math.SQRT2)) / 2;
  const l = cdf((a - mean) / std);
  const u = cdf((b - mean) / std);
  const n = t.numel();
  const draws = (options.generator ?? defaultGenerator).uniform(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = 2 * l - 1 + draws[i]! * (2 * u - 2 * l);
    const v = erfinv(p) * std * Math.SQRT2 + mean;
    values[i] = Math.min(Math.max(v, a), b);
  }
  return writeHost(t, values);
}

function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  // Maclaurin series: converges for the |x| used here and is exact to double precision.
  let sum = x;
  let term = x;
  for (let n = 1; n < 120; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function erfinv(y: number): number {
  if (y <= -1) return Number.NEGATIVE_INFINITY;
  if (y >= 1) return Number.POSITIVE_INFINITY;
  // Newton's method on erf from a good logarithmic first guess.
  const w = -Math.log((1 - y) * (1 + y));
  let x =
    Math.sign(y) *
    Math.sqrt(Math.sqrt((2 / (Math.PI * 0.147) + w / 2) ** 2 - w / 0.147) - (2 / (Math.PI * 0.147) + w / 2));
  for (let i = 0; i < 4; i++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

function writeHost<T extends Tensor>(t: T, values: Float64Array): T {
  return noGrad(() => {
    const src = fromTypedArray(t.dtype === 'float64' ? values : Float32Array.from(values), t.shape, {
      device: t.device,
    });
    t.copy_(src);
    src.dispose();
    return t;
  });
}

/**
 * A (semi-)orthogonal matrix from the QR decomposition of a normal sample (signs fixed by R's
 * diagonal, as PyTorch), scaled by `gain`, as `torch.nn.init.orthogonal_`. Computed on the host
 * with modified Gram–Schmidt.
 *
 * @example
 * ```ts
 * import { init } from '@kiln/nn';
 * import { empty } from '@kiln/autograd';
 * init.orthogonal_(empty([3, 3]));
 * ```
 */
export function orthogonal_<T extends Tensor>(t: T, gain = 1, options: InitOptions = {}): T {
  if (t.ndim < 2) throw new ValueError('orthogonal_: Only tensors with 2 or more dimensions are supported');
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const draw = randn([m, n], {
    dtype: 'float64',
    ...(options.generator ? { generator: options.generator } : {}),
  });
  const sample = Float64Array.from(draw.dataSync() as Float64Array);
  draw.dispose();
  const q = sample.slice();
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += q[i * n + k]! * q[i * n + j]!;
      for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! - d * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    // R's diagonal entry is the projection of the sample column on q_j: positive by construction,
    // so Q already carries PyTorch's sign convention (Q · diag(sign(R))).
    for (let i = 0; i < m; i++) q[i * n + j] = (q[i * n + j]! / norm) * gain;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = transposed ? q[j * n + i]! : q[i * n + j]!;
  }
  return writeHost(t, out);
}
