import {
  eye,
  gradcheck,
  hasBackend,
  noGrad,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { scaledDotProductAttention } from '../functional/attention.js';
import { MultiheadAttention, type MultiheadAttentionOptions } from './attention.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const values = (t: Tensor | null): number[] => Array.from(t!.dataSync(), Number);
const near = (got: number[], want: number[], tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  });
};

/** An attention whose projections are identities (biases zero), so it is plain attention. */
function identityAttention(
  E: number,
  heads: number,
  options: MultiheadAttentionOptions = {},
): MultiheadAttention {
  const mha = new MultiheadAttention(E, heads, { batchFirst: true, ...options });
  noGrad(() => {
    const I = eye(E);
    mha.in_proj_weight!.copy_(tensorCat([I, I, I]));
    mha.out_proj.weight.copy_(I);
  });
  return mha;
}

function tensorCat(ts: Tensor[]): Tensor {
  return tensor(ts.flatMap((t) => t.toArray()) as number[][], { dtype: 'float32' });
}

describe('MultiheadAttention', () => {
  it("has PyTorch's parameter names and init (xavier in_proj, zero biases)", () => {
    const mha = new MultiheadAttention(8, 2);
    expect([...mha.stateDict()].map(([k, t]) => `${k}:${t.shape.join('x')}`)).toEqual([
      'in_proj_weight:24x8',
      'in_proj_bias:24',
      'out_proj.weight:8x8',
      'out_proj.bias:8',
    ]);
    expect(values(mha.in_proj_bias)).toEqual(new Array(24).fill(0));
    expect(values(mha.out_proj.bias)).toEqual(new Array(8).fill(0));
    expect(Math.max(...values(mha.in_proj_weight).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 32));
    const kv = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
    expect([...kv.stateDict()].map(([k, t]) => `${k}:${t.shape.join('x')}`)).toEqual([
      'q_proj_weight:8x8',
      'k_proj_weight:8x3',
      'v_proj_weight:8x5',
      'out_proj.weight:8x8',
    ]);
    expect(kv.call(randn([4, 2, 8]), randn([6, 2, 3]), randn([6, 2, 5]))[0].shape).toEqual([4, 2, 8]);
  });

  it('with identity projections and one head is softmax(q·kᵀ/√E)·v', () => {
    const mha = identityAttention(2, 1);
    const q = tensor(
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
      { dtype: 'float32' },
    );
    const v = tensor(
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      { dtype: 'float32' },
    );
    const [out, w] = mha.call(q, q, v);
    const a = Math.exp(1 / Math.SQRT2) / (Math.exp(1 / Math.SQRT2) + 1);
    near(values(w), [a, 1 - a, 1 - a, a]);
    near(values(out), [a * 1 + (1 - a) * 3, a * 2 + (1 - a) * 4, (1 - a) * 1 + a * 3, (1 - a) * 2 + a * 4]);
  });

  it('appends a learned key/value with addBiasKV and a zero one with addZeroAttn, never masked', () => {
    const names = [...new MultiheadAttention(4, 2, { addBiasKV: true }).stateDict()].map(
      ([k, t]) => `${k}:${t.shape.join('x')}`,
    );
    expect(names).toEqual([
      'in_proj_weight:12x4',
      'in_proj_bias:12',
      'bias_k:1x1x4',
      'bias_v:1x1x4',
      'out_proj.weight:4x4',
      'out_proj.bias:4',
    ]);
    const q = tensor(
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
      { dtype: 'float32' },
    );
    const v = tensor(
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      { dtype: 'float32' },
    );
    const e = Math.exp(1 / Math.SQRT2);
    const zero = identityAttention(2, 1, { addZeroAttn: true });
    const [out, w] = zero.call(q, q, v);
    near(values(w), [e / (e + 2), 1 / (e + 2), 1 / (e + 2), 1 / (e + 2), e / (e + 2), 1 / (e + 2)]);
    near(values(out.select(1, 0)), [(e + 3) / (e + 2), (2 * e + 4) / (e + 2)]);
    const biased = identityAttention(2, 1, { addBiasKV: true });
    noGrad(() => {
      biased.bias_k!.fill_(0);
      biased.bias_v!.fill_(10);
    });
    const kpm = tensor([[true, false]], { dtype: 'bool' });
    const [outB, wB] = biased.call(q, q, v, { keyPaddingMask: kpm });
    // key 0 is padded out; key 1 and the bias key remain (scores 0 and 0 for query 0)
    near(values(wB!.select(1, 0)), [0, 0.5, 0.5]);
    near(values(outB.select(1, 0)), [6.5, 7]);
    expect(biased.toString()).toContain('addBiasKV=true');
  });

  it('splits heads like scaledDotProductAttention on the projected inputs', () => {
    const mha = new MultiheadAttention(8, 2, { batchFirst: true });
    const x = randn([3, 5, 8]);
    const [out] = mha.call(x, x, x);
    const qkv = x.matmul(mha.in_proj_weight!.t()).add(mha.in_proj_bias!);
    const [q, k, v] = qkv.chunk(3, -1).map((t) => t.reshape([3, 5, 2, 4]).transpose(1, 2)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const ctx = scaledDotProductAttention(q, k, v).transpose(1, 2).reshape([3, 5, 8]);
    near(values(out), values(mha.out_proj.call(ctx)), 1e-5);
  });

  it('masks: key padding, bool and float attention masks, causal', () => {
    const mha = new MultiheadAttention(4, 2, { batchFirst: true });
    const x = randn([2, 3, 4]);
    const kpm = tensor(
      [
        [false, false, true],
        [false, false, false],
      ],
      { dtype: 'bool' },
    );
    const [, w] = mha.call(x, x, x, { keyPaddingMask: kpm });
    const wv = w!.toArray() as number[][][];
    for (const row of wv[0]!) {
      expect(row[2]).toBe(0);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const causalBool = tensor(
      [
        [false, true, true],
        [false, false, true],
        [false, false, false],
      ],
      { dtype: 'bool' },
    );
    const [outBool, wBool] = mha.call(x, x, x, { attnMask: causalBool });
    const causalFloat = tensor(
      [
        [0, -Infinity, -Infinity],
        [0, 0, -Infinity],
        [0, 0, 0],
      ],
      { dtype: 'float32' },
    );
    const [outFloat] = mha.call(x, x, x, { attnMask: causalFloat });
    const [outCausal, wCausal] = mha.call(x, x, x, { isCausal: true });
    near(values(outBool), values(outFloat));
    near(values(outBool), values(outCausal));
    near(values(wBool), values(wCausal));
    expect((wCausal!.toArray() as number[][][])[1]![0]).toEqual([1, 0, 0]);
    const perHead = zeros([4, 3, 3]);
    const [out3d] = mha.call(x, x, x, { attnMask: perHead });
    near(values(out3d), values(mha.call(x, x, x)[0]));
  });

  it('returns per-head weights, or none', () => {
    const mha = new MultiheadAttention(4, 2);
    const x = randn([3, 2, 4]);
    const [, perHead] = mha.call(x, x, x, { averageAttnWeights: false });
    expect(perHead!.shape).toEqual([2, 2, 3, 3]);
    const [, avg] = mha.call(x, x, x);
    near(values(avg), values(perHead!.mean(1)));
    expect(mha.call(x, x, x, { needWeights: false })[1]).toBeNull();
  });

  it('takes unbatched [L, E] input', () => {
    const mha = new MultiheadAttention(4, 2);
    const x = randn([3, 4]);
    const [out, w] = mha.call(x, x, x);
    expect(out.shape).toEqual([3, 4]);
    expect(w!.shape).toEqual([3, 3]);
    near(values(out), values(mha.call(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1))[0]));
  });

  it('applies attention dropout only while training', () => {
    const mha = new MultiheadAttention(4, 1, { dropout: 0.9 });
    const x = randn([6, 1, 4]);
    mha.eval();
    const [a, wa] = mha.call(x, x, x);
    const [b] = mha.call(x, x, x);
    expect(values(a)).toEqual(values(b));
    near(values(wa!.sum(-1)), new Array(6).fill(1));
    mha.train();
    const [, wt] = mha.call(x, x, x);
    expect(values(wt!.sum(-1)).some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
  });

  it('matches finite differences in float64', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64', batchFirst: true });
    const q = randn([2, 3, 4], { dtype: 'float64', requiresGrad: true });
    const kv = randn([2, 5, 4], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((a, b) => mha.call(a!, b!, b!, { isCausal: false })[0], [q, kv])).toBe(true);
  });

  it('names the layer and the shapes on bad input', () => {
    const mha = new MultiheadAttention(8, 2, { batchFirst: true });
    expect(() => new MultiheadAttention(8, 3)).toThrow(ValueError);
    expect(() => mha.call(randn([2, 3, 6]), randn([2, 3, 8]), randn([2, 3, 8]))).toThrow(ShapeError);
    expect(() => mha.call(randn([2, 3, 6]), randn([2, 3, 8]), randn([2, 3, 8]))).toThrow(
      /MultiheadAttention: expected query with last dimension 8, got shape \[2, 3, 6\]/,
    );
    const x = randn([2, 3, 8]);
    expect(() => mha.call(x, x, x, { attnMask: zeros([3, 4]) })).toThrow(
      /2-D attnMask is \[3, 4\], but should be \[3, 3\]/,
    );
    expect(() => mha.call(x, x, x, { attnMask: zeros([2, 3, 3]) })).toThrow(
      /3-D attnMask is \[2, 3, 3\], but should be \[4, 3, 3\]/,
    );
    expect(() => mha.call(x, x, x, { keyPaddingMask: zeros([2, 4]) })).toThrow(
      /keyPaddingMask of shape \[2, 3\], got \[2, 4\]/,
    );
  });

  it('prints its configuration and out_proj', () => {
    expect(new MultiheadAttention(8, 2, { batchFirst: true }).toString()).toBe(
      'MultiheadAttention(\n  embedDim=8, numHeads=2, batchFirst=true\n  (out_proj): Linear(inFeatures=8, outFeatures=8, bias=true)\n)',
    );
  });
});
