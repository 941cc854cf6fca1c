import { isFloatingDType, isTensor, type Tensor, tidy } from '@kiln/tensor';
import {
  compareToGolden,
  decodeGoldenAttrs,
  decodeGoldenInputs,
  fromGolden,
  type GoldenAdapter,
  type GoldenArg,
  type GoldenOpCase,
  type GoldenTensor,
  goldenOpCases,
  NN_GOLDEN_OPS,
  tensorGoldenOps,
} from '@kiln/tensor/testing';
import { grad } from '../index.js';

/**
 * The outcome of one golden gradient case. `ok` is false only for a failure; skipped cases
 * (no adapter for the op, e.g. the losses `@kiln/nn` provides) have `skipped: true`.
 *
 * @example
 * ```ts
 * import type { GradientGoldenResult } from '@kiln/autograd/testing';
 * const failed = (rs: GradientGoldenResult[]) => rs.filter((r) => !r.ok);
 * ```
 */
export interface GradientGoldenResult {
  readonly id: string;
  readonly ok: boolean;
  readonly skipped: boolean;
  /** Largest |got − want| over the compared gradients (0 when skipped). */
  readonly maxError: number;
  readonly message: string;
}

/**
 * Options of {@link runGradientGoldens}.
 *
 * @example
 * ```ts
 * import type { GradientGoldenOptions } from '@kiln/autograd/testing';
 * const options: GradientGoldenOptions = { only: (id) => id.startsWith('matmul/') };
 * ```
 */
export interface GradientGoldenOptions {
  /** Op adapters by PyTorch name (default: `@kiln/tensor/testing`'s); packages above add theirs. */
  adapters?: Readonly<Record<string, GoldenAdapter>>;
  /** Runs only the cases whose id passes. */
  only?: (id: string) => boolean;
}

function asList<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/** Turns input `i` into the view the case names (inputs are stored as the base tensor). */
function applyView(base: Tensor, method: string, params: readonly unknown[]): Tensor {
  const n = (k: number): number => Number(params[k]);
  if (method === 'transpose') return base.transpose(n(0), n(1));
  if (method === 'permute') return base.permute((params as number[]).map(Number));
  if (method === 't') return base.t();
  throw new Error(`unknown view method '${method}'`);
}

function runCase(c: GoldenOpCase, device: string, adapter: GoldenAdapter): GradientGoldenResult {
  const wantGrads = c.grads ?? [];
  return tidy(() => {
    const bases = decodeGoldenInputs({ ...c, views: {} }, device);
    const leaves: (Tensor | null)[] = bases.map((a, i) =>
      isTensor(a) && isFloatingDType(a.dtype) && wantGrads[i] !== null && wantGrads[i] !== undefined
        ? a.requiresGrad_(true)
        : null,
    );
    const args: GoldenArg[] = bases.slice();
    for (const [index, [method, params]] of Object.entries(c.views ?? {})) {
      const base = args[Number(index)];
      if (isTensor(base)) args[Number(index)] = applyView(base, method, params);
    }
    const attrs = decodeGoldenAttrs(c, device);
    const outputs = asList(adapter(args, attrs, c.id));
    const upstream = asList(c.upstream ?? []) as readonly GoldenTensor[];
    // Differentiable outputs are the float ones, in order; `upstream` lists one per such output.
    const diffOutputs = outputs.filter((o) => isFloatingDType(o.dtype)).slice(0, upstream.length);
    const ups = upstream.map((u, i) => fromGolden(u, device).to(diffOutputs[i]!.dtype));
    const wrt = leaves.filter((t): t is Tensor => t !== null);
    const used = diffOutputs.filter((o) => o.requiresGrad);
    const usedUps = ups.filter((_, i) => diffOutputs[i]!.requiresGrad);
    const got =
      used.length === 0 || wrt.length === 0
        ? wrt.map(() => null)
        : grad(used, wrt, { gradOutputs: usedUps, allowUnused: true });
    let maxError = 0;
    const problems: string[] = [];
    let k = 0;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i];
      if (leaf === null || leaf === undefined) continue;
      const want = wantGrads[i]!;
      const g = got[k++] ?? leaf.mul(0);
      const cmp = compareToGolden(g, want, c.rtol, c.atol, `${c.id} grad ${i}`);
      maxError = Math.max(maxError, cmp.maxError);
      if (!cmp.ok) problems.push(cmp.message);
    }
    return {
      id: c.id,
      ok: problems.length === 0,
      skipped: false,
      maxError,
      message: problems.length === 0 ? 'ok' : problems.join('; '),
    };
  });
}

/**
 * Runs every golden gradient case of ops.json on `device`: decodes the inputs, marks the float
 * ones that have a golden gradient as requiring grad (before turning them into the case's views),
 * runs the op, backpropagates the case's `upstream` with `grad()` and compares with `grads`.
 * Never throws for a case: each result says pass, fail (with the worst mismatch) or skip.
 *
 * @example
 * ```ts
 * import { runGradientGoldens } from '@kiln/autograd/testing';
 * const failed = runGradientGoldens('cpu').filter((r) => !r.ok);
 * ```
 */
export function runGradientGoldens(
  device: string,
  options: GradientGoldenOptions = {},
): GradientGoldenResult[] {
  const adapters = options.adapters ?? tensorGoldenOps;
  const results: GradientGoldenResult[] = [];
  for (const c of goldenOpCases()) {
    if (c.grads === undefined || c.grads === null) continue;
    if (options.only !== undefined && !options.only(c.id)) continue;
    const adapter = adapters[c.op];
    if (adapter === undefined) {
      const why = NN_GOLDEN_OPS.includes(c.op) ? 'a loss provided by @kiln/nn' : 'no adapter';
      results.push({ id: c.id, ok: true, skipped: true, maxError: 0, message: `skipped: ${why}` });
      continue;
    }
    try {
      results.push(runCase(c, device, adapter));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      results.push({
        id: c.id,
        ok: false,
        skipped: false,
        maxError: Number.POSITIVE_INFINITY,
        message: `${c.id}: threw ${message}`,
      });
    }
  }
  return results;
}
