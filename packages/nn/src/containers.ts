import { type Tensor, ValueError } from '@kiln/autograd';
import { Module } from './module.js';

/** A module that maps one tensor to one tensor (what `Sequential` chains). */
export type TensorModule = Module<[Tensor], Tensor>;

/**
 * Runs modules in order, feeding each one's output to the next, as `torch.nn.Sequential`.
 * Children are named `0`, `1`, … (or by the keys of an object), so state dicts match PyTorch's.
 *
 * @example
 * ```ts
 * import { Sequential, Linear, ReLU } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * mlp.call(randn([3, 4])).shape; // [3, 2]
 * ```
 */
export class Sequential extends Module<[Tensor], Tensor> {
  constructor(...modules: TensorModule[] | [Record<string, TensorModule>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== undefined && !(first instanceof Module)) {
      for (const [k, m] of Object.entries(first))
        this.registerModule(k, m as unknown as Module<never, unknown>);
    } else {
      (modules as TensorModule[]).forEach((m, i) => {
        this.registerModule(String(i), m as unknown as Module<never, unknown>);
      });
    }
  }

  /** Appends a module (named by its index). Returns itself. */
  append(module: TensorModule): this {
    this.registerModule(String(this.children().length), module as unknown as Module<never, unknown>);
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): TensorModule {
    const kids = this.children();
    const i = index < 0 ? index + kids.length : index;
    const m = kids[i];
    if (m === undefined)
      throw new ValueError(
        `Sequential: index ${index} is out of range (got ${index}, expected -${kids.length}..${kids.length - 1})`,
      );
    return m as unknown as TensorModule;
  }

  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.children()) y = (m as unknown as TensorModule).call(y);
    return y;
  }
}

/**
 * A list of modules registered as children `0`, `1`, … (for models that index them), as
 * `torch.nn.ModuleList`. It has no forward of its own.
 *
 * @example
 * ```ts
 * import { ModuleList, Linear } from '@kiln/nn';
 * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 * layers.length; // 2
 * ```
 */
export class ModuleList<M extends Module<never, unknown> = Module<never, unknown>> extends Module<[], never> {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Appends a module. Returns itself. */
  append(module: M): this {
    this.registerModule(String(this.children().length), module);
    return this;
  }

  /** Appends several modules. Returns itself. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const kids = this.children();
    const i = index < 0 ? index + kids.length : index;
    const m = kids[i];
    if (m === undefined)
      throw new ValueError(
        `ModuleList: index ${index} is out of range (got ${index}, expected -${kids.length}..${kids.length - 1})`,
      );
    return m as M;
  }

  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }

  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }

  forward(): never {
    throw new ValueError('ModuleList: has no forward; call its modules');
  }
}

/**
 * Modules by name, as `torch.nn.ModuleDict`. It has no forward of its own.
 *
 * @example
 * ```ts
 * import { ModuleDict, Linear } from '@kiln/nn';
 * const heads = new ModuleDict({ a: new Linear(4, 2), b: new Linear(4, 3) });
 * heads.get('b');
 * ```
 */
export class ModuleDict<M extends Module<never, unknown> = Module<never, unknown>> extends Module<[], never> {
  constructor(modules: Record<string, M> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  /** Adds or replaces a module. */
  set(key: string, module: M): void {
    this.registerModule(key, module);
  }

  /** The module under `key`. */
  get(key: string): M {
    const m = this.namedChildren().find(([k]) => k === key);
    if (m === undefined) throw new ValueError(`ModuleDict: no module named '${key}'`);
    return m[1] as M;
  }

  /** Whether a key is present. */
  has(key: string): boolean {
    return this.namedChildren().some(([k]) => k === key);
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  forward(): never {
    throw new ValueError('ModuleDict: has no forward; call its modules');
  }
}
