import {
  type DType,
  formatShape,
  type GradFnLike,
  type OpAttrs,
  type OpName,
  Tensor,
  ValueError,
} from '@kiln/tensor';
import type { GradContext, GradRule } from './rule.js';

const EMPTY: readonly number[] = [];

/**
 * What an input edge points at: the node that produced it, a leaf, or nothing.
 *
 * @example
 * ```ts
 * import { type Edge, Node } from '@kiln/autograd';
 * const isLeafEdge = (e: Edge) => e !== null && !(e instanceof Node);
 * ```
 */
export type Edge = Node | Tensor | null;

/**
 * The stand-in PyTorch shows for a leaf in `nextFunctions`: gradients reaching it are accumulated
 * into `variable.grad`.
 *
 * @example
 * ```ts
 * import { ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * const [edge] = (w.mul(2).gradFn as import('@kiln/autograd').Node).nextFunctions;
 * edge?.[0]?.name; // 'AccumulateGrad'
 * ```
 */
export interface AccumulateGrad {
  readonly name: 'AccumulateGrad';
  /** The leaf tensor. */
  readonly variable: Tensor;
}

const TORCH_TYPE: Record<DType, string> = {
  float32: 'torch.FloatTensor',
  float64: 'torch.DoubleTensor',
  int32: 'torch.IntTensor',
  bool: 'torch.BoolTensor',
};

/** PyTorch's message for using a graph whose saved tensors were freed. @internal */
export const FREED_MESSAGE =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.';

let sequence = 0;

/** Drops the reference a saved slot holds on a storage, without touching the user's tensor. */
function dropRef(t: Tensor): void {
  // NOTE: a throwaway view over the same handle lets the core's release() do the bookkeeping.
  new Tensor(t.handle, t.dtype, EMPTY, EMPTY, t.offset).dispose();
}

/**
 * A node of the autograd graph (PyTorch's grad_fn): one recorded op, its gradient rule, the tensors
 * the rule saved, and an edge per input to the node (or leaf) that produced it.
 *
 * @example
 * ```ts
 * import { ones, Node } from '@kiln/autograd';
 * const y = ones([2], { requiresGrad: true }).exp();
 * (y.gradFn as Node).name; // 'ExpBackward0'
 * ```
 */
export class Node implements GradFnLike, GradContext<OpName> {
  /** The recorded op's name in Kiln (`'mul'`), or an internal backward op's name. */
  readonly op: string;
  /** @internal */
  readonly rule: GradRule<OpName>;
  /** The attributes the op recorded. */
  readonly attrs: OpAttrs[OpName];
  /** @internal Forward inputs (for shapes and dtypes; saved values live in `saved`). */
  readonly inputs: readonly (Tensor | null)[];
  /** @internal Forward outputs (to find their hooks and `retainGrad`). */
  readonly outputs: Tensor[];
  /** @internal One edge per input. */
  readonly next: Edge[];
  /** @internal For node edges: which output of that node the input was. */
  readonly nextSlot: number[];
  /** @internal Saved tensors: inputs at their index, outputs after them. */
  saved: (Tensor | null)[] | null = null;
  /** @internal Version of each saved tensor when it was saved. */
  savedVersion: number[] | null = null;
  /** @internal Bit i set: saved slot i is a tensor the node created itself (owns). */
  ownMask = 0;
  /** @internal Whether the saved tensors were released by a backward pass. */
  released = false;
  /** @internal Creation order (later nodes run first when several are ready). */
  readonly seq: number;
  /** @internal Forward stack trace, recorded in anomaly mode. */
  trace: string | null = null;
  /** @internal Backward scratch: pending incoming edges. */
  deps = 0;
  /** @internal Backward scratch: visit stamp. */
  stamp = 0;
  /** @internal Backward scratch: gradients arriving for each output. */
  buffer: (Tensor | null)[] | null = null;

  /** @internal Created by the autograd hook. */
  constructor(
    op: string,
    rule: GradRule<OpName>,
    attrs: OpAttrs[OpName],
    inputs: readonly (Tensor | null)[],
    outputs: readonly Tensor[],
  ) {
    this.op = op;
    this.rule = rule;
    this.attrs = attrs;
    this.inputs = inputs;
    this.outputs = outputs.slice();
    const n = inputs.length;
    const next = new Array<Edge>(n);
    const slots = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const t = inputs[i];
      if (t === null || t === undefined || !t._requiresGrad) {
        next[i] = null;
        slots[i] = 0;
      } else {
        next[i] = t.gradFn === null ? t : (t.gradFn as Node);
        slots[i] = t._outputIndex;
      }
    }
    this.next = next;
    this.nextSlot = slots;
    this.seq = sequence++;
  }

  /** PyTorch's class name of this grad_fn (`MulBackward0`). */
  get name(): string {
    const n = this.rule.name;
    return typeof n === 'string' ? n : n(this.attrs);
  }

  /** The nodes gradients flow to next, with the output index of each (PyTorch's `next_functions`). */
  get nextFunctions(): [Node | AccumulateGrad | null, number][] {
    return this.next.map((e, i): [Node | AccumulateGrad | null, number] => {
      if (e === null) return [null, 0];
      if (e instanceof Node) return [e, this.nextSlot[i]!];
      return [{ name: 'AccumulateGrad', variable: e }, 0];
    });
  }

  /** `<MulBackward0>`, as PyTorch prints a grad_fn. */
  toString(): string {
    return `<${this.name}>`;
  }

  /** @internal Saves a tensor in slot `k`, holding a reference on its storage. */
  save(k: number, t: Tensor, slots: number, version = t.handle.version): void {
    if (this.saved === null) {
      this.saved = new Array<Tensor | null>(slots).fill(null);
      this.savedVersion = new Array<number>(slots).fill(0);
    }
    t.handle.refs++;
    this.saved[k] = t;
    this.savedVersion![k] = version;
  }

  /** @internal Re-points saved slot `k` (if used) to `t`, expected at `version`. */
  resave(k: number, t: Tensor, version: number): void {
    const old = this.saved?.[k];
    if (old === undefined || old === null) return;
    this.releaseSlot(k);
    this.save(k, t, this.saved!.length, version);
  }

  /**
   * @internal Replaces every saved tensor on `handle`'s storage by `copy(it)` (owned), so an
   * in-place write into that storage does not invalidate this node.
   */
  cloneSavedSharing(handle: Tensor['handle'], copy: (t: Tensor) => Tensor): void {
    const saved = this.saved;
    if (saved === null) return;
    for (let k = 0; k < saved.length; k++) {
      const t = saved[k];
      if (t === null || t === undefined || t.handle !== handle) continue;
      const c = copy(t);
      this.releaseSlot(k);
      this.save(k, c, saved.length);
      // NOTE: the copy is the node's alone: dropping the save's reference leaves it the owner.
      c.handle.refs--;
      if (k < 31) this.ownMask |= 1 << k;
    }
  }

  private releaseSlot(k: number): void {
    const t = this.saved![k];
    if (t === null || t === undefined) return;
    const bit = k < 31 ? 1 << k : 0;
    if ((this.ownMask & bit) !== 0) {
      t.dispose();
      this.ownMask &= ~bit;
    } else dropRef(t);
    this.saved![k] = null;
  }

  /** @internal Frees the saved tensors (after a backward pass without `retainGraph`). */
  release(): void {
    this.released = true;
    const saved = this.saved;
    if (saved === null) return;
    for (let k = 0; k < saved.length; k++) this.releaseSlot(k);
  }

  private unpack(k: number, what: string): Tensor {
    const saved = this.saved;
    const t = saved?.[k];
    if (t === undefined || t === null) {
      if (this.released) throw new ValueError(`${this.name}: ${FREED_MESSAGE}`);
      throw new ValueError(`${this.name}: ${what} was not saved by the forward op (the rule must list it)`);
    }
    const expected = this.savedVersion![k]!;
    if (t.handle.version !== expected) throw this.versionError(k, t, expected);
    if (!t.isDisposed) return t;
    // NOTE: the tensor was disposed (library composites free their intermediates at once); our
    // reference kept the storage, so wrap it again, keeping its place in the graph so that
    // higher-order gradients (createGraph) still flow through it.
    const revived = new Tensor(t.handle, t.dtype, t.shape, t.strides, t.offset).keep();
    revived.gradFn = t.gradFn;
    revived._requiresGrad = t._requiresGrad;
    revived._outputIndex = t._outputIndex;
    saved![k] = revived;
    if (k < 31) this.ownMask |= 1 << k;
    return revived;
  }

  private versionError(k: number, t: Tensor, expected: number): ValueError {
    const nIn = this.inputs.length;
    let origin = '';
    if (k >= nIn + this.outputs.length) origin = '';
    else if (k >= nIn) origin = `, which is output ${k - nIn} of ${this.name},`;
    else {
      const e = this.next[k];
      if (e instanceof Node) origin = `, which is output ${this.nextSlot[k]} of ${e.name},`;
    }
    return new ValueError(
      `one of the variables needed for gradient computation has been modified by an inplace operation: [${TORCH_TYPE[t.dtype]} ${formatShape(t.shape)}]${origin} is at version ${t.handle.version}; expected version ${expected} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with detectAnomaly(fn).`,
    );
  }

  input(i: number): Tensor {
    return this.unpack(i, `input ${i}`);
  }

  output(i: number): Tensor {
    return this.unpack(this.inputs.length + i, `output ${i}`);
  }

  attrTensor(name: string): Tensor {
    const k = this.rule.saveAttrs?.indexOf(name) ?? -1;
    if (k < 0)
      throw new ValueError(
        `${this.name}: attribute '${name}' was not saved by the forward op (the rule must list it)`,
      );
    return this.unpack(this.inputs.length + this.outputs.length + k, `attribute '${name}'`);
  }

  inputShape(i: number): readonly number[] {
    return this.inputs[i]?.shape ?? EMPTY;
  }

  inputDType(i: number): DType {
    return this.inputs[i]?.dtype ?? 'float32';
  }

  hasInput(i: number): boolean {
    const t = this.inputs[i];
    return t !== null && t !== undefined;
  }

  needsGrad(i: number): boolean {
    return this.next[i] !== null && this.next[i] !== undefined;
  }
}
