import { toFloat64 } from './activations.js';
import { type Elems, elemsOf } from './elems.js';
import { isContiguous } from './shape.js';
import type { Out, View } from './tensor-types.js';

/**
 * Options of {@link adamStep}, as the contract passes them.
 *
 * @example
 * ```ts
 * const o: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
 * ```
 */
export interface AdamOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly step: number;
  readonly maximize: boolean;
}

/**
 * Options of {@link sgdStep}, as the contract passes them.
 *
 * @example
 * ```ts
 * const o: SgdOptions = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true };
 * ```
 */
export interface SgdOptions {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  readonly firstStep: boolean;
}

const identity = (v: number): number => v;

function gradData(grad: View): { g: Elems; go: number } {
  if (isContiguous(grad.shape, grad.strides)) return { g: elemsOf(grad), go: grad.offset };
  return { g: toFloat64(grad), go: 0 };
}

/**
 * One Adam/AdamW step in place, following `torch.optim.Adam`'s single-tensor path operation by
 * operation: maximize, weight decay (L2 into the gradient, or AdamW's `param *= 1 - lr·wd`),
 * `exp_avg.lerp_(grad, 1 - β1)`, `exp_avg_sq.mul_(β2).addcmul_(grad, grad, 1 - β2)`,
 * `denom = sqrt(exp_avg_sq) / sqrt(1 - β2^t) + eps`, `param.addcdiv_(exp_avg, denom, -lr / (1 - β1^t))`.
 * For float32 storages every intermediate is rounded to float32 (`Math.fround`), as PyTorch's
 * float kernels compute; results agree with PyTorch to about one float32 ulp (its vectorised
 * kernels may fuse a multiply-add into one rounding).
 *
 * @example
 * ```ts
 * adamStep(param, grad, expAvg, expAvgSq, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false });
 * ```
 */
export function adamStep(param: Out, grad: View, expAvg: Out, expAvgSq: Out, o: AdamOptions): void {
  const p = elemsOf(param);
  const m = elemsOf(expAvg);
  const v = elemsOf(expAvgSq);
  const { g, go } = gradData(grad);
  let n = 1;
  for (const s of param.shape) n *= s;
  if (
    p instanceof Float32Array &&
    m instanceof Float32Array &&
    v instanceof Float32Array &&
    g instanceof Float32Array
  ) {
    adamF32(p, param.offset, g, go, m, expAvg.offset, v, expAvgSq.offset, n, o);
    return;
  }
  const r = param.storage.dtype === 'float32' ? Math.fround : identity;
  // Python-side scalars are float64, then cast to the tensor's type when the kernel runs.
  const decay = r(1 - o.lr * o.weightDecay);
  const wd = r(o.weightDecay);
  const w1 = r(1 - o.beta1);
  const b2 = r(o.beta2);
  const c2 = r(1 - o.beta2);
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.lr / bc1;
  const bc2Sqrt = r(Math.sqrt(bc2));
  const eps = r(o.eps);
  const negStep = r(-stepSize);
  for (let i = 0; i < n; i++) {
    const pi = param.offset + i;
    const mi = expAvg.offset + i;
    const vi = expAvgSq.offset + i;
    let gr: number = g[go + i];
    if (o.maximize) gr = -gr;
    let pv: number = p[pi];
    if (o.weightDecay !== 0) {
      if (o.decoupled) pv = r(pv * decay);
      else gr = r(gr + r(wd * pv));
    }
    // lerp as ATen computes it: weight < 0.5 uses start + w·(end − start).
    const mv: number = m[mi];
    const diff = r(gr - mv);
    const mNew = Math.abs(w1) < 0.5 ? r(mv + r(w1 * diff)) : r(gr - r(diff * r(1 - w1)));
    const vNew = r(r(v[vi] * b2) + r(r(c2 * gr) * gr));
    const denom = r(r(r(Math.sqrt(vNew)) / bc2Sqrt) + eps);
    p[pi] = r(pv + r(r(negStep * mNew) / denom));
    m[mi] = mNew;
    v[vi] = vNew;
  }
}

/**
 * The float32 Adam loop: the same arithmetic as the general one, with `Math.fround` called
 * directly (so V8 inlines it as one conversion) on Float32Arrays only (monomorphic accesses).
 */
function adamF32(
  p: Float32Array,
  po: number,
  g: Float32Array,
  go: number,
  m: Float32Array,
  mo: number,
  v: Float32Array,
  vo: number,
  n: number,
  o: AdamOptions,
): void {
  const f = Math.fround;
  const decay = f(1 - o.lr * o.weightDecay);
  const wd = f(o.weightDecay);
  const w1 = f(1 - o.beta1);
  const w1c = f(1 - w1);
  const small = Math.abs(w1) < 0.5;
  const b2 = f(o.beta2);
  const c2 = f(1 - o.beta2);
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2Sqrt = f(Math.sqrt(1 - o.beta2 ** o.step));
  const eps = f(o.eps);
  const negStep = f(-(o.lr / bc1));
  const sign = o.maximize ? -1 : 1;
  const l2 = o.weightDecay !== 0 && !o.decoupled;
  const decoupled = o.weightDecay !== 0 && o.decoupled;
  for (let i = 0; i < n; i++) {
    let gr = sign * g[go + i]!;
    let pv = p[po + i]!;
    if (decoupled) pv = f(pv * decay);
    else if (l2) gr = f(gr + f(wd * pv));
    const mv = m[mo + i]!;
    const diff = f(gr - mv);
    const mNew = small ? f(mv + f(w1 * diff)) : f(gr - f(diff * w1c));
    const vNew = f(f(v[vo + i]! * b2) + f(f(c2 * gr) * gr));
    const denom = f(f(f(Math.sqrt(vNew)) / bc2Sqrt) + eps);
    p[po + i] = pv + f(f(negStep * mNew) / denom);
    m[mo + i] = mNew;
    v[vo + i] = vNew;
  }
}

/**
 * One SGD step in place, as `torch.optim.SGD`'s single-tensor path: maximize, L2 weight decay
 * into the gradient, momentum buffer (a copy of the gradient on the first step, else
 * `buf·momentum + (1 − dampening)·grad`), optional Nesterov, then `param += −lr · update`.
 *
 * @example
 * ```ts
 * sgdStep(param, grad, null, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true });
 * ```
 */
export function sgdStep(param: Out, grad: View, momentumBuffer: Out | null, o: SgdOptions): void {
  const r = param.storage.dtype === 'float32' ? Math.fround : identity;
  const p = elemsOf(param);
  const b = momentumBuffer ? elemsOf(momentumBuffer) : null;
  const bOff = momentumBuffer ? momentumBuffer.offset : 0;
  const { g, go } = gradData(grad);
  let n = 1;
  for (const s of param.shape) n *= s;
  const wd = r(o.weightDecay);
  const mom = r(o.momentum);
  const damp = r(1 - o.dampening);
  const negLr = r(-o.lr);
  for (let i = 0; i < n; i++) {
    const pi = param.offset + i;
    let gr: number = g[go + i];
    if (o.maximize) gr = -gr;
    const pv: number = p[pi];
    if (o.weightDecay !== 0) gr = r(gr + r(wd * pv));
    if (b && o.momentum !== 0) {
      const buf = o.firstStep ? gr : r(r(b[bOff + i] * mom) + r(damp * gr));
      b[bOff + i] = buf;
      gr = o.nesterov ? r(gr + r(mom * buf)) : buf;
    }
    p[pi] = r(pv + r(negLr * gr));
  }
}
