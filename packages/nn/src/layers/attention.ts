import {
  cat,
  DTypeError,
  dropout,
  empty,
  linear,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from '@kiln/autograd';
import { causalMask } from '../functional/attention.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { type AnyModule, Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type FactoryOptions, Linear } from './linear.js';

/**
 * Options of {@link MultiheadAttention} (PyTorch's keyword arguments, camelCase): `kdim`/`vdim`
 * give keys and values their own feature sizes (then the projections are `q_proj_weight`,
 * `k_proj_weight` and `v_proj_weight` instead of one `in_proj_weight`). `addBiasKV` appends a
 * learned key and value (`bias_k`, `bias_v`) to every sequence, `addZeroAttn` a zero one.
 *
 * @example
 * ```ts
 * import { MultiheadAttention, type MultiheadAttentionOptions } from '@kiln/nn';
 * const o: MultiheadAttentionOptions = { batchFirst: true, dropout: 0.1, kdim: 6, vdim: 6 };
 * new MultiheadAttention(8, 2, o);
 * ```
 */
export interface MultiheadAttentionOptions extends FactoryOptions {
  dropout?: number;
  bias?: boolean;
  batchFirst?: boolean;
  kdim?: number;
  vdim?: number;
  addBiasKV?: boolean;
  addZeroAttn?: boolean;
}

/**
 * Options of {@link MultiheadAttention.forward}. Masks follow `torch.nn.MultiheadAttention`: a
 * bool mask is **true where attention is not allowed**; a float mask is added to the scores.
 *
 * @example
 * ```ts
 * import type { MultiheadAttentionForwardOptions } from '@kiln/nn';
 * const o: MultiheadAttentionForwardOptions = { isCausal: true, needWeights: false };
 * ```
 */
export interface MultiheadAttentionForwardOptions {
  /** `[N, S]` (or `[S]` unbatched): keys to ignore per batch element. */
  keyPaddingMask?: Tensor | null;
  /** Whether to return the attention weights (default true). */
  needWeights?: boolean;
  /** `[L, S]`, or `[N·numHeads, L, S]` for a mask per batch element and head. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true), else `[N, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
  /**
   * Causal attention (query `i` sees keys `j ≤ i`). Without `attnMask` the causal mask is built
   * here; with one, `attnMask` is taken to be that mask (PyTorch's hint semantics).
   */
  isCausal?: boolean;
}

const fmt = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/**
 * Multi-head attention, as `torch.nn.MultiheadAttention`: queries, keys and values projected into
 * `numHeads` heads of `embedDim / numHeads` features, scaled dot-product attention per head, heads
 * concatenated and projected by `out_proj`. Parameter names are PyTorch's (`in_proj_weight`,
 * `in_proj_bias`, `out_proj.weight`, `out_proj.bias`) so state dicts load both ways.
 * `forward(query, key, value, options?)` takes `[L, N, E]` (`[N, L, E]` with `batchFirst`, or
 * unbatched `[L, E]`) and returns `[output, weights | null]`, the weights `[N, L, S]` averaged
 * over heads (or per head). Dropout (on the weights) applies in training mode only.
 *
 * @example
 * ```ts
 * import { MultiheadAttention } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const mha = new MultiheadAttention(8, 2, { batchFirst: true });
 * const x = randn([3, 5, 8]);
 * const [out, weights] = mha.call(x, x, x);
 * out.shape; // [3, 5, 8]
 * weights?.shape; // [3, 5, 5]
 * ```
 */
export class MultiheadAttention extends Module<
  [Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?],
  [Tensor, Tensor | null]
> {
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Linear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  private readonly sameEmbedDim: boolean;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1) {
      throw new ValueError(
        `MultiheadAttention: embedDim and numHeads must be positive integers (got embedDim=${embedDim}, numHeads=${numHeads})`,
      );
    }
    if (embedDim % numHeads !== 0) {
      throw new ValueError(
        `MultiheadAttention: embedDim must be divisible by numHeads (got embedDim=${embedDim}, numHeads=${numHeads})`,
      );
    }
    const p = options.dropout ?? 0;
    if (!(p >= 0 && p <= 1))
      throw new ValueError(`MultiheadAttention: dropout has to be between 0 and 1 (got ${p})`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = p;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.sameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    const param = (shape: number[]): Parameter => new Parameter(empty(shape, opts));
    // NOTE: PyTorch's names and registration order, so that state dicts load both ways.
    if (this.sameEmbedDim) {
      this.registerParameter('in_proj_weight', param([3 * embedDim, embedDim]));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    } else {
      this.registerParameter('q_proj_weight', param([embedDim, embedDim]));
      this.registerParameter('k_proj_weight', param([embedDim, this.kdim]));
      this.registerParameter('v_proj_weight', param([embedDim, this.vdim]));
      this.registerParameter('in_proj_weight', null);
    }
    this.registerParameter('in_proj_bias', options.bias === false ? null : param([3 * embedDim]));
    this.registerModule(
      'out_proj',
      new Linear(embedDim, embedDim, { ...opts, bias: options.bias !== false }) as unknown as AnyModule,
    );
    const biasKV = options.addBiasKV === true;
    this.registerParameter('bias_k', biasKV ? param([1, 1, embedDim]) : null);
    this.registerParameter('bias_v', biasKV ? param([1, 1, embedDim]) : null);
    this.resetParameters();
  }

  /**
   * Xavier-uniform projections, zero biases (the output projection's weight keeps Linear's init),
   * Xavier-normal `bias_k`/`bias_v`, as PyTorch.
   */
  resetParameters(): void {
    if (this.in_proj_weight !== null) xavierUniform_(this.in_proj_weight);
    for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight])
      if (w !== null) xavierUniform_(w);
    if (this.in_proj_bias !== null) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
    for (const b of [this.bias_k, this.bias_v]) if (b !== null) xavierNormal_(b);
  }

  private project(x: Tensor, which: 0 | 1 | 2): Tensor {
    const E = this.embedDim;
    const b = this.in_proj_bias === null ? null : this.in_proj_bias.narrow(0, which * E, E);
    const w =
      this.in_proj_weight !== null
        ? this.in_proj_weight.narrow(0, which * E, E)
        : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][which]!;
    return linear(x, w, b);
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const layer = 'MultiheadAttention';
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) {
      throw new ShapeError(
        `${layer}: expected query to be 2-D (L, E) or 3-D ${this.batchFirst ? '(N, L, E)' : '(L, N, E)'}, got ${query.ndim}-D query of shape ${fmt(query)}`,
      );
    }
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${layer}: expected key and value of the same rank as query ${fmt(query)}, got key ${fmt(key)} and value ${fmt(value)}`,
      );
    }
    for (const [name, t, want] of [
      ['query', query, this.embedDim],
      ['key', key, this.kdim],
      ['value', value, this.vdim],
    ] as const) {
      if (t.shape[t.ndim - 1] !== want) {
        throw new ShapeError(
          `${layer}: expected ${name} with last dimension ${want}, got shape ${fmt(t)} (embedDim=${this.embedDim}, kdim=${this.kdim}, vdim=${this.vdim})`,
        );
      }
    }
    // Internally batch-first: [N, L, E].
    const toNLE = (t: Tensor): Tensor =>
      !batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1);
    const q0 = toNLE(query);
    const k0 = toNLE(key);
    const v0 = toNLE(value);
    const [N, L] = q0.shape as [number, number];
    const S = k0.shape[1]!;
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw new ShapeError(
        `${layer}: expected key and value with matching batch and sequence sizes, got query ${fmt(query)}, key ${fmt(key)} and value ${fmt(value)}`,
      );
    }
    const H = this.numHeads;
    const D = this.headDim;
    const heads = (t: Tensor, len: number): Tensor => t.reshape([N, len, H, D]).permute([0, 2, 1, 3]);
    const q = heads(this.project(q0, 0), L);
    let kp = this.project(k0, 1);
    let vp = this.project(v0, 2);
    let extra = 0;
    if (this.bias_k !== null && this.bias_v !== null) {
      kp = cat([kp, this.bias_k.expand([N, 1, this.embedDim])], 1);
      vp = cat([vp, this.bias_v.expand([N, 1, this.embedDim])], 1);
      extra++;
    }
    if (this.addZeroAttn) {
      const z = zeros([N, 1, this.embedDim], { dtype: kp.dtype, device: kp.device });
      kp = cat([kp, z], 1);
      vp = cat([vp, z], 1);
      extra++;
    }
    const k = heads(kp, S + extra);
    const v = heads(vp, S + extra);
    let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(D));
    if (extra === 0) scores = this.applyMasks(scores, options, batched, N, L, S, query, key);
    else {
      // NOTE: the appended keys are never masked (PyTorch pads the masks with zeros/false).
      const masked = this.applyMasks(scores.narrow(3, 0, S), options, batched, N, L, S, query, key);
      scores = cat([masked, scores.narrow(3, S, extra)], 3);
    }
    let weights = scores.softmax(-1);
    if (this.training && this.dropout > 0) weights = dropout(weights, { p: this.dropout, training: true });
    const ctx = weights.matmul(v).permute([0, 2, 1, 3]).reshape([N, L, this.embedDim]);
    let out = this.out_proj.call(ctx);
    out = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (!(options.needWeights ?? true)) return [out, null];
    let w = (options.averageAttnWeights ?? true) ? weights.mean(1) : weights;
    if (!batched) w = w.squeeze(0);
    return [out, w];
  }

  private applyMasks(
    scores: Tensor,
    o: MultiheadAttentionForwardOptions,
    batched: boolean,
    N: number,
    L: number,
    S: number,
    query: Tensor,
    key: Tensor,
  ): Tensor {
    const layer = 'MultiheadAttention';
    const apply = (s: Tensor, mask: Tensor, what: string): Tensor => {
      if (mask.dtype === 'bool') return s.maskedFill(mask, Number.NEGATIVE_INFINITY);
      if (mask.dtype === 'float32' || mask.dtype === 'float64') return s.add(mask);
      throw new DTypeError(
        `${layer}: only bool and floating types of ${what} are supported (got ${mask.dtype})`,
      );
    };
    let out = scores;
    const attnMask = o.attnMask ?? null;
    if (attnMask !== null) {
      let m: Tensor;
      if (attnMask.ndim === 2) {
        if (attnMask.shape[0] !== L || attnMask.shape[1] !== S) {
          throw new ShapeError(
            `${layer}: the shape of the 2-D attnMask is ${fmt(attnMask)}, but should be [${L}, ${S}] (query ${fmt(query)}, key ${fmt(key)})`,
          );
        }
        m = attnMask;
      } else if (attnMask.ndim === 3) {
        const want = [N * this.numHeads, L, S];
        if (attnMask.shape.some((d, i) => d !== want[i])) {
          throw new ShapeError(
            `${layer}: the shape of the 3-D attnMask is ${fmt(attnMask)}, but should be [${want.join(', ')}] (query ${fmt(query)}, key ${fmt(key)})`,
          );
        }
        m = attnMask.reshape([N, this.numHeads, L, S]);
      } else {
        throw new ShapeError(
          `${layer}: attnMask's dimension ${attnMask.ndim} is not supported (expected 2-D [L, S] or 3-D [N·numHeads, L, S], got ${fmt(attnMask)})`,
        );
      }
      out = apply(out, m, 'attnMask');
    } else if (o.isCausal === true) {
      out = out.maskedFill(causalMask(L, S, scores), Number.NEGATIVE_INFINITY);
    }
    const kpm = o.keyPaddingMask ?? null;
    if (kpm !== null) {
      const want = batched ? [N, S] : [S];
      if (kpm.ndim !== want.length || kpm.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError(
          `${layer}: expected keyPaddingMask of shape [${want.join(', ')}], got ${fmt(kpm)} (key ${fmt(key)})`,
        );
      }
      out = apply(out, kpm.reshape([N, 1, 1, S]), 'keyPaddingMask');
    }
    return out;
  }

  override extraRepr(): string {
    let s = `embedDim=${this.embedDim}, numHeads=${this.numHeads}`;
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (!this.sameEmbedDim) s += `, kdim=${this.kdim}, vdim=${this.vdim}`;
    if (this.in_proj_bias === null) s += ', bias=false';
    if (this.bias_k !== null) s += ', addBiasKV=true';
    if (this.addZeroAttn) s += ', addZeroAttn=true';
    if (this.batchFirst) s += ', batchFirst=true';
    return s;
  }
}
