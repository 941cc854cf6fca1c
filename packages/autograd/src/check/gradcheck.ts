import { fromTypedArray, Generator, KilnError, randn, type Tensor, ValueError } from '@kiln/tensor';
import { grad } from '../engine/backward.js';
import { enableGrad, noGrad } from '../engine/grad-mode.js';

/**
 * Tolerances of `gradcheck`: an entry passes when |analytical − numerical| ≤ atol + rtol·|numerical|.
 *
 * @example
 * ```ts
 * import type { GradcheckOptions } from '@kiln/autograd';
 * const options: GradcheckOptions = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };
 * ```
 */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
}

/**
 * A function of tensors whose gradients are checked (one output or several).
 *
 * @example
 * ```ts
 * import type { CheckedFunction } from '@kiln/autograd';
 * const f: CheckedFunction = (a, b) => a!.mul(b!).sum();
 * ```
 */
export type CheckedFunction = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function asList(y: Tensor | readonly Tensor[]): readonly Tensor[] {
  return Array.isArray(y) ? (y as readonly Tensor[]) : [y as Tensor];
}

function values(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync() as ArrayLike<number>);
}

/** A fresh float64 leaf with `data` (and the original's requiresGrad). */
function leafLike(x: Tensor, data: Float64Array): Tensor {
  return fromTypedArray(data, x.shape, { device: x.device, requiresGrad: x.requiresGrad });
}

function formatIndex(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    idx[d] = flat % s;
    flat = Math.floor(flat / s);
  }
  return `[${idx.join(', ')}]`;
}

interface Worst {
  excess: number;
  output: number;
  input: number;
  outIndex: number;
  inIndex: number;
  analytical: number;
  numerical: number;
}

/**
 * Checks the gradients of `fn` at `inputs` against central finite differences, in float64
 * (PyTorch's `torch.autograd.gradcheck`). Every input that requires grad must be float64.
 * Returns true, or throws a `KilnError` describing the worst mismatching Jacobian entry.
 *
 * @example
 * ```ts
 * import { gradcheck, randn } from '@kiln/autograd';
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradcheck((a) => a.tanh().mul(a), [x]); // true
 * ```
 */
export function gradcheck(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): true {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const diff: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    if (!x.requiresGrad) continue;
    if (x.dtype !== 'float64') {
      throw new ValueError(
        `gradcheck: input ${i} requires grad but has dtype ${x.dtype} (expected float64)\nhelp: finite differences need double precision; create the input with { dtype: 'float64' }`,
      );
    }
    diff.push(i);
  }
  const base = inputs.map(values);
  const outputs = enableGrad(() => asList(fn(...inputs)));
  const outSizes = outputs.map((o) => o.numel());

  // numerical[o][k] is the Jacobian block of output o w.r.t. input diff[k], stored [outElem][inElem].
  const numerical = outputs.map((o) => diff.map((i) => new Float64Array(o.numel() * inputs[i]!.numel())));
  for (let k = 0; k < diff.length; k++) {
    const i = diff[k]!;
    const n = inputs[i]!.numel();
    for (let e = 0; e < n; e++) {
      const plus = evaluate(fn, inputs, base, i, e, eps);
      const minus = evaluate(fn, inputs, base, i, e, -eps);
      for (let o = 0; o < outputs.length; o++) {
        const block = numerical[o]![k]!;
        const p = plus[o]!;
        const m = minus[o]!;
        for (let r = 0; r < p.length; r++) block[r * n + e] = (p[r]! - m[r]!) / (2 * eps);
      }
    }
  }

  const differentiated = diff.map((i) => inputs[i]!);
  let worst: Worst | null = null;
  for (let o = 0; o < outputs.length; o++) {
    const out = outputs[o]!;
    for (let r = 0; r < outSizes[o]!; r++) {
      let rows: (Tensor | null)[];
      if (!out.requiresGrad || differentiated.length === 0) rows = differentiated.map(() => null);
      else {
        const oneHot = new Float64Array(outSizes[o]!);
        oneHot[r] = 1;
        const seed = fromTypedArray(oneHot, out.shape, { device: out.device }).to(out.dtype);
        rows = grad(out, differentiated, { gradOutputs: seed, retainGraph: true, allowUnused: true });
      }
      for (let k = 0; k < diff.length; k++) {
        const x = differentiated[k]!;
        const n = x.numel();
        const row = rows[k];
        if (row !== null && row !== undefined && row.shape.join() !== x.shape.join()) {
          throw new KilnError(
            `gradcheck: the gradient of input ${diff[k]} has shape [${row.shape.join(', ')}] (expected [${x.shape.join(', ')}])`,
          );
        }
        const a = row === null || row === undefined ? new Float64Array(n) : values(row);
        const block = numerical[o]![k]!;
        for (let e = 0; e < n; e++) {
          const num = block[r * n + e]!;
          const ana = a[e]!;
          const excess = Math.abs(ana - num) - (atol + rtol * Math.abs(num));
          if ((excess > 0 || Number.isNaN(excess)) && (worst === null || !(excess <= worst.excess))) {
            worst = {
              excess,
              output: o,
              input: diff[k]!,
              outIndex: r,
              inIndex: e,
              analytical: ana,
              numerical: num,
            };
          }
        }
      }
    }
  }
  if (worst !== null) {
    const out = outputs[worst.output]!;
    const x = inputs[worst.input]!;
    throw new KilnError(
      `gradcheck: Jacobian mismatch for output ${worst.output} with respect to input ${worst.input}: d output${formatIndex(worst.outIndex, out.shape)} / d input${formatIndex(worst.inIndex, x.shape)} is ${worst.analytical} analytically but ${worst.numerical} numerically (atol ${atol}, rtol ${rtol})`,
    );
  }
  return true;
}

/** Outputs of `fn` with element `e` of input `i` moved by `delta`, as flat float64 arrays. */
function evaluate(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  base: readonly Float64Array[],
  i: number,
  e: number,
  delta: number,
): Float64Array[] {
  const args = inputs.map((x, j) => {
    if (j !== i) return leafLike(x, base[j]!);
    const data = base[j]!.slice();
    data[e] = data[e]! + delta;
    return leafLike(x, data);
  });
  // NOTE: grad mode stays on so that a checked function may itself call grad() (gradgradcheck).
  const outs = enableGrad(() => asList(fn(...args)));
  return noGrad(() => outs.map(values));
}

/**
 * Checks second derivatives: runs `gradcheck` on the function that maps the inputs (and random
 * output gradients) to the gradients of `fn`, computed with `createGraph`
 * (PyTorch's `gradgradcheck`).
 *
 * @example
 * ```ts
 * import { gradgradcheck, randn } from '@kiln/autograd';
 * const x = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradgradcheck((a) => a.sin().mul(a), [x]); // true
 * ```
 */
export function gradgradcheck(
  fn: CheckedFunction,
  inputs: readonly Tensor[],
  options: GradcheckOptions & { seed?: number } = {},
): true {
  const generator = new Generator(options.seed ?? 0);
  const shapes = noGrad(() => asList(fn(...inputs)).map((o) => o.shape));
  const vs = shapes.map((shape) => randn(shape, { dtype: 'float64', generator, requiresGrad: true }));
  const n = inputs.length;
  const firstOrder: CheckedFunction = (...args) => {
    const xs = args.slice(0, n);
    const outs = asList(fn(...xs));
    const wrt = xs.filter((x) => x.requiresGrad);
    const gs = grad(outs, wrt, { gradOutputs: args.slice(n), createGraph: true, allowUnused: true });
    return gs.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(firstOrder, [...inputs, ...vs], options);
}
