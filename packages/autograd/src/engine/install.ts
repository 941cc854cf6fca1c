import {
  type AutogradHook,
  type OpAttrs,
  type OpName,
  setAutogradHook,
  setOutputAdopter,
  type Tensor,
  ValueError,
} from '@kiln/tensor';
import { gradRules } from '../rules/table.js';
import { backward } from './backward.js';
import { rebaseOntoBase, viewBase } from './copy-slices.js';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { Node } from './node.js';
import { recordNode } from './record.js';
import type { GradRule } from './rule.js';

function record<K extends OpName>(
  op: K,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  attrs: OpAttrs[K],
): void {
  recordNode(op, gradRules[op] as unknown as GradRule<OpName>, inputs, outputs, attrs);
}

/** In-place ops that replace values without recording a node (they detach, or do not record). */
const UNRECORDED_IN_PLACE: ReadonlySet<string> = new Set(['fill_', 'zero_', 'copy_', 'uniform_', 'normal_']);

function checkInPlace(target: Tensor, op: string): void {
  if (!target.requiresGrad || !isGradEnabled()) return;
  if (target.gradFn === null) {
    throw new ValueError(
      `${op}: a leaf Variable that requires grad is being used in an in-place operation.\nhelp: wrap the update in noGrad(() => ...), or clone() the tensor first`,
    );
  }
  const found = viewBase(target);
  if (found !== null && !(found.base instanceof Node)) {
    throw new ValueError(
      `${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.\nhelp: wrap the update in noGrad(() => ...), or clone() the tensor first`,
    );
  }
  // NOTE: fill_ on a whole tensor detaches it (the old history gets no gradient, as in PyTorch);
  // through a view, or copy_, the old history would silently stay.
  if (UNRECORDED_IN_PLACE.has(op) && (found !== null || op === 'copy_')) {
    // NOTE: these would leave the old history in place while the values change; refuse rather
    // than return silently wrong gradients.
    throw new ValueError(
      `${op}: in-place ${op} on a tensor that requires grad (output of ${(target.gradFn as Node).name}) is not supported yet\nhelp: compute the result out of place (e.g. zerosLike(), where(), or x.mul(0).add(src)), or run it inside noGrad(() => ...)`,
    );
  }
}

/**
 * Moves a node's output from the out-of-place result of an in-place op onto its target, before
 * the target is overwritten (the core disposes the result afterwards).
 */
function adopt(from: Tensor, to: Tensor): void {
  const node = from.gradFn as Node | null;
  if (node === null) return;
  const j = from._outputIndex;
  node.outputs[j] = to;
  // PyTorch's "original self": what the node saved of the target's old values must survive the
  // write, so it keeps a copy (recorded, while the target still has its old history).
  node.cloneSavedSharing(to.handle, (t) => withGradMode(isGradEnabled(), () => t.clone()).keep());
  node.resave(node.inputs.length + j, to, to.handle.version + 1);
  const found = to.gradFn === null ? null : viewBase(to);
  if (found !== null && found.base instanceof Node) {
    // The core copies `from`'s history to `to` after this returns: hand it the view's new node.
    from.gradFn = rebaseOntoBase(to, node, found.base, found.slot);
    from._outputIndex = 0;
  }
}

const hook: AutogradHook = { isGradEnabled, record, checkInPlace, backward };

/** Installs autograd into the tensor core (idempotent). @internal */
export function installAutograd(): void {
  setAutogradHook(hook);
  setOutputAdopter(adopt);
}
