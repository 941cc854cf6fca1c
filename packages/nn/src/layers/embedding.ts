import { embedding, empty, noGrad, ShapeError, type Tensor, ValueError } from '@kiln/autograd';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import type { FactoryOptions } from './linear.js';

/**
 * Options of {@link Embedding}: `paddingIdx` names a row that starts at zero and never receives a
 * gradient (so it stays the "padding" vector); `maxNorm` renormalises, in place, each looked-up
 * row whose `normType`-norm exceeds it.
 *
 * @example
 * ```ts
 * import { Embedding, type EmbeddingOptions } from '@kiln/nn';
 * const o: EmbeddingOptions = { paddingIdx: 0, maxNorm: 1 };
 * new Embedding(100, 16, o);
 * ```
 */
export interface EmbeddingOptions extends FactoryOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
}

/**
 * Options of {@link Embedding.fromPretrained}: `freeze` (default true) turns the gradient off.
 *
 * @example
 * ```ts
 * import { Embedding, type FromPretrainedOptions } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const o: FromPretrainedOptions = { freeze: false };
 * Embedding.fromPretrained(randn([10, 4]), o);
 * ```
 */
export interface FromPretrainedOptions {
  freeze?: boolean;
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, indexed by int32 tensors of
 * any shape (output `[...indices.shape, embeddingDim]`), as `torch.nn.Embedding`. The weight
 * starts as N(0, 1), with the `paddingIdx` row zero.
 *
 * @example
 * ```ts
 * import { Embedding } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * const emb = new Embedding(10, 3, { paddingIdx: 0 });
 * emb.call(tensor([[0, 4]], { dtype: 'int32' })).shape; // [1, 2, 3]
 * ```
 */
export class Embedding extends Module {
  declare weight: Parameter;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    for (const [name, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError(`Embedding: ${name} must be a non-negative integer (got ${v})`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
        throw new ValueError(
          `Embedding: paddingIdx must be within numEmbeddings (got ${paddingIdx}, expected [${-numEmbeddings}, ${numEmbeddings}))`,
        );
      }
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    this.registerParameter('weight', new Parameter(empty([numEmbeddings, embeddingDim], opts)));
    this.resetParameters();
  }

  /**
   * An embedding whose weight is a copy of `embeddings` [V, D], frozen (no gradient) unless
   * `freeze: false`, as `torch.nn.Embedding.from_pretrained`.
   *
   * @example
   * ```ts
   * import { Embedding } from '@kiln/nn';
   * import { tensor } from '@kiln/autograd';
   * const emb = Embedding.fromPretrained(tensor([[1, 2], [3, 4]], { dtype: 'float32' }));
   * emb.call(tensor([1], { dtype: 'int32' })).toArray(); // [[3, 4]]
   * ```
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new ShapeError(
        `Embedding.fromPretrained: expected embeddings to be 2-D [numEmbeddings, embeddingDim], got shape [${embeddings.shape.join(', ')}]`,
      );
    }
    const dtype = embeddings.dtype;
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new ValueError(`Embedding.fromPretrained: expected float embeddings (got ${dtype})`);
    const [V, D] = embeddings.shape as [number, number];
    const emb = new Embedding(V, D, {
      dtype,
      device: embeddings.device,
      ...(options.paddingIdx !== undefined ? { paddingIdx: options.paddingIdx } : {}),
      ...(options.maxNorm !== undefined ? { maxNorm: options.maxNorm } : {}),
      ...(options.normType !== undefined ? { normType: options.normType } : {}),
    });
    // NOTE: PyTorch keeps the given values as is, the padding row included (no zeroing here).
    noGrad(() => emb.weight.copy_(embeddings));
    emb.weight.requiresGrad_(!(options.freeze ?? true));
    return emb;
  }

  /** N(0, 1) weight with the padding row zeroed, as PyTorch. */
  resetParameters(): void {
    normal_(this.weight);
    const idx = this.paddingIdx;
    if (idx !== null) noGrad(() => this.weight.select(0, idx).fill_(0));
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, maxNorm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, normType=${this.normType}`;
    return s;
  }
}
