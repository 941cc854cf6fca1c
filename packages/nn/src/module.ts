import { isTensor, noGrad, type Tensor, tidy, ValueError } from '@kiln/autograd';
import { Parameter } from './parameter.js';

/** A module's state: parameters and persistent buffers by PyTorch's dotted names. */
export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

/**
 * What `loadStateDict` reports when `strict` is false.
 *
 * @example
 * ```ts
 * import type { LoadResult } from '@kiln/nn';
 * const ok = (r: LoadResult) => r.missingKeys.length === 0 && r.unexpectedKeys.length === 0;
 * ```
 */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Any module, whatever its forward's signature (what containers and `modules()` hold).
 *
 * @example
 * ```ts
 * import type { AnyModule } from '@kiln/nn';
 * const names = (ms: AnyModule[]) => ms.map((m) => m.typeName);
 * ```
 */
export type AnyModule = Module<never, unknown>;

/**
 * A hook run after `forward`: it sees the module, its inputs and output, and may return a
 * replacement output (anything but undefined). Loosely typed, like PyTorch's hooks, so that every
 * module stays assignable to {@link AnyModule}.
 */
export type ForwardHook = (module: AnyModule, input: readonly unknown[], output: unknown) => unknown;
/** A hook run before `forward`: may return replacement inputs (an array). */
export type ForwardPreHook = (
  module: AnyModule,
  input: readonly unknown[],
) => readonly unknown[] | undefined | void;

function keepAll(value: unknown): void {
  if (isTensor(value)) value.keep();
  else if (Array.isArray(value)) for (const v of value) keepAll(v);
}

function checkName(kind: string, name: string, owner: Module<never, unknown>): void {
  if (typeof name !== 'string') throw new ValueError(`${kind} name should be a string (got ${typeof name})`);
  if (name === '') throw new ValueError(`${kind} name can't be empty string ""`);
  if (name.includes('.')) throw new ValueError(`${kind} name can't contain "." (got "${name}")`);
  if (owner.hasMember(name)) return;
  if (name in owner) throw new ValueError(`attribute '${name}' already exists`);
}

/**
 * The base class of every layer and model, as `torch.nn.Module`: parameters, buffers and
 * submodules registered explicitly (and readable as properties of the same name), PyTorch's dotted
 * names in `namedParameters()` and `stateDict()`, train/eval mode, device moves, hooks and a
 * printout like PyTorch's.
 *
 * Subclasses declare their members with `declare` (so the class field does not shadow the
 * property `register*` installs) and implement `forward`.
 *
 * @example
 * ```ts
 * import { Module, Linear } from '@kiln/nn';
 * import { type Tensor } from '@kiln/autograd';
 * class Mlp extends Module {
 *   declare fc1: Linear;
 *   declare fc2: Linear;
 *   constructor() {
 *     super();
 *     this.registerModule('fc1', new Linear(4, 8));
 *     this.registerModule('fc2', new Linear(8, 2));
 *   }
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.call(this.fc1.call(x).relu());
 *   }
 * }
 * new Mlp().namedParameters().map(([name]) => name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module<I extends unknown[] = [Tensor], O = Tensor> {
  /** Whether the module is in training mode (dropout active, batch norm using batch statistics). */
  training = true;
  private readonly params = new Map<string, Parameter | null>();
  private readonly bufs = new Map<string, Tensor | null>();
  private readonly nonPersistent = new Set<string>();
  private readonly mods = new Map<string, Module<never, unknown> | null>();
  private forwardHooks: ForwardHook[] = [];
  private forwardPreHooks: ForwardPreHook[] = [];

  /** The computation; call the module with `call(...)` so hooks run. */
  abstract forward(...input: I): O;

  /**
   * Runs pre-hooks, `forward`, then hooks (PyTorch's `module(x)`). Every tensor `forward` creates
   * and does not return is disposed when it returns (tensors autograd saved keep their own
   * reference), so a training loop holds flat memory without a single `dispose`. A module with
   * forward hooks keeps its output alive past enclosing modules, for hooks that capture it.
   */
  call(...input: I): O {
    const self = this as unknown as AnyModule;
    const out = tidy(() => {
      let args = input;
      for (const hook of this.forwardPreHooks) {
        const r = hook(self, args);
        if (r !== undefined) args = r as unknown as I;
      }
      let y = this.forward(...args);
      for (const hook of this.forwardHooks) {
        const r = hook(self, args, y);
        if (r !== undefined) y = r as O;
      }
      return y;
    });
    if (this.forwardHooks.length > 0) keepAll(out);
    return out;
  }

  /** The class name printed by `toString()`. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** @internal Whether a member of that name is registered. */
  hasMember(name: string): boolean {
    return this.params.has(name) || this.bufs.has(name) || this.mods.has(name);
  }

  private define(name: string, get: () => unknown, set: (v: never) => void): void {
    Object.defineProperty(this, name, { get, set, enumerable: true, configurable: true });
  }

  /**
   * Registers (or replaces, or clears with null) a parameter under `name`; it is readable as
   * `this[name]`. Returns the parameter.
   */
  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    checkName('parameter', name, this as unknown as Module<never, unknown>);
    if (this.bufs.has(name) || this.mods.has(name))
      throw new ValueError(`attribute '${name}' already exists`);
    if (param !== null && !(param instanceof Parameter)) {
      throw new ValueError(
        `cannot assign '${typeof param}' object to parameter '${name}' (torch.nn.Parameter or None required)`,
      );
    }
    if (!this.params.has(name))
      this.define(
        name,
        () => this.params.get(name) ?? null,
        (v: Parameter | null) => this.registerParameter(name, v),
      );
    this.params.set(name, param);
    return param;
  }

  /**
   * Registers a buffer (state that is not a parameter, e.g. running statistics). Persistent
   * buffers appear in `stateDict()`. Readable as `this[name]`.
   */
  registerBuffer<T extends Tensor | null>(
    name: string,
    tensor: T,
    options: { persistent?: boolean } = {},
  ): T {
    checkName('buffer', name, this as unknown as Module<never, unknown>);
    if (this.params.has(name) || this.mods.has(name))
      throw new ValueError(`attribute '${name}' already exists`);
    if (tensor !== null && !isTensor(tensor))
      throw new ValueError(
        `cannot assign '${typeof tensor}' object to buffer '${name}' (torch Tensor or None required)`,
      );
    if (!this.bufs.has(name))
      this.define(
        name,
        () => this.bufs.get(name) ?? null,
        (v: Tensor | null) => this.registerBuffer(name, v),
      );
    this.bufs.set(name, tensor);
    if (options.persistent === false) this.nonPersistent.add(name);
    else this.nonPersistent.delete(name);
    return tensor;
  }

  /** Registers a submodule under `name`, readable as `this[name]`. Returns it. */
  registerModule<M extends Module<never, unknown> | null>(name: string, module: M): M {
    checkName('module', name, this as unknown as Module<never, unknown>);
    if (this.params.has(name) || this.bufs.has(name))
      throw new ValueError(`attribute '${name}' already exists`);
    if (module !== null && !(module instanceof Module))
      throw new ValueError(`${typeof module} is not a Module subclass`);
    if (!this.mods.has(name))
      this.define(
        name,
        () => this.mods.get(name) ?? null,
        (v: Module<never, unknown> | null) => this.registerModule(name, v),
      );
    this.mods.set(name, module);
    return module;
  }

  /** Immediate submodules with their names. */
  namedChildren(): [string, Module<never, unknown>][] {
    const out: [string, Module<never, unknown>][] = [];
    for (const [k, m] of this.mods) if (m !== null) out.push([k, m]);
    return out;
  }

  /** Immediate submodules. */
  children(): Module<never, unknown>[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one), each once. */
  namedModules(
    prefix = '',
    seen: Set<Module<never, unknown>> = new Set(),
  ): [string, Module<never, unknown>][] {
    const self = this as unknown as Module<never, unknown>;
    if (seen.has(self)) return [];
    seen.add(self);
    const out: [string, Module<never, unknown>][] = [[prefix, self]];
    for (const [k, m] of this.namedChildren())
      out.push(...m.namedModules(prefix === '' ? k : `${prefix}.${k}`, seen));
    return out;
  }

  /** This module and every descendant. */
  modules(): Module<never, unknown>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name (shared parameters once), in registration order. */
  namedParameters(options: { recurse?: boolean } = {}): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const mods =
      options.recurse === false
        ? [['', this] as unknown as [string, Module<never, unknown>]]
        : this.namedModules();
    for (const [prefix, m] of mods) {
      for (const [k, p] of m.params) {
        if (p === null || seen.has(p)) continue;
        seen.add(p);
        out.push([prefix === '' ? k : `${prefix}.${k}`, p]);
      }
    }
    return out;
  }

  /** Every parameter (what an optimizer takes). */
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const mods =
      options.recurse === false
        ? [['', this] as unknown as [string, Module<never, unknown>]]
        : this.namedModules();
    for (const [prefix, m] of mods) {
      for (const [k, b] of m.bufs) if (b !== null) out.push([prefix === '' ? k : `${prefix}.${k}`, b]);
    }
    return out;
  }

  /** Every buffer. */
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  /** Sets training mode here and in every descendant. Returns itself. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). Returns itself. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `requiresGrad` on every parameter. Returns itself. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clears every parameter's gradient (to null by default, like PyTorch 2). */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) {
        p.grad = null;
        g.dispose();
      } else {
        if (g.gradFn !== null) g.detach_();
        g.zero_();
      }
    }
  }

  /** Calls `fn` on every descendant and then on this module (PyTorch's order). Returns itself. */
  apply(fn: (module: Module<never, unknown>) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this as unknown as Module<never, unknown>);
    return this;
  }

  /**
   * Moves every parameter and buffer to a device, or casts floating ones to a dtype (integer
   * buffers such as `numBatchesTracked` keep their dtype). Returns itself.
   */
  to(deviceOrDType: string): this {
    const isDType = deviceOrDType === 'float32' || deviceOrDType === 'float64';
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [k, p] of m.params) {
          if (p === null) continue;
          const moved = p.to(deviceOrDType);
          if (moved === p) continue;
          const next = new Parameter(moved, p.requiresGrad);
          if (p.grad !== null) next.grad = p.grad.to(deviceOrDType);
          m.params.set(k, next);
          moved.dispose();
        }
        for (const [k, b] of m.bufs) {
          if (b === null) continue;
          if (isDType && b.dtype !== 'float32' && b.dtype !== 'float64') continue;
          const moved = b.to(deviceOrDType);
          if (moved !== b) m.bufs.set(k, moved);
        }
      }
    });
    return this;
  }

  /** Parameters and persistent buffers by dotted name (live tensors: clone to snapshot). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const name = (k: string): string => (prefix === '' ? k : `${prefix}.${k}`);
      for (const [k, p] of m.params) if (p !== null) out.set(name(k), p);
      for (const [k, b] of m.bufs) if (b !== null && !m.nonPersistent.has(k)) out.set(name(k), b);
    }
    return out;
  }

  /**
   * Copies tensors from a state dict into the parameters and buffers with the same dotted names
   * (PyTorch's names, so a PyTorch checkpoint loads as is). All-or-nothing: every key and shape is
   * checked before anything is written. With `strict` (default) missing or unexpected keys are
   * errors listed like PyTorch's; otherwise they are returned.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const incoming = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpectedKeys = [...incoming.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    for (const [k, target] of own) {
      const src = incoming.get(k);
      if (src === undefined) continue;
      if (!isTensor(src)) {
        errors.push(
          `While copying the parameter named "${k}", expected a Tensor in the state dict (got ${typeof src}).`,
        );
        continue;
      }
      if (src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
        errors.push(
          `size mismatch for ${k}: copying a param with shape [${src.shape.join(', ')}] from checkpoint, the shape in current model is [${target.shape.join(', ')}].`,
        );
      }
    }
    if (strict) {
      if (unexpectedKeys.length > 0)
        errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length > 0)
        errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length > 0) {
      throw new ValueError(
        `loadStateDict: Error(s) in loading state_dict for ${this.typeName}:\n\t${errors.join('\n\t')}`,
      );
    }
    noGrad(() => {
      for (const [k, target] of own) {
        const src = incoming.get(k);
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Registers a hook run after every `call`; returns a remover. */
  registerForwardHook(hook: ForwardHook): { remove(): void } {
    const h = hook;
    this.forwardHooks.push(h);
    return {
      remove: () => {
        this.forwardHooks = this.forwardHooks.filter((x) => x !== h);
      },
    };
  }

  /** Registers a hook run before every `call`; returns a remover. */
  registerForwardPreHook(hook: ForwardPreHook): { remove(): void } {
    const h = hook;
    this.forwardPreHooks.push(h);
    return {
      remove: () => {
        this.forwardPreHooks = this.forwardPreHooks.filter((x) => x !== h);
      },
    };
  }

  /** The part of the printout inside the parentheses (layers override it). */
  extraRepr(): string {
    return '';
  }

  /** A printout like PyTorch's module print. */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.typeName}(${extra})`;
    const lines: string[] = [];
    if (extra !== '') lines.push(...extra.split('\n'));
    for (const [k, m] of children) {
      const body = m.toString().split('\n').join('\n  ');
      lines.push(`(${k}): ${body}`);
    }
    return `${this.typeName}(\n  ${lines.join('\n  ')}\n)`;
  }
}
