import type { DType, OpAttrs, OpName, Tensor } from '@kiln/tensor';

/**
 * What a gradient rule sees of its node during backward: the forward op's attributes, the tensors
 * it asked to save (checked against in-place changes), and the inputs' shapes and dtypes.
 *
 * @example
 * ```ts
 * import type { GradContext } from '@kiln/autograd';
 * const needsFirst = (ctx: GradContext<'mul'>) => ctx.needsGrad(0);
 * ```
 */
export interface GradContext<K extends OpName> {
  /** The attributes the forward op recorded. */
  readonly attrs: OpAttrs[K];
  /** Saved input `i` (listed in the rule's `saveInputs`). */
  input(i: number): Tensor;
  /** Saved output `i` (when the rule sets `saveOutputs`). */
  output(i: number): Tensor;
  /** Shape of forward input `i`. */
  inputShape(i: number): readonly number[];
  /** Dtype of forward input `i`. */
  inputDType(i: number): DType;
  /**
   * A tensor-valued attribute listed in the rule's `saveAttrs` (e.g. `indices`), held and checked
   * like a saved input, so a `tidy` that disposed it after the forward does not break backward.
   */
  attrTensor(name: string): Tensor;
  /** Whether forward input `i` was a tensor (not null: an absent optional tensor or a scalar). */
  hasInput(i: number): boolean;
  /** Whether input `i` needs a gradient (a rule may skip the others and return null). */
  needsGrad(i: number): boolean;
}

/**
 * Gradients for each forward input, in order (`null`/`undefined` where there is none). A gradient
 * may have a broadcast shape: the engine sums it back to the input's shape and casts its dtype.
 *
 * @example
 * ```ts
 * import type { GradResult, Tensor } from '@kiln/autograd';
 * const passThrough = (g: Tensor): GradResult => [g, null];
 * ```
 */
export type GradResult = readonly (Tensor | null | undefined)[];

/**
 * The gradient rule of one recorded op: its PyTorch grad_fn name, what the forward must save,
 * and the backward written in differentiable tensor ops (so `createGraph` gives higher-order
 * gradients).
 *
 * @example
 * ```ts
 * import type { GradRule } from '@kiln/autograd';
 * const negRule: GradRule<'neg'> = { name: 'NegBackward0', backward: (_ctx, g) => [g.neg()] };
 * ```
 */
export interface GradRule<K extends OpName> {
  /** PyTorch's grad_fn class name (`MulBackward0`), or a function of the attributes. */
  readonly name: string | ((attrs: OpAttrs[K]) => string);
  /**
   * Indices of the forward inputs the backward reads, or a function of which inputs need a
   * gradient (so `h.mul_(2)` saves nothing and a later in-place change of `h` stays legal).
   */
  readonly saveInputs?: readonly number[] | ((needsGrad: (i: number) => boolean) => readonly number[]);
  /** Whether the backward reads the forward outputs. */
  readonly saveOutputs?: boolean;
  /** Tensor-valued attributes the backward reads (saved like inputs). */
  readonly saveAttrs?: readonly string[];
  /**
   * Set when the backward creates no tensor besides those it returns: the engine then skips the
   * scope that frees a rule's temporaries (a per-op saving that the cheapest ops notice).
   */
  readonly noTemporaries?: boolean;
  /** Computes the inputs' gradients from the outputs' gradients (`grad` is `grads[0]`). */
  backward(ctx: GradContext<K>, grad: Tensor, grads: readonly Tensor[]): GradResult;
}

/**
 * One rule per recorded op: adding an op to `OpAttrs` without a rule here fails to compile.
 *
 * @example
 * ```ts
 * import type { GradRuleTable } from '@kiln/autograd';
 * type MulRule = GradRuleTable['mul'];
 * ```
 */
export type GradRuleTable = { readonly [K in OpName]: GradRule<K> };

/** A slice of the rule table for the ops `K`. @internal */
export type GradRules<K extends OpName> = { readonly [P in K]: GradRule<P> };
