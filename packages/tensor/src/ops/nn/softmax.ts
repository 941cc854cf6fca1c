import { needsRecord1, record } from '../../core/dispatch.js';
import { normalizeDim } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { alive, newTensor, requireFloat } from '../../internal/make.js';
import { runBinary } from '../binary.js';
import { runUnary } from '../unary.js';
import { rawReduce, rawView } from './raw.js';

/**
 * Softmax ops recorded for autograd: inputs `[x]`, outputs `[y]`, `dim` normalised (≥ 0). Their
 * gradients need only the output: `y·(g − Σ g·y)` and `g − exp(y)·Σ g`.
 */
export interface SoftmaxOpAttrs {
  softmax: { dim: number };
  logSoftmax: { dim: number };
}

function softmaxValue(x: Tensor, dim: number, log: boolean): Tensor {
  const backend = x.handle.backend;
  const kernel = log ? backend.kernels.logSoftmax : backend.kernels.softmax;
  if (kernel !== undefined || x.numel() === 0) {
    const out = newTensor(backend, x.dtype, x.shape);
    if (out.numel() > 0) {
      if (log) backend.kernels.logSoftmax!(x, dim, out.out_());
      else backend.kernels.softmax!(x, dim, out.out_());
    }
    return out;
  }
  // NOTE: subtracting the row max keeps exp() ≤ 1, so large logits cannot overflow.
  const m = rawReduce('max', x, [dim]);
  const z = runBinary('sub', x, m, 'arith');
  m.dispose();
  const e = runUnary('exp', z, z.dtype);
  const s = rawReduce('sum', e, [dim]);
  let y: Tensor;
  if (log) {
    const ls = runUnary('log', s, s.dtype);
    y = runBinary('sub', z, ls, 'arith');
    ls.dispose();
  } else {
    y = runBinary('div', e, s, 'arith');
  }
  z.dispose();
  e.dispose();
  s.dispose();
  return y;
}

function run(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number): Tensor {
  alive(x, op);
  requireFloat(op, x);
  // NOTE: as PyTorch, a 0-dim tensor behaves as a 1-element vector (dim 0 or -1).
  const d = normalizeDim(dim, Math.max(x.shape.length, 1), op);
  const view = x.shape.length === 0 ? rawView(x, [1], [1], x.offset, op) : x;
  let y = softmaxValue(view, d, op === 'logSoftmax');
  if (view !== x) {
    view.dispose();
    const y0 = rawView(y, [], [], 0, op);
    y.dispose();
    y = y0;
  }
  if (needsRecord1(x)) record(op, [x], [y], { dim: x.shape.length === 0 ? 0 : d });
  return y;
}

/**
 * `exp(x) / Σ exp(x)` along `dim`, computed stably (the max is subtracted first). Uses the backend's
 * `softmax` kernel when it has one.
 *
 * @example
 * ```ts
 * import { tensor, softmax } from '@kiln/tensor';
 * softmax(tensor([1, 1]), 0).toArray(); // [0.5, 0.5]
 * ```
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return run('softmax', x, dim);
}

/**
 * `x − log Σ exp(x)` along `dim`, stable for large logits. Uses the backend's `logSoftmax` kernel
 * when it has one.
 *
 * @example
 * ```ts
 * import { tensor, logSoftmax } from '@kiln/tensor';
 * logSoftmax(tensor([0, 0]), 0).toArray(); // [-0.6931472, -0.6931472]
 * ```
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return run('logSoftmax', x, dim);
}
