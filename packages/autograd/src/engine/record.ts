import { isFloatingDType, type OpAttrs, type OpName, Tensor } from '@kiln/tensor';
import { isAnomalyEnabled } from './grad-mode.js';
import { Node } from './node.js';
import type { GradRule } from './rule.js';

/**
 * Attaches a node for `op` to `outputs`: edges to the inputs' producers, the saved tensors the
 * rule asks for, and `gradFn`/`requiresGrad` on every floating output.
 * @internal
 */
export function recordNode(
  op: string,
  rule: GradRule<OpName>,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  attrs: OpAttrs[OpName],
): Node {
  const node = new Node(op, rule, attrs, inputs, outputs);
  const saveAttrs = rule.saveAttrs;
  const slots = inputs.length + outputs.length + (saveAttrs === undefined ? 0 : saveAttrs.length);
  const save = rule.saveInputs;
  if (save !== undefined) {
    const saveInputs = typeof save === 'function' ? save((i) => node.next[i] !== null) : save;
    for (let k = 0; k < saveInputs.length; k++) {
      const i = saveInputs[k]!;
      const t = inputs[i];
      if (t !== null && t !== undefined) node.save(i, t, slots);
    }
  }
  const nIn = inputs.length;
  const saveOutputs = rule.saveOutputs === true;
  for (let j = 0; j < outputs.length; j++) {
    const o = outputs[j]!;
    if (saveOutputs) node.save(nIn + j, o, slots);
    if (!isFloatingDType(o.dtype)) continue;
    o._requiresGrad = true;
    o.gradFn = node;
    o._outputIndex = j;
  }
  if (saveAttrs !== undefined) {
    const base = inputs.length + outputs.length;
    const values = attrs as unknown as Readonly<Record<string, unknown>>;
    for (let k = 0; k < saveAttrs.length; k++) {
      const t = values[saveAttrs[k]!];
      if (t instanceof Tensor) node.save(base + k, t, slots);
    }
  }
  if (isAnomalyEnabled()) node.trace = new Error(`forward of ${op}`).stack ?? null;
  return node;
}
