import { KilnError, type Tensor, tidy, zerosLike } from '@kiln/tensor';
import { isAnomalyEnabled, withGradMode } from './grad-mode.js';
import { Node } from './node.js';

/** How one backward pass runs. @internal */
export interface EngineOptions {
  readonly retainGraph: boolean;
  readonly createGraph: boolean;
  /** `grad()`'s inputs: capture their gradients instead of accumulating into leaves. */
  readonly inputs: readonly Tensor[] | null;
}

interface LeafSlot {
  grad: Tensor | null;
}

interface Capture {
  readonly slot: number;
  readonly index: number;
}

let stampCounter = 0;

/**
 * One backward pass. Gradients the engine creates are owned by it: each lives in exactly one
 * buffer slot and is disposed as soon as its consumer has run, unless it escapes to the user
 * (a leaf's `.grad`, a `grad()` result, a hook argument). With `createGraph` nothing is disposed:
 * the new graph references those tensors.
 */
class Pass {
  private readonly stamp = ++stampCounter;
  private readonly leaves = new Map<Tensor, LeafSlot>();
  private readonly ready: Node[] = [];
  private readonly nodes: Node[] = [];
  private escaped: Set<Tensor> | null = null;
  private readonly results: (Tensor | null)[];
  private leafTargets: Map<Tensor, number[]> | null = null;
  private captures: Map<Node, Capture[]> | null = null;
  private needed: Set<Node> | null = null;
  /** Scratch of `execute` (not re-entered within one pass). */
  private readonly placed: Tensor[] = [];
  private readonly routed: (Tensor | null)[] = [];

  constructor(
    private readonly options: EngineOptions,
    /** Storages of gradients the caller passed in: a leaf must not alias them. */
    private readonly userHandles: readonly Tensor['handle'][],
  ) {
    this.results = options.inputs === null ? [] : new Array<Tensor | null>(options.inputs.length).fill(null);
  }

  run(roots: readonly Tensor[], rootGrads: readonly Tensor[]): (Tensor | null)[] {
    if (this.options.inputs !== null) this.setTargets(this.options.inputs);
    this.discover(roots);
    if (this.options.inputs !== null) this.prune(roots);
    for (let r = 0; r < roots.length; r++) {
      const root = roots[r]!;
      const g = rootGrads[r]!;
      if (root.gradFn === null) this.addLeaf(root, g);
      else this.addToBuffer(root.gradFn as Node, root._outputIndex, g);
    }
    for (let r = 0; r < roots.length; r++) {
      const n = roots[r]!.gradFn as Node | null;
      if (n !== null && n.deps === 0 && this.isNeeded(n)) {
        n.deps = -1;
        this.ready.push(n);
      }
    }
    while (this.ready.length > 0) this.execute(this.ready.pop()!);
    for (const [leaf, slot] of this.leaves) {
      if (slot.grad !== null) this.finishLeaf(leaf, slot.grad);
    }
    return this.results;
  }

  private setTargets(inputs: readonly Tensor[]): void {
    this.leafTargets = new Map();
    this.captures = new Map();
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i]!;
      if (t.gradFn === null) {
        const list = this.leafTargets.get(t);
        if (list === undefined) this.leafTargets.set(t, [i]);
        else list.push(i);
      } else {
        const n = t.gradFn as Node;
        const list = this.captures.get(n);
        const c: Capture = { slot: t._outputIndex, index: i };
        if (list === undefined) this.captures.set(n, [c]);
        else list.push(c);
      }
    }
  }

  /** Finds every node reachable from the roots and counts the edges into each. */
  private discover(roots: readonly Tensor[]): void {
    const stamp = this.stamp;
    const stack: Node[] = [];
    for (const root of roots) {
      const n = root.gradFn as Node | null;
      if (n === null) {
        if (!this.leaves.has(root)) this.leaves.set(root, { grad: null });
      } else if (n.stamp !== stamp) {
        n.stamp = stamp;
        n.deps = 0;
        n.buffer = null;
        stack.push(n);
      }
    }
    while (stack.length > 0) {
      const n = stack.pop()!;
      this.nodes.push(n);
      const next = n.next;
      for (let i = 0; i < next.length; i++) {
        const e = next[i];
        if (e === null || e === undefined) continue;
        if (e instanceof Node) {
          if (e.stamp !== stamp) {
            e.stamp = stamp;
            e.deps = 0;
            e.buffer = null;
            stack.push(e);
          }
          e.deps++;
        } else if (!this.leaves.has(e)) this.leaves.set(e, { grad: null });
      }
    }
  }

  /** For `grad()`: keeps only nodes that lead to an input, and recounts edges among them. */
  private prune(roots: readonly Tensor[]): void {
    // Kahn's order puts producers after consumers; walking it backwards decides each node once.
    const order: Node[] = [];
    const pending = new Map<Node, number>();
    for (const n of this.nodes) pending.set(n, n.deps);
    const queue: Node[] = [];
    for (const root of roots) {
      const n = root.gradFn as Node | null;
      if (n !== null && pending.get(n) === 0 && !queue.includes(n)) queue.push(n);
    }
    while (queue.length > 0) {
      const n = queue.pop()!;
      order.push(n);
      for (const e of n.next) {
        if (!(e instanceof Node)) continue;
        const left = pending.get(e)! - 1;
        pending.set(e, left);
        if (left === 0) queue.push(e);
      }
    }
    const needed = new Set<Node>();
    for (let k = order.length - 1; k >= 0; k--) {
      const n = order[k]!;
      let need = this.captures!.has(n);
      for (const e of n.next) {
        if (need) break;
        if (e === null) continue;
        need = e instanceof Node ? needed.has(e) : this.leafTargets!.has(e);
      }
      if (need) needed.add(n);
    }
    for (const n of this.nodes) n.deps = 0;
    for (const n of needed) for (const e of n.next) if (e instanceof Node) e.deps++;
    this.needed = needed;
  }

  private isNeeded(n: Node): boolean {
    return this.needed === null || this.needed.has(n);
  }

  private dispose(t: Tensor): void {
    if (this.options.createGraph) return;
    if (this.escaped?.has(t)) return;
    t.dispose();
  }

  private escape(t: Tensor): void {
    if (this.escaped === null) this.escaped = new Set();
    this.escaped.add(t);
  }

  private add(a: Tensor, b: Tensor): Tensor {
    const s = a.add(b);
    this.dispose(a);
    this.dispose(b);
    return s;
  }

  private addToBuffer(n: Node, slot: number, g: Tensor): void {
    let buf = n.buffer;
    if (buf === null) {
      buf = new Array<Tensor | null>(n.outputs.length).fill(null);
      n.buffer = buf;
    }
    const old = buf[slot];
    buf[slot] = old === null || old === undefined ? g : this.add(old, g);
  }

  private addLeaf(leaf: Tensor, g: Tensor): void {
    let slot = this.leaves.get(leaf);
    if (slot === undefined) {
      slot = { grad: null };
      this.leaves.set(leaf, slot);
    }
    slot.grad = slot.grad === null ? g : this.add(slot.grad, g);
  }

  /** Runs the tensor hooks of `t` on `g`, returning the (possibly replaced) gradient. */
  private runHooks(t: Tensor, g: Tensor): Tensor {
    const hooks = t._hooks;
    if (hooks === null || hooks.length === 0) return g;
    for (const hook of hooks.slice()) {
      this.escape(g);
      const r = hook(g);
      if (r !== undefined && r !== null && r !== g) g = r;
    }
    this.escape(g);
    return g;
  }

  private execute(n: Node): void {
    const outputs = n.outputs;
    const grads = n.buffer;
    n.buffer = null;
    const next = n.next;
    let results: readonly (Tensor | null | undefined)[] | null = null;
    if (grads !== null) {
      // The node's buffer becomes the rule's argument (no copy): hooks may replace entries.
      for (let j = 0; j < outputs.length; j++) {
        let g = grads[j] ?? null;
        if (g === null) {
          grads[j] = zerosLike(outputs[j]!);
          continue;
        }
        const out = outputs[j]!;
        if (out._hooks !== null) g = this.runHooks(out, g);
        if (out._retainsGrad) this.retain(out, g);
        if (this.captures !== null) {
          const caps = this.captures.get(n);
          if (caps !== undefined) for (const c of caps) if (c.slot === j) this.capture(c.index, g);
        }
        grads[j] = g;
      }
      results = this.runRule(n, grads as Tensor[]);
    }
    // NOTE: like PyTorch, a node whose outputs got no gradient at all passes none on.
    const placed = this.placed;
    const routed = this.routed;
    placed.length = 0;
    routed.length = 0;
    if (results !== null) {
      // Each buffer slot owns its tensor: a gradient handed to two inputs gets a second view.
      for (let i = 0; i < next.length; i++) {
        let r = results[i] ?? null;
        if (r !== null && next[i] !== null) {
          if (placed.includes(r)) r = this.options.createGraph ? r : r.detach();
          placed.push(r);
        } else r = null;
        routed.push(r);
      }
      for (let i = 0; i < next.length; i++) {
        const r = results[i] ?? null;
        if (r !== null && next[i] === null && !placed.includes(r) && !grads!.includes(r)) this.dispose(r);
      }
    }
    const inputs = n.inputs;
    for (let i = 0; i < next.length; i++) {
      const e = next[i] ?? null;
      if (e === null) continue;
      let r = routed[i] ?? null;
      if (r !== null) r = this.fit(r, inputs[i]!);
      if (e instanceof Node) {
        if (r !== null) this.addToBuffer(e, n.nextSlot[i]!, r);
        if (--e.deps === 0 && this.isNeeded(e)) {
          e.deps = -1;
          this.ready.push(e);
        }
      } else if (r !== null) this.addLeaf(e, r);
    }
    if (grads !== null) for (const g of grads) if (g !== null && !placed.includes(g)) this.dispose(g);
    if (!this.options.retainGraph) n.release();
  }

  private runRule(n: Node, grads: readonly Tensor[]): readonly (Tensor | null | undefined)[] {
    const rule = n.rule;
    let results: readonly (Tensor | null | undefined)[];
    if (this.options.createGraph || rule.noTemporaries === true) results = rule.backward(n, grads[0]!, grads);
    else {
      // NOTE: the scope frees the rule's temporaries; what it returns moves on to the consumers.
      results = tidy(() => rule.backward(n, grads[0]!, grads) as (Tensor | null | undefined)[]);
    }
    if (isAnomalyEnabled()) checkAnomaly(n, results);
    return results;
  }

  /** Sums a broadcast gradient back to `input`'s shape and casts it to its dtype. */
  private fit(r: Tensor, input: Tensor): Tensor {
    let out = r;
    const shape = input.shape;
    if (!sameShape(out.shape, shape)) {
      const reduced = sumToShape(out, shape);
      this.dispose(out);
      out = reduced;
    }
    if (out.dtype !== input.dtype) {
      const cast = out.to(input.dtype);
      this.dispose(out);
      out = cast;
    }
    return out;
  }

  private retain(t: Tensor, g: Tensor): void {
    t.grad = (t.grad === null ? (this.options.createGraph ? g : g.clone()) : t.grad.add(g)).keep();
  }

  private capture(index: number, g: Tensor): void {
    const prev = this.results[index];
    const own = this.options.createGraph ? g : g.detach();
    this.results[index] = prev === null || prev === undefined ? own : this.add(prev, own);
  }

  private finishLeaf(leaf: Tensor, g: Tensor): void {
    g = this.runHooks(leaf, g);
    const targets = this.leafTargets;
    if (targets !== null) {
      const indices = targets.get(leaf);
      if (indices !== undefined) for (const i of indices) this.capture(i, g);
      this.dispose(g);
      return;
    }
    if (leaf.grad === null) {
      if (!this.options.createGraph && (!g.isContiguous() || this.userHandles.includes(g.handle))) {
        // NOTE: an optimizer updates `.grad` in place, so it must own dense storage.
        const c = g.clone();
        this.dispose(g);
        g = c;
      }
      // NOTE: `.grad` outlives any `tidy` scope the backward runs in, like the leaf itself.
      leaf.grad = g.keep();
    } else if (this.options.createGraph) {
      leaf.grad = leaf.grad.add(g).keep();
    } else {
      leaf.grad.add_(g);
      this.dispose(g);
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sums `g` over the dims that broadcasting added or stretched, giving `shape`.
 * @internal
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  if (dims.length === 0) return g.reshape(shape);
  const s = g.sum(dims, true);
  if (lead === 0) return s;
  const r = s.reshape(shape);
  s.dispose();
  return r;
}

function checkAnomaly(n: Node, results: readonly (Tensor | null | undefined)[]): void {
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (r === null || r === undefined) continue;
    const values = r.dataSync();
    let bad: 'nan' | 'inf' | null = null;
    for (let k = 0; k < values.length && bad === null; k++) {
      const v = Number(values[k]);
      if (Number.isNaN(v)) bad = 'nan';
      else if (!Number.isFinite(v)) bad = 'inf';
    }
    if (bad !== null) {
      const where = n.trace === null ? '' : `\nThe forward op '${n.op}' was recorded at:\n${n.trace}`;
      throw new KilnError(`Function '${n.name}' returned ${bad} values in its ${i}th output.${where}`);
    }
  }
}

/**
 * Runs backward from `roots` seeded with `rootGrads` (owned by the engine from here on).
 * Returns the captured gradients of `options.inputs` (empty when accumulating into leaves).
 * @internal
 */
export function runEngine(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: EngineOptions,
  userHandles: readonly Tensor['handle'][],
): (Tensor | null)[] {
  return withGradMode(options.createGraph, () => new Pass(options, userHandles).run(roots, rootGrads));
}
