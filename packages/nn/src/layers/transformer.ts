import { gelu, relu, type Tensor, ValueError } from '@kiln/autograd';
import { ModuleList } from '../containers.js';
import { type AnyModule, Module } from '../module.js';
import { MultiheadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { type FactoryOptions, Linear } from './linear.js';
import { LayerNorm } from './norm.js';

/**
 * Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer} (PyTorch's
 * keyword arguments, camelCase; PyTorch's defaults).
 *
 * @example
 * ```ts
 * import { TransformerEncoderLayer, type TransformerLayerOptions } from '@kiln/nn';
 * const o: TransformerLayerOptions = { dimFeedforward: 64, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true };
 * new TransformerEncoderLayer(16, 4, o);
 * ```
 */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere in the layer (default 0.1). */
  dropout?: number;
  /** The feed-forward activation: `'relu'` (default), `'gelu'` or a function. */
  activation?: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (normalise before each block) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
  /** Biases in the linear layers, attention and layer norms (default true). */
  bias?: boolean;
}

/**
 * Options of {@link TransformerEncoderLayer.forward}: masks as {@link MultiheadAttention}'s
 * (bool true = not allowed, float added).
 *
 * @example
 * ```ts
 * import type { TransformerEncoderLayerForwardOptions } from '@kiln/nn';
 * const o: TransformerEncoderLayerForwardOptions = { isCausal: true };
 * ```
 */
export interface TransformerEncoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * Options of {@link TransformerDecoderLayer.forward}: masks as {@link MultiheadAttention}'s.
 *
 * @example
 * ```ts
 * import type { TransformerDecoderLayerForwardOptions } from '@kiln/nn';
 * const o: TransformerDecoderLayerForwardOptions = { tgtIsCausal: true };
 * ```
 */
export interface TransformerDecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

interface Resolved {
  dimFeedforward: number;
  dropout: number;
  activation: (x: Tensor) => Tensor;
  activationName: string;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
  factory: FactoryOptions;
}

function resolve(layer: string, dModel: number, nhead: number, o: TransformerLayerOptions): Resolved {
  if (!Number.isInteger(dModel) || dModel < 1 || !Number.isInteger(nhead) || nhead < 1) {
    throw new ValueError(
      `${layer}: dModel and nhead must be positive integers (got dModel=${dModel}, nhead=${nhead})`,
    );
  }
  const a = o.activation ?? 'relu';
  let activation: (x: Tensor) => Tensor;
  if (a === 'relu') activation = relu;
  else if (a === 'gelu') activation = (x) => gelu(x);
  else if (typeof a === 'function') activation = a;
  else
    throw new ValueError(`${layer}: activation should be 'relu', 'gelu' or a function, not '${String(a)}'`);
  return {
    dimFeedforward: o.dimFeedforward ?? 2048,
    dropout: o.dropout ?? 0.1,
    activation,
    activationName: typeof a === 'string' ? a : 'custom',
    layerNormEps: o.layerNormEps ?? 1e-5,
    batchFirst: o.batchFirst ?? false,
    normFirst: o.normFirst ?? false,
    bias: o.bias ?? true,
    factory: { ...(o.dtype ? { dtype: o.dtype } : {}), ...(o.device ? { device: o.device } : {}) },
  };
}

/** Registers as any module (a layer's typed forward makes its hook types invariant). */
const child = (m: unknown): AnyModule => m as AnyModule;

/** Copies weights, buffers and mode from one module into a freshly built twin (a deep copy). */
function copyInto<M extends { loadStateDict: AnyModule['loadStateDict']; train(mode: boolean): unknown }>(
  fresh: M,
  from: { stateDict: AnyModule['stateDict']; training: boolean },
): M {
  fresh.loadStateDict(from.stateDict());
  fresh.train(from.training);
  return fresh;
}

/**
 * One encoder block, as `torch.nn.TransformerEncoderLayer`: self-attention then a feed-forward
 * network, each with dropout, a residual connection and layer norm (after the block by default,
 * before it with `normFirst`). Children are PyTorch's (`self_attn`, `linear1`, `dropout`,
 * `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`) so state dicts load both ways.
 *
 * @example
 * ```ts
 * import { TransformerEncoderLayer } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
 * layer.call(randn([3, 5, 8])).shape; // [3, 5, 8]
 * ```
 */
export class TransformerEncoderLayer extends Module<
  [Tensor, TransformerEncoderLayerForwardOptions?],
  Tensor
> {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;
  private readonly options: TransformerLayerOptions;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const r = resolve('TransformerEncoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = r.normFirst;
    this.activation = r.activation;
    this.options = { ...options };
    const f = r.factory;
    this.registerModule(
      'self_attn',
      child(
        new MultiheadAttention(dModel, nhead, {
          ...f,
          dropout: r.dropout,
          bias: r.bias,
          batchFirst: r.batchFirst,
        }),
      ),
    );
    this.registerModule('linear1', child(new Linear(dModel, r.dimFeedforward, { ...f, bias: r.bias })));
    this.registerModule('dropout', child(new Dropout(r.dropout)));
    this.registerModule('linear2', child(new Linear(r.dimFeedforward, dModel, { ...f, bias: r.bias })));
    this.registerModule('norm1', child(new LayerNorm(dModel, { ...f, eps: r.layerNormEps, bias: r.bias })));
    this.registerModule('norm2', child(new LayerNorm(dModel, { ...f, eps: r.layerNormEps, bias: r.bias })));
    this.registerModule('dropout1', child(new Dropout(r.dropout)));
    this.registerModule('dropout2', child(new Dropout(r.dropout)));
  }

  /** A deep copy: same configuration, a copy of the weights, same mode. */
  clone(): TransformerEncoderLayer {
    return copyInto(new TransformerEncoderLayer(this.dModel, this.nhead, this.options), this);
  }

  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor => {
      const [y] = this.self_attn.call(x, x, x, {
        attnMask: options.srcMask ?? null,
        keyPaddingMask: options.srcKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.isCausal ?? false,
      });
      return this.dropout1.call(y);
    };
    const ff = (x: Tensor): Tensor =>
      this.dropout2.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
    if (this.normFirst) {
      const x = src.add(sa(this.norm1.call(src)));
      return x.add(ff(this.norm2.call(x)));
    }
    const x = this.norm1.call(src.add(sa(src)));
    return this.norm2.call(x.add(ff(x)));
  }

  override extraRepr(): string {
    return this.normFirst ? 'normFirst=true' : '';
  }
}

/**
 * Options of {@link TransformerEncoder}: an optional final `norm` (e.g. a LayerNorm, needed with
 * pre-norm layers).
 *
 * @example
 * ```ts
 * import { LayerNorm, type TransformerEncoderOptions } from '@kiln/nn';
 * const o: TransformerEncoderOptions = { norm: new LayerNorm(8) };
 * ```
 */
export interface TransformerEncoderOptions {
  norm?: Module<[Tensor], Tensor> | null;
}

/**
 * Options of {@link TransformerEncoder.forward}.
 *
 * @example
 * ```ts
 * import type { TransformerEncoderForwardOptions } from '@kiln/nn';
 * const o: TransformerEncoderForwardOptions = { isCausal: true };
 * ```
 */
export interface TransformerEncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * A stack of `numLayers` copies of an encoder layer (children `layers.0`, `layers.1`, …, as
 * PyTorch), then an optional `norm`, as `torch.nn.TransformerEncoder`. Each copy starts with the
 * given layer's weights, as PyTorch's deep copies do.
 *
 * @example
 * ```ts
 * import { TransformerEncoder, TransformerEncoderLayer } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const enc = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 3);
 * enc.call(randn([5, 2, 8])).shape; // [5, 2, 8]
 * ```
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderForwardOptions?], Tensor> {
  declare layers: ModuleList;
  declare norm: Module<[Tensor], Tensor> | null;
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1)
      throw new ValueError(`TransformerEncoder: numLayers must be a positive integer (got ${numLayers})`);
    this.numLayers = numLayers;
    this.registerModule(
      'layers',
      child(new ModuleList(Array.from({ length: numLayers }, () => child(encoderLayer.clone())))),
    );
    this.registerModule('norm', options.norm ? child(options.norm) : null);
  }

  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    let out = src;
    for (const m of this.layers) {
      const layer = m as unknown as TransformerEncoderLayer;
      out = layer.call(out, {
        srcMask: options.mask ?? null,
        srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
        isCausal: options.isCausal ?? false,
      });
    }
    return this.norm === null ? out : this.norm.call(out);
  }
}

/**
 * One decoder block, as `torch.nn.TransformerDecoderLayer`: self-attention over the target,
 * cross-attention to `memory`, then a feed-forward network, each with dropout, a residual and
 * layer norm (post-norm by default, pre-norm with `normFirst`). Children are PyTorch's
 * (`self_attn`, `multihead_attn`, `linear1`, `dropout`, `linear2`, `norm1`–`norm3`,
 * `dropout1`–`dropout3`).
 *
 * @example
 * ```ts
 * import { TransformerDecoderLayer } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
 * layer.call(randn([2, 4, 8]), randn([2, 6, 8]), { tgtIsCausal: true }).shape; // [2, 4, 8]
 * ```
 */
export class TransformerDecoderLayer extends Module<
  [Tensor, Tensor, TransformerDecoderLayerForwardOptions?],
  Tensor
> {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;
  private readonly options: TransformerLayerOptions;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const r = resolve('TransformerDecoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = r.normFirst;
    this.activation = r.activation;
    this.options = { ...options };
    const f = r.factory;
    const attn = { ...f, dropout: r.dropout, bias: r.bias, batchFirst: r.batchFirst };
    this.registerModule('self_attn', child(new MultiheadAttention(dModel, nhead, attn)));
    this.registerModule('multihead_attn', child(new MultiheadAttention(dModel, nhead, attn)));
    this.registerModule('linear1', child(new Linear(dModel, r.dimFeedforward, { ...f, bias: r.bias })));
    this.registerModule('dropout', child(new Dropout(r.dropout)));
    this.registerModule('linear2', child(new Linear(r.dimFeedforward, dModel, { ...f, bias: r.bias })));
    for (const n of ['norm1', 'norm2', 'norm3'])
      this.registerModule(n, child(new LayerNorm(dModel, { ...f, eps: r.layerNormEps, bias: r.bias })));
    for (const n of ['dropout1', 'dropout2', 'dropout3'])
      this.registerModule(n, child(new Dropout(r.dropout)));
  }

  /** A deep copy: same configuration, a copy of the weights, same mode. */
  clone(): TransformerDecoderLayer {
    return copyInto(new TransformerDecoderLayer(this.dModel, this.nhead, this.options), this);
  }

  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor => {
      const [y] = this.self_attn.call(x, x, x, {
        attnMask: options.tgtMask ?? null,
        keyPaddingMask: options.tgtKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.tgtIsCausal ?? false,
      });
      return this.dropout1.call(y);
    };
    const mha = (x: Tensor): Tensor => {
      const [y] = this.multihead_attn.call(x, memory, memory, {
        attnMask: options.memoryMask ?? null,
        keyPaddingMask: options.memoryKeyPaddingMask ?? null,
        needWeights: false,
        isCausal: options.memoryIsCausal ?? false,
      });
      return this.dropout2.call(y);
    };
    const ff = (x: Tensor): Tensor =>
      this.dropout3.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
    if (this.normFirst) {
      let x = tgt.add(sa(this.norm1.call(tgt)));
      x = x.add(mha(this.norm2.call(x)));
      return x.add(ff(this.norm3.call(x)));
    }
    let x = this.norm1.call(tgt.add(sa(tgt)));
    x = this.norm2.call(x.add(mha(x)));
    return this.norm3.call(x.add(ff(x)));
  }

  override extraRepr(): string {
    return this.normFirst ? 'normFirst=true' : '';
  }
}
