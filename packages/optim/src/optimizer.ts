import { isTensor, noGrad, type Tensor, ValueError } from '@kiln/autograd';

/** A value held in optimizer state: a tensor (moments, buffers) or a number (step counts). */
export type StateValue = Tensor | number;

/** Per-parameter optimizer state, keyed by PyTorch's names (`exp_avg` → `expAvg`, …). */
export type ParamState = Record<string, StateValue>;

/**
 * A parameter group: its parameters and the options that apply to them.
 *
 * @example
 * ```ts
 * import { SGD, type ParamGroup } from '@kiln/optim';
 * declare const sgd: SGD;
 * const group: ParamGroup<{ lr: number }> = sgd.paramGroups[0]!;
 * ```
 */
export type ParamGroup<O> = O & { params: Tensor[] };

/**
 * What the constructor and `addParamGroup` take: parameters, or groups with per-group options.
 *
 * @example
 * ```ts
 * import { SGD } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * const b = ones([1], { requiresGrad: true });
 * new SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1 });
 * ```
 */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<{ params: Iterable<Tensor> } & Partial<O>>;

/**
 * An optimizer's saved state: per-parameter state keyed by the parameter's index across groups,
 * and the groups' options with their parameters as indices — PyTorch's `state_dict()` layout, so a
 * checkpoint resumes exactly.
 *
 * @example
 * ```ts
 * import type { OptimizerStateDict } from '@kiln/optim';
 * const empty: OptimizerStateDict<{ lr: number }> = { state: {}, paramGroups: [] };
 * ```
 */
export interface OptimizerStateDict<O> {
  state: Record<number, ParamState>;
  paramGroups: (O & { params: number[] })[];
}

/**
 * The base of every optimizer, as `torch.optim.Optimizer`: parameter groups with per-group
 * options, per-parameter state, `zeroGrad`, `step(closure?)`, `addParamGroup` and state dicts.
 * Subclasses implement {@link Optimizer.updateGroup}, which runs under no-grad and updates the
 * parameters in place.
 *
 * @example
 * ```ts
 * import { SGD } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const w = ones([3], { requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1 });
 * w.sum().backward();
 * opt.step();
 * opt.zeroGrad();
 * ```
 */
export abstract class Optimizer<O extends object> {
  /** The options every group starts from. */
  readonly defaults: O;
  /** The parameter groups (mutable, like PyTorch's: schedulers write `lr` here). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily on the first step that sees the parameter. */
  readonly state: Map<Tensor, ParamState> = new Map();

  protected constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = defaults;
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError('Optimizer: optimizer got an empty parameter list');
    if (isTensor(list[0]))
      this.addParamGroup({ params: list as Tensor[] } as { params: Tensor[] } & Partial<O>);
    else for (const g of list as ({ params: Iterable<Tensor> } & Partial<O>)[]) this.addParamGroup(g);
  }

  /** The class name PyTorch prints (`SGD`, `Adam`, …). */
  abstract get name(): string;

  /** Checks a group's options (throws PyTorch's messages). */
  protected abstract validate(options: O): void;

  /** Updates one group's parameters in place (called under no-grad). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /**
   * Adds a parameter group; options not given come from the defaults.
   *
   * @example
   * ```ts
   * import { SGD } from '@kiln/optim';
   * import { ones } from '@kiln/autograd';
   * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 });
   * opt.addParamGroup({ params: [ones([2], { requiresGrad: true })], lr: 0.01 });
   * ```
   */
  addParamGroup(group: { params: Iterable<Tensor> } & Partial<O>): void {
    if (typeof group !== 'object' || group === null || !('params' in group)) {
      throw new ValueError('addParamGroup: param group must be an object with a params field');
    }
    const params = isTensor(group.params) ? [group.params] : [...group.params];
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!isTensor(p))
        throw new ValueError(
          `addParamGroup: optimizer can only optimize Tensors, but one of the params is ${typeof p}`,
        );
      if (!p.isLeaf) throw new ValueError("addParamGroup: can't optimize a non-leaf Tensor");
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new ValueError(
          `addParamGroup: can only optimize Tensors of floating point dtype (got ${p.dtype})`,
        );
      }
      if (seen.has(p))
        throw new ValueError('addParamGroup: optimizer contains a parameter group with duplicate parameters');
      seen.add(p);
    }
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (seen.has(p))
          throw new ValueError('addParamGroup: some parameters appear in more than one parameter group');
      }
    }
    const options = { ...this.defaults } as O;
    for (const [k, v] of Object.entries(group))
      if (k !== 'params' && v !== undefined) (options as Record<string, unknown>)[k] = v;
    this.validate(options);
    this.paramGroups.push({ ...options, params });
  }

  /**
   * Clears gradients: sets them to null (the default, like PyTorch 2) or zeroes them in place.
   *
   * @example
   * ```ts
   * import { SGD } from '@kiln/optim';
   * import { ones } from '@kiln/autograd';
   * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 });
   * opt.zeroGrad({ setToNone: false });
   * ```
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          p.grad = null;
          // NOTE: the optimizer owned nothing else of it; freeing now keeps a loop with no dispose flat.
          if (!grad.requiresGrad) grad.dispose();
        } else {
          if (grad.gradFn !== null) grad.detach_();
          grad.zero_();
        }
      }
    }
  }

  /**
   * Performs one optimization step; `closure` re-evaluates the model and returns the loss.
   *
   * @example
   * ```ts
   * import { SGD } from '@kiln/optim';
   * import { ones } from '@kiln/autograd';
   * const w = ones([2], { requiresGrad: true });
   * const opt = new SGD([w], { lr: 0.5 });
   * w.square().sum().backward();
   * opt.step();
   * ```
   */
  step(closure?: () => number | Tensor): number | undefined {
    let loss: number | undefined;
    if (closure !== undefined) {
      const l = closure();
      loss = typeof l === 'number' ? l : Number(l.item());
    }
    noGrad(() => {
      for (const g of this.paramGroups) this.updateGroup(g);
    });
    return loss;
  }

  /** The state of a parameter, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout (parameters as indices). Tensors in it are the live
   * state tensors: clone them if the optimizer keeps running.
   *
   * @example
   * ```ts
   * import { SGD } from '@kiln/optim';
   * import { ones } from '@kiln/autograd';
   * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 });
   * opt.stateDict().paramGroups[0]!.params; // [0]
   * ```
   */
  stateDict(): OptimizerStateDict<O> {
    const state: Record<number, ParamState> = {};
    const paramGroups: (O & { params: number[] })[] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const { params, ...options } = g;
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined) state[index] = { ...s };
        ids.push(index++);
      }
      paramGroups.push({ ...(options as unknown as O), params: ids });
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state dict saved by `stateDict()` (state tensors are copied, so the source can be
   * disposed).
   *
   * @example
   * ```ts
   * import { SGD } from '@kiln/optim';
   * import { ones } from '@kiln/autograd';
   * const p = ones([1], { requiresGrad: true });
   * const a = new SGD([p], { lr: 0.1, momentum: 0.9 });
   * const b = new SGD([p], { lr: 0.1, momentum: 0.9 });
   * b.loadStateDict(a.stateDict());
   * ```
   */
  loadStateDict(stateDict: OptimizerStateDict<O>): void {
    const groups = stateDict.paramGroups;
    if (groups.length !== this.paramGroups.length) {
      throw new ValueError(
        `loadStateDict: loaded state dict has a different number of parameter groups (got ${groups.length}, expected ${this.paramGroups.length})`,
      );
    }
    for (let i = 0; i < groups.length; i++) {
      if (groups[i]!.params.length !== this.paramGroups[i]!.params.length) {
        throw new ValueError(
          `loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i}: got ${groups[i]!.params.length} parameters, expected ${this.paramGroups[i]!.params.length})`,
        );
      }
    }
    const byIndex: Tensor[] = [];
    for (const g of this.paramGroups) byIndex.push(...g.params);
    const next = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(stateDict.state)) {
      const p = byIndex[Number(key)];
      if (p === undefined)
        throw new ValueError(`loadStateDict: state refers to parameter ${key}, which does not exist`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') copy[k] = v;
        else {
          // State follows its parameter's device and dtype, as PyTorch casts it on load.
          const t = v.to(p.device);
          const c = t.dtype === p.dtype || k === 'step' ? t.clone() : t.to(p.dtype);
          copy[k] = (c === v ? v.clone() : c).keep();
        }
      }
      next.set(p, copy);
    }
    this.state.clear();
    for (const [p, s] of next) this.state.set(p, s);
    for (let i = 0; i < groups.length; i++) {
      const { params: _ids, ...options } = groups[i]!;
      const target = this.paramGroups[i]!;
      Object.assign(target, options);
    }
  }

  /** PyTorch-style printout of the groups' options. */
  toString(): string {
    const lines = [`${this.name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const [k, v] of Object.entries(g).sort(([a], [b]) => a.localeCompare(b))) {
        if (k !== 'params') lines.push(`    ${k}: ${String(v)}`);
      }
    });
    lines.push(')');
    return lines.join('\n');
  }
}
