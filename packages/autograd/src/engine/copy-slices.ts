import { type OpAttrs, type OpName, Tensor, ValueError, zeros } from '@kiln/tensor';
import { sumToShape } from './engine.js';
import { isGradEnabled } from './grad-mode.js';
import { Node } from './node.js';
import { recordNode } from './record.js';
import type { GradRule } from './rule.js';

/** Recorded ops whose output shares its input's storage. */
const VIEW_OPS: ReadonlySet<string> = new Set(['view', 'permute', 'expand', 'slice', 'select', 'diagonal']);

const NO_ATTRS = {} as OpAttrs[OpName];

/** The tensor a view was taken from: a leaf, or output `slot` of a node. */
export interface ViewBase {
  readonly base: Tensor | Node;
  readonly slot: number;
}

/**
 * Follows recorded view ops from `t` back to the tensor whose storage it shares, or null when
 * `t` is not such a view. @internal
 */
export function viewBase(t: Tensor): ViewBase | null {
  let n = t.gradFn as Node | null;
  let found: ViewBase | null = null;
  while (n !== null && VIEW_OPS.has(n.op)) {
    const e = n.next[0] ?? null;
    const input = n.inputs[0];
    if (e === null || input === null || input === undefined || input.handle !== t.handle) break;
    found = { base: e, slot: n.nextSlot[0] ?? 0 };
    n = e instanceof Node ? e : null;
  }
  return found;
}

/** A view of `onto` (contiguous, `base`'s shape) with `view`'s layout inside `base`. */
function region(onto: Tensor, base: Tensor, view: Tensor): Tensor {
  onto.handle.refs++;
  return new Tensor(onto.handle, onto.dtype, view.shape, view.strides, view.offset - base.offset);
}

function refuseDoubleBackward(): void {
  if (isGradEnabled()) {
    throw new ValueError(
      'backward: createGraph through an in-place operation on a view is not supported yet\nhelp: compute the result out of place (cat(), where()) when you need higher-order gradients',
    );
  }
}

/**
 * PyTorch's CopySlices: after the in-place op `opNode` wrote into `view`, a view of non-leaf
 * `base`, the base's history becomes "the old base with the view's region replaced by the op's
 * result", and the view's history a strided view of that. Returns the view's new node. Called
 * before the write. @internal
 */
export function rebaseOntoBase(view: Tensor, opNode: Node, baseNode: Node, slot: number): Node {
  const base = baseNode.outputs[slot]!;
  if (base.handle !== view.handle || !base.isContiguous() || view.offset < base.offset) {
    throw new ValueError(
      `${opNode.name}: this in-place operation on a view of a tensor that requires grad is not supported yet (the base is not a contiguous tensor)\nhelp: compute the result out of place, or clone() the view first`,
    );
  }
  const baseShape = base.shape;
  const copySlices: GradRule<OpName> = {
    name: 'CopySlices',
    backward: (_c, g) => {
      refuseDoubleBackward();
      const result = g.contiguous() === g ? g.clone() : g.contiguous();
      const r = region(result, base, view);
      const gv = r.clone();
      const grads = opNode.rule.backward(opNode, gv, [gv]);
      const g0 = grads[0];
      if (g0 === null || g0 === undefined) r.fill_(0);
      else r.copy_(g0.shape.join() === view.shape.join() ? g0 : sumToShape(g0, view.shape));
      return [result, ...grads.slice(1)];
    },
  };
  const inputs: (Tensor | null)[] = [base, ...opNode.inputs.slice(1)];
  const node = recordNode('CopySlices', copySlices, inputs, [base], NO_ATTRS);
  // NOTE: the op's other inputs keep the edges the op recorded (their histories at the op).
  for (let i = 1; i < inputs.length; i++) {
    node.next[i] = opNode.next[i] ?? null;
    node.nextSlot[i] = opNode.nextSlot[i] ?? 0;
  }
  const asStrided: GradRule<OpName> = {
    name: 'AsStridedBackward0',
    backward: (_c, g) => {
      refuseDoubleBackward();
      const z = zeros(baseShape, { dtype: g.dtype, device: g.device });
      const r = region(z, base, view);
      r.copy_(g);
      return [z];
    },
  };
  // NOTE: the core points the view's gradFn at this node right after the adopter returns.
  return new Node('AsStrided', asStrided, NO_ATTRS, [base], [view]);
}
