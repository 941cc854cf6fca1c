import { hasBackend, noGrad, randn, registerBackend, relu, type Tensor, ValueError } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { LayerNorm } from './norm.js';
import { TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer } from './transformer.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const values = (t: Tensor): number[] => Array.from(t.contiguous().dataSync(), Number);
const near = (got: number[], want: number[], tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  });
};

describe('TransformerEncoderLayer', () => {
  it("has PyTorch's state-dict names", () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    expect([...layer.stateDict().keys()]).toEqual([
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ]);
    expect(layer.namedChildren().map(([k]) => k)).toEqual([
      'self_attn',
      'linear1',
      'dropout',
      'linear2',
      'norm1',
      'norm2',
      'dropout1',
      'dropout2',
    ]);
  });

  it('computes post-norm x = norm1(x + sa(x)); norm2(x + ff(x)) (and pre-norm with normFirst)', () => {
    const x = randn([2, 3, 8]);
    for (const normFirst of [false, true]) {
      const layer = new TransformerEncoderLayer(8, 2, {
        dimFeedforward: 16,
        dropout: 0,
        batchFirst: true,
        normFirst,
      });
      const sa = (t: Tensor): Tensor => layer.self_attn.call(t, t, t)[0];
      const ff = (t: Tensor): Tensor => layer.linear2.call(relu(layer.linear1.call(t)));
      let want: Tensor;
      if (normFirst) {
        const h = x.add(sa(layer.norm1.call(x)));
        want = h.add(ff(layer.norm2.call(h)));
      } else {
        const h = layer.norm1.call(x.add(sa(x)));
        want = layer.norm2.call(h.add(ff(h)));
      }
      near(values(layer.call(x)), values(want));
    }
  });

  it("uses gelu with activation 'gelu' and rejects unknown activations", () => {
    const x = randn([4, 1, 8]);
    const a = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: 'gelu' });
    const b = new TransformerEncoderLayer(8, 2, {
      dimFeedforward: 16,
      dropout: 0,
      activation: (t) => t.gelu(),
    });
    b.loadStateDict(a.stateDict());
    near(values(a.call(x)), values(b.call(x)));
    expect(() => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(ValueError);
  });

  it('with isCausal, a position does not see later ones', () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    const x = randn([1, 4, 8]);
    const head = x.narrow(1, 0, 2).contiguous();
    const a = layer.call(x, { isCausal: true });
    const b = layer.call(head, { isCausal: true });
    near(values(a.narrow(1, 0, 2)), values(b));
    // without the causal mask the first position depends on the rest
    expect(values(layer.call(x).narrow(1, 0, 1))).not.toEqual(values(layer.call(head).narrow(1, 0, 1)));
  });

  it('is deterministic in eval mode even with dropout', () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5 });
    const x = randn([3, 2, 8]);
    const t1 = values(layer.call(x));
    layer.eval();
    const e1 = values(layer.call(x));
    expect(values(layer.call(x))).toEqual(e1);
    expect(t1).not.toEqual(e1);
  });
});

describe('TransformerEncoder', () => {
  it('stacks deep copies of the layer as layers.0 … and an optional final norm', () => {
    const proto = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const enc = new TransformerEncoder(proto, 2, { norm: new LayerNorm(8) });
    const keys = [...enc.stateDict().keys()];
    expect(keys.filter((k) => k.endsWith('in_proj_weight'))).toEqual([
      'layers.0.self_attn.in_proj_weight',
      'layers.1.self_attn.in_proj_weight',
    ]);
    expect(keys.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
    const [l0, l1] = [...enc.layers] as unknown as TransformerEncoderLayer[];
    expect(l0).not.toBe(proto);
    expect(l0!.linear1.weight).not.toBe(l1!.linear1.weight);
    expect(values(l0!.linear1.weight)).toEqual(values(proto.linear1.weight));
    noGrad(() => l0!.linear1.weight.fill_(0));
    expect(values(l1!.linear1.weight)).toEqual(values(proto.linear1.weight));
    const x = randn([5, 2, 8]);
    const want = enc.norm!.call(l1!.call(l0!.call(x)));
    near(values(enc.call(x)), values(want));
  });

  it('passes masks down to every layer', () => {
    const enc = new TransformerEncoder(
      new TransformerEncoderLayer(4, 1, { dimFeedforward: 8, dropout: 0, batchFirst: true }),
      2,
    );
    const x = randn([1, 3, 4]);
    const [l0, l1] = [...enc.layers] as unknown as TransformerEncoderLayer[];
    near(
      values(enc.call(x, { isCausal: true })),
      values(l1!.call(l0!.call(x, { isCausal: true }), { isCausal: true })),
    );
    expect(() => new TransformerEncoder(new TransformerEncoderLayer(4, 1), 0)).toThrow(ValueError);
  });
});

describe('TransformerDecoderLayer', () => {
  it("has PyTorch's children and state-dict names", () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    expect(layer.namedChildren().map(([k]) => k)).toEqual([
      'self_attn',
      'multihead_attn',
      'linear1',
      'dropout',
      'linear2',
      'norm1',
      'norm2',
      'norm3',
      'dropout1',
      'dropout2',
      'dropout3',
    ]);
    expect([...layer.stateDict().keys()]).toContain('multihead_attn.out_proj.bias');
    expect([...layer.stateDict().keys()]).toContain('norm3.weight');
  });

  it('computes self-attention, cross-attention and feed-forward with post-norm', () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    const tgt = randn([2, 3, 8]);
    const mem = randn([2, 5, 8]);
    let h = layer.norm1.call(tgt.add(layer.self_attn.call(tgt, tgt, tgt)[0]));
    h = layer.norm2.call(h.add(layer.multihead_attn.call(h, mem, mem)[0]));
    const want = layer.norm3.call(h.add(layer.linear2.call(relu(layer.linear1.call(h)))));
    near(values(layer.call(tgt, mem)), values(want));
  });

  it('with tgtIsCausal, target position 0 ignores later targets', () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, normFirst: true });
    const tgt = randn([3, 1, 8]);
    const mem = randn([4, 1, 8]);
    const a = layer.call(tgt, mem, { tgtIsCausal: true });
    const b = layer.call(tgt.narrow(0, 0, 1).contiguous(), mem, { tgtIsCausal: true });
    near(values(a.narrow(0, 0, 1)), values(b));
    const pad = layer.call(tgt, mem, { memoryKeyPaddingMask: randn([1, 4]).gt(10) });
    near(values(pad), values(layer.call(tgt, mem)));
  });
});
