import { enableGrad, fromTypedArray, noGrad, type Tensor, ValueError } from '@kiln/autograd';
import { checkLr } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link LBFGS} (PyTorch's names in camelCase).
 *
 * @example
 * ```ts
 * import type { LBFGSOptions } from '@kiln/optim';
 * const o: Partial<LBFGSOptions> = { lineSearchFn: 'strong_wolfe' };
 * ```
 */
export interface LBFGSOptions {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: 'strong_wolfe' | null;
}

type Vec = Float64Array;

const dot = (a: Vec, b: Vec): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Vec): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** Minimiser of the cubic through two points with values and derivatives, clamped to bounds. */
function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  lo?: number,
  hi?: number,
): number {
  const [xmin, xmax] = lo !== undefined && hi !== undefined ? [lo, hi] : x1 <= x2 ? [x1, x2] : [x2, x1];
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const pos =
      x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(pos, xmin), xmax);
  }
  return (xmin + xmax) / 2;
}

/**
 * Limited-memory BFGS, as `torch.optim.LBFGS`: one parameter group, a closure that re-evaluates
 * the loss (and its gradients) is required, and an optional strong-Wolfe line search. Works on a
 * flat host copy of the parameters, so it runs on every backend (it is meant for small problems).
 *
 * @example
 * ```ts
 * import { LBFGS } from '@kiln/optim';
 * import { tensor } from '@kiln/autograd';
 * const x = tensor([1.5, -0.5], { requiresGrad: true });
 * const opt = new LBFGS([x], { lineSearchFn: 'strong_wolfe' });
 * opt.step(() => {
 *   opt.zeroGrad();
 *   const loss = x.sub(1).square().sum();
 *   loss.backward();
 *   return loss;
 * });
 * ```
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private readonly history = {
    d: null as Vec | null,
    t: 0,
    oldDirs: [] as Vec[],
    oldSteps: [] as Vec[],
    ro: [] as number[],
    hDiag: 1,
    prevFlatGrad: null as Vec | null,
    prevLoss: 0,
    funcEvals: 0,
    nIter: 0,
  };

  constructor(params: ParamsInput<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const maxIter = options.maxIter ?? 20;
    super(params, {
      lr: 1,
      maxIter,
      maxEval: Math.floor((maxIter * 5) / 4),
      toleranceGrad: 1e-7,
      toleranceChange: 1e-9,
      historySize: 100,
      lineSearchFn: null,
      ...options,
    });
    if (this.paramGroups.length !== 1)
      throw new ValueError("LBFGS doesn't support per-parameter options (parameter groups)");
  }

  get name(): string {
    return 'LBFGS';
  }

  protected validate(o: LBFGSOptions): void {
    checkLr(o.lr);
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strong_wolfe') {
      throw new ValueError(`LBFGS: only 'strong_wolfe' is supported (got ${String(o.lineSearchFn)})`);
    }
  }

  protected updateGroup(_group: ParamGroup<LBFGSOptions>): void {
    throw new ValueError('LBFGS: step() requires a closure that returns the loss');
  }

  private params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  private flatGrad(): Vec {
    const parts = this.params().map((p) =>
      p.grad === null ? new Float64Array(p.numel()) : Float64Array.from(p.grad.dataSync(), Number),
    );
    const n = parts.reduce((a, b) => a + b.length, 0);
    const out = new Float64Array(n);
    let o = 0;
    for (const part of parts) {
      out.set(part, o);
      o += part.length;
    }
    return out;
  }

  private flatParams(): Vec {
    const parts = this.params().map((p) => Float64Array.from(p.dataSync(), Number));
    const out = new Float64Array(parts.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const part of parts) {
      out.set(part, o);
      o += part.length;
    }
    return out;
  }

  private setParams(values: Vec): void {
    noGrad(() => {
      let o = 0;
      for (const p of this.params()) {
        const n = p.numel();
        const slice = values.subarray(o, o + n);
        const src = fromTypedArray(
          p.dtype === 'float64' ? Float64Array.from(slice) : Float32Array.from(slice),
          p.shape,
          { device: p.device },
        );
        p.copy_(src);
        src.dispose();
        o += n;
      }
    });
  }

  private evaluate(closure: () => number | Tensor, x: Vec, t: number, d: Vec): [number, Vec] {
    const moved = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) moved[i] = x[i]! + t * d[i]!;
    this.setParams(moved);
    const loss = enableGrad(() => closure());
    const value = typeof loss === 'number' ? loss : Number(loss.item());
    const g = this.flatGrad();
    this.setParams(x);
    return [value, g];
  }

  private strongWolfe(
    closure: () => number | Tensor,
    x: Vec,
    t0: number,
    d: Vec,
    f: number,
    g: Vec,
    gtd: number,
  ): [number, Vec, number, number] {
    const c1 = 1e-4;
    const c2 = 0.9;
    const toleranceChange = 1e-9;
    const maxLs = 25;
    let t = t0;
    const dNorm = maxAbs(d);
    let [fNew, gNew] = this.evaluate(closure, x, t, d);
    let evals = 1;
    let gtdNew = dot(gNew, d);
    let tPrev = 0;
    let fPrev = f;
    let gPrev = g;
    let gtdPrev = gtd;
    let done = false;
    let iter = 0;
    let bracket: number[] = [];
    let bracketF: number[] = [];
    let bracketG: Vec[] = [];
    let bracketGtd: number[] = [];
    while (iter < maxLs) {
      if (fNew > f + c1 * t * gtd || (iter > 1 && fNew >= fPrev)) {
        bracket = [tPrev, t];
        bracketF = [fPrev, fNew];
        bracketG = [gPrev, gNew];
        bracketGtd = [gtdPrev, gtdNew];
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        bracket = [t];
        bracketF = [fNew];
        bracketG = [gNew];
        done = true;
        break;
      }
      if (gtdNew >= 0) {
        bracket = [tPrev, t];
        bracketF = [fPrev, fNew];
        bracketG = [gPrev, gNew];
        bracketGtd = [gtdPrev, gtdNew];
        break;
      }
      const minStep = t + 0.01 * (t - tPrev);
      const maxStep = t * 10;
      const tmp = t;
      t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
      tPrev = tmp;
      fPrev = fNew;
      gPrev = gNew;
      gtdPrev = gtdNew;
      [fNew, gNew] = this.evaluate(closure, x, t, d);
      evals++;
      gtdNew = dot(gNew, d);
      iter++;
    }
    if (iter === maxLs) {
      bracket = [0, t];
      bracketF = [f, fNew];
      bracketG = [g, gNew];
    }
    let insufProgress = false;
    let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
    while (!done && iter < maxLs) {
      if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
      t = cubicInterpolate(
        bracket[0]!,
        bracketF[0]!,
        bracketGtd[0]!,
        bracket[1]!,
        bracketF[1]!,
        bracketGtd[1]!,
      );
      const bMax = Math.max(...bracket);
      const bMin = Math.min(...bracket);
      const eps = 0.1 * (bMax - bMin);
      if (Math.min(bMax - t, t - bMin) < eps) {
        if (insufProgress || t >= bMax || t <= bMin) {
          t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
          insufProgress = false;
        } else insufProgress = true;
      } else insufProgress = false;
      [fNew, gNew] = this.evaluate(closure, x, t, d);
      evals++;
      gtdNew = dot(gNew, d);
      iter++;
      if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]!) {
        bracket[highPos] = t;
        bracketF[highPos] = fNew;
        bracketG[highPos] = gNew;
        bracketGtd[highPos] = gtdNew;
        [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
        else if (gtdNew * (bracket[highPos]! - bracket[lowPos]!) >= 0) {
          bracket[highPos] = bracket[lowPos]!;
          bracketF[highPos] = bracketF[lowPos]!;
          bracketG[highPos] = bracketG[lowPos]!;
          bracketGtd[highPos] = bracketGtd[lowPos]!;
        }
        bracket[lowPos] = t;
        bracketF[lowPos] = fNew;
        bracketG[lowPos] = gNew;
        bracketGtd[lowPos] = gtdNew;
      }
    }
    return [bracketF[lowPos]!, bracketG[lowPos]!, bracket[lowPos]!, evals];
  }

  /**
   * Runs up to `maxIter` L-BFGS iterations; `closure` must zero the gradients, compute the loss,
   * call `backward()` and return the loss. Returns the first loss, as PyTorch does.
   */
  override step(closure?: () => number | Tensor): number | undefined {
    if (closure === undefined) throw new ValueError('LBFGS: step() requires a closure that returns the loss');
    const g0 = this.paramGroups[0]!;
    const h = this.history;
    const first = enableGrad(() => closure());
    const origLoss = typeof first === 'number' ? first : Number(first.item());
    let loss = origLoss;
    h.funcEvals++;
    let flatGrad = this.flatGrad();
    if (maxAbs(flatGrad) <= g0.toleranceGrad) return origLoss;
    let d = h.d;
    let t = h.t;
    let currentEvals = 1;
    let nIter = 0;
    while (nIter < g0.maxIter) {
      nIter++;
      h.nIter++;
      if (h.nIter === 1 || d === null) {
        d = flatGrad.map((v) => -v);
        h.oldDirs = [];
        h.oldSteps = [];
        h.ro = [];
        h.hDiag = 1;
      } else {
        const prev = h.prevFlatGrad!;
        const y = flatGrad.map((v, i) => v - prev[i]!);
        const s = d.map((v) => v * t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (h.oldDirs.length === g0.historySize) {
            h.oldDirs.shift();
            h.oldSteps.shift();
            h.ro.shift();
          }
          h.oldDirs.push(y);
          h.oldSteps.push(s);
          h.ro.push(1 / ys);
          h.hDiag = ys / dot(y, y);
        }
        const k = h.oldDirs.length;
        const al = new Array<number>(k);
        const q = flatGrad.map((v) => -v);
        for (let i = k - 1; i >= 0; i--) {
          al[i] = dot(h.oldSteps[i]!, q) * h.ro[i]!;
          const dir = h.oldDirs[i]!;
          for (let j = 0; j < q.length; j++) q[j]! -= al[i]! * dir[j]!;
        }
        const r = q.map((v) => v * h.hDiag);
        for (let i = 0; i < k; i++) {
          const be = dot(h.oldDirs[i]!, r) * h.ro[i]!;
          const st = h.oldSteps[i]!;
          for (let j = 0; j < r.length; j++) r[j]! += st[j]! * (al[i]! - be);
        }
        d = r;
      }
      h.prevFlatGrad = flatGrad.slice();
      h.prevLoss = loss;
      t = h.nIter === 1 ? Math.min(1, 1 / flatGrad.reduce((a, v) => a + Math.abs(v), 0)) * g0.lr : g0.lr;
      const gtd = dot(flatGrad, d);
      if (gtd > -g0.toleranceChange) break;
      let lsEvals = 0;
      if (g0.lineSearchFn === 'strong_wolfe') {
        const x = this.flatParams();
        const [fNew, gNew, tNew, evals] = this.strongWolfe(closure, x, t, d, loss, flatGrad, gtd);
        loss = fNew;
        flatGrad = gNew;
        t = tNew;
        lsEvals = evals;
        this.setParams(x.map((v, i) => v + t * d![i]!));
      } else {
        const x = this.flatParams();
        this.setParams(x.map((v, i) => v + t * d![i]!));
        if (nIter !== g0.maxIter) {
          const l = enableGrad(() => closure());
          loss = typeof l === 'number' ? l : Number(l.item());
          flatGrad = this.flatGrad();
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      h.funcEvals += lsEvals;
      if (nIter === g0.maxIter || currentEvals >= g0.maxEval) break;
      if (maxAbs(flatGrad) <= g0.toleranceGrad) break;
      if (maxAbs(d) * Math.abs(t) <= g0.toleranceChange) break;
      if (Math.abs(loss - h.prevLoss) < g0.toleranceChange) break;
    }
    h.d = d;
    h.t = t;
    return origLoss;
  }
}
