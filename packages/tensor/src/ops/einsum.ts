import { type DType, promoteTypes } from '../core/dtype.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { ShapeError, ValueError } from '../errors/errors.js';
import { alive, commonBackendOf } from '../internal/make.js';
import { cast } from './device.js';
import { matmul } from './linalg.js';
import { sum } from './reduce.js';
import { diagonal, expand, permute, reshape } from './shape.js';

/** A dim's label: a letter's char code, or -k for the k-th ellipsis dim counted from the right. */
type Label = number;

interface Operand {
  t: Tensor;
  labels: Label[];
}

const ELLIPSIS = '...';

function labelName(l: Label): string {
  return l < 0 ? ELLIPSIS : String.fromCharCode(l);
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** Splits one term into letters and (at most one) ellipsis. */
function tokens(term: string, where: string): string[] {
  const out: string[] = [];
  let seenEllipsis = false;
  for (let i = 0; i < term.length; ) {
    if (term.startsWith(ELLIPSIS, i)) {
      if (seenEllipsis) throw new ValueError(`einsum: found more than one ellipsis ('...') in ${where}`);
      seenEllipsis = true;
      out.push(ELLIPSIS);
      i += 3;
      continue;
    }
    const c = term[i]!;
    if (!isLetter(c)) {
      throw new ValueError(
        `einsum: invalid subscript '${c}' in ${where} (expected letters a-z, A-Z or '...')`,
      );
    }
    out.push(c);
    i++;
  }
  return out;
}

function labelsOf(toks: readonly string[], rank: number, index: number): Label[] {
  const letters = toks.filter((t) => t !== ELLIPSIS).length;
  const hasEllipsis = toks.length !== letters;
  const ellipsisDims = rank - letters;
  if (ellipsisDims < 0 || (!hasEllipsis && ellipsisDims !== 0)) {
    throw new ShapeError(
      `einsum: the number of subscripts in the equation (${letters}) does not match the number of dimensions (${rank}) for operand ${index}${hasEllipsis ? '' : ' and no ellipsis was given'}`,
    );
  }
  const out: Label[] = [];
  for (const t of toks) {
    if (t === ELLIPSIS) for (let j = 0; j < ellipsisDims; j++) out.push(-(ellipsisDims - j));
    else out.push(t.charCodeAt(0));
  }
  return out;
}

function productOf(sizes: readonly number[]): number {
  let p = 1;
  for (const s of sizes) p *= s;
  return p;
}

/** Sums out the dims of `op` whose labels are not in `keep`. */
function sumOut(op: Operand, keep: (l: Label) => boolean): Operand {
  const dims: number[] = [];
  op.labels.forEach((l, i) => {
    if (!keep(l)) dims.push(i);
  });
  if (dims.length === 0) return op;
  return { t: sum(op.t, dims), labels: op.labels.filter((l) => keep(l)) };
}

/** Replaces repeated labels within one operand by their diagonal. */
function takeDiagonals(op: Operand): Operand {
  let { t, labels } = op;
  for (;;) {
    let p = -1;
    let q = -1;
    for (let i = 0; i < labels.length && p < 0; i++) {
      const j = labels.indexOf(labels[i]!, i + 1);
      if (j >= 0) {
        p = i;
        q = j;
      }
    }
    if (p < 0) return { t, labels };
    if (t.shape[p] !== t.shape[q]) {
      throw new ShapeError(
        `einsum: subscript ${labelName(labels[p]!)} is repeated for an operand but the sizes don't match (got ${t.shape[p]} and ${t.shape[q]})`,
      );
    }
    const l = labels[p]!;
    t = diagonal(t, 0, p, q);
    labels = labels.filter((_, i) => i !== p && i !== q);
    labels.push(l);
  }
}

/** Contracts two operands with one batched matmul: [batch, aOnly, k] @ [batch, k, bOnly]. */
function contract(a: Operand, b: Operand, keep: Set<Label>, sizes: Map<Label, number>): Operand {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  a = sumOut(a, (l) => inB.has(l) || keep.has(l));
  b = sumOut(b, (l) => inA.has(l) || keep.has(l));
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !inA.has(l));
  const pa = reorder(
    a.t,
    [...batch, ...aOnly, ...summed].map((l) => a.labels.indexOf(l)),
  );
  const pb = reorder(
    b.t,
    [...batch, ...summed, ...bOnly].map((l) => b.labels.indexOf(l)),
  );
  // A contracted dim of size 1 on one side broadcasts against the other side's size.
  const fullA =
    summed.length === 0
      ? pa
      : expandTo(pa, [...pa.shape.slice(0, -summed.length), ...summed.map((l) => sizes.get(l)!)]);
  const fullB =
    summed.length === 0
      ? pb
      : expandMiddle(
          pb,
          batch.length,
          summed.map((l) => sizes.get(l)!),
        );
  const nb = batch.length;
  const k = productOf(summed.map((l) => sizes.get(l)!));
  const aSizes = fullA.shape.slice(nb, nb + aOnly.length);
  const bSizes = fullB.shape.slice(nb + summed.length);
  const a3 = reshapeTo(fullA, [...fullA.shape.slice(0, nb), productOf(aSizes), k]);
  const b3 = reshapeTo(fullB, [...fullB.shape.slice(0, nb), k, productOf(bSizes)]);
  const r = matmul(a3, b3);
  const out = reshapeTo(r, [...r.shape.slice(0, nb), ...aSizes, ...bSizes]);
  return { t: out, labels: [...batch, ...aOnly, ...bOnly] };
}

function expandMiddle(t: Tensor, start: number, middle: readonly number[]): Tensor {
  const shape = t.shape.slice();
  for (let i = 0; i < middle.length; i++) shape[start + i] = middle[i]!;
  return expandTo(t, shape);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

// NOTE: skipping no-op views keeps the autograd graph of a plain matmul-like einsum small.
function reorder(t: Tensor, dims: readonly number[]): Tensor {
  return dims.every((d, i) => d === i) ? t : permute(t, dims);
}

function expandTo(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : expand(t, shape);
}

function reshapeTo(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : reshape(t, shape);
}

/**
 * Einstein summation: `einsum('ij,jk->ik', a, b)` is `a @ b`. Supports any number of operands,
 * implicit output (letters seen once, in alphabetical order), `...` for broadcast dims, repeated
 * subscripts within an operand (diagonals), and size-1 broadcasting. Operands are contracted
 * pairwise, left to right, each pair as one batched matrix product; dims no later operand or the
 * output needs are summed out first.
 *
 * @example
 * ```ts
 * import { tensor, einsum } from '@kiln/tensor';
 * einsum('ij,jk->ik', tensor([[1, 2]]), tensor([[3], [4]])).toArray(); // [[11]]
 * einsum('ii', tensor([[1, 2], [3, 4]])).item(); // 5
 * ```
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (operands.length === 0) throw new ValueError('einsum: must provide at least one operand');
  for (const t of operands) alive(t, 'einsum');
  commonBackendOf('einsum', operands);
  const run = (): Tensor => evaluate(equation, operands);
  // Without a graph to keep them alive for, the intermediates are freed at once.
  return tidy(run);
}

function evaluate(equation: string, operands: readonly Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const terms = lhs.split(',');
  if (terms.length !== operands.length) {
    throw new ValueError(
      `einsum: the equation has ${terms.length} operand term${terms.length === 1 ? '' : 's'} (got ${operands.length} operand${operands.length === 1 ? '' : 's'})`,
    );
  }
  let dtype: DType = operands[0]!.dtype;
  for (const t of operands) dtype = promoteTypes(dtype, t.dtype);
  let ops: Operand[] = operands.map((t, i) => ({
    t: t.dtype === dtype ? t : cast(t, dtype),
    labels: labelsOf(tokens(terms[i]!, `operand ${i}'s subscripts`), t.shape.length, i),
  }));

  const sizes = new Map<Label, number>();
  const counts = new Map<Label, number>();
  let ellipsisRank = 0;
  ops.forEach((op, i) => {
    op.labels.forEach((l, d) => {
      const s = op.t.shape[d]!;
      const seen = sizes.get(l);
      if (seen === undefined || seen === 1) sizes.set(l, s);
      else if (s !== seen && s !== 1) {
        throw new ShapeError(
          `einsum: subscript ${labelName(l)} has size ${s} for operand ${i} which does not broadcast with previously seen size ${seen}`,
        );
      }
      counts.set(l, (counts.get(l) ?? 0) + 1);
      if (l < 0) ellipsisRank = Math.max(ellipsisRank, -l);
    });
  });

  const ellipsisLabels: Label[] = [];
  for (let k = ellipsisRank; k >= 1; k--) ellipsisLabels.push(-k);
  let output: Label[];
  if (arrow >= 0) {
    output = [];
    for (const tok of tokens(eq.slice(arrow + 2), 'the output subscripts')) {
      if (tok === ELLIPSIS) {
        output.push(...ellipsisLabels);
        continue;
      }
      const l = tok.charCodeAt(0);
      if (!counts.has(l)) {
        throw new ValueError(
          `einsum: output subscript ${tok} does not appear in the equation for any input operand`,
        );
      }
      if (output.includes(l))
        throw new ValueError(`einsum: output subscript ${tok} appears more than once in the output`);
      output.push(l);
    }
  } else {
    const once = [...counts.entries()].filter(([l, c]) => l > 0 && c === 1).map(([l]) => l);
    output = [...ellipsisLabels, ...once.sort((a, b) => a - b)];
  }

  ops = ops.map(takeDiagonals);
  const outputSet = new Set(output);
  let acc = ops[0]!;
  for (let i = 1; i < ops.length; i++) {
    const keep = new Set(outputSet);
    for (let j = i + 1; j < ops.length; j++) for (const l of ops[j]!.labels) keep.add(l);
    acc = contract(acc, ops[i]!, keep, sizes);
  }
  acc = sumOut(acc, (l) => outputSet.has(l));
  return reorder(
    acc.t,
    output.map((l) => acc.labels.indexOf(l)),
  );
}
