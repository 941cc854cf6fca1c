import {
  gradcheck,
  hasBackend,
  type NestedInput,
  noGrad,
  ones,
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
import type { Parameter } from '../parameter.js';
import { GRU, LSTM, RNN } from './rnn.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const ft = (data: NestedInput): Tensor => tensor(data, { dtype: 'float32' });
const values = (t: Tensor): number[] => Array.from(t.dataSync(), Number);
const near = (got: number[], want: number[], tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  });
};
/** A parameter by its PyTorch name (names depend on the layer count, so they are not typed). */
const param = (m: object, name: string): Parameter => (m as Record<string, Parameter>)[name]!;
const zeroAll = (m: { parameters(): Parameter[] }): void =>
  noGrad(() => {
    for (const p of m.parameters()) p.zero_();
  });

describe('recurrent layers: parameters', () => {
  it("use PyTorch's names, order and shapes (bidirectional, stacked)", () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true });
    expect(lstm.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:20x3',
      'weight_hh_l0:20x5',
      'bias_ih_l0:20',
      'bias_hh_l0:20',
      'weight_ih_l0_reverse:20x3',
      'weight_hh_l0_reverse:20x5',
      'bias_ih_l0_reverse:20',
      'bias_hh_l0_reverse:20',
      'weight_ih_l1:20x10',
      'weight_hh_l1:20x5',
      'bias_ih_l1:20',
      'bias_hh_l1:20',
      'weight_ih_l1_reverse:20x10',
      'weight_hh_l1_reverse:20x5',
      'bias_ih_l1_reverse:20',
      'bias_hh_l1_reverse:20',
    ]);
    expect(
      new GRU(3, 4, { bias: false }).namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`),
    ).toEqual(['weight_ih_l0:12x3', 'weight_hh_l0:12x4']);
  });

  it('initialise uniformly in ±1/√hiddenSize', () => {
    const rnn = new RNN(8, 16);
    const all = rnn.parameters().flatMap(values);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(0.2);
  });
});

describe('RNN', () => {
  it('computes h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)', () => {
    const rnn = new RNN(1, 1);
    noGrad(() => {
      param(rnn, 'weight_ih_l0').fill_(0.5);
      param(rnn, 'weight_hh_l0').fill_(-1);
      param(rnn, 'bias_ih_l0').fill_(0.1);
      param(rnn, 'bias_hh_l0').fill_(0.2);
    });
    const [out, hN] = rnn.call(ft([[[1]], [[2]]]));
    const h1 = Math.tanh(0.8);
    const h2 = Math.tanh(1.3 - h1);
    near(values(out), [h1, h2]);
    near(values(hN), [h2]);
    expect(hN.shape).toEqual([1, 1, 1]);
  });

  it("supports the 'relu' nonlinearity and an initial state", () => {
    const rnn = new RNN(1, 1, { nonlinearity: 'relu' });
    noGrad(() => {
      param(rnn, 'weight_ih_l0').fill_(1);
      param(rnn, 'weight_hh_l0').fill_(2);
      param(rnn, 'bias_ih_l0').fill_(0);
      param(rnn, 'bias_hh_l0').fill_(0);
    });
    const [out] = rnn.call(ft([[[-1]], [[1]]]), ft([[[3]]]));
    near(values(out), [5, 11]);
    expect(() => new RNN(1, 1, { nonlinearity: 'gelu' as 'relu' })).toThrow(ValueError);
  });

  it('prints like PyTorch', () => {
    expect(new RNN(4, 8, { numLayers: 2, nonlinearity: 'relu', batchFirst: true }).toString()).toBe(
      "RNN(4, 8, numLayers=2, nonlinearity='relu', batchFirst=true)",
    );
  });
});

describe('GRU', () => {
  it('with zero weights halves the state each step (r = z = ½, n = 0)', () => {
    const gru = new GRU(2, 3);
    zeroAll(gru);
    const [out, hN] = gru.call(randn([3, 1, 2]), ones([1, 1, 3]));
    near(values(out), [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125]);
    near(values(hN), [0.125, 0.125, 0.125]);
  });

  it('matches finite differences in float64 (two layers, bidirectional, batch-first)', () => {
    const gru = new GRU(2, 3, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: 'float64' });
    const x = randn([2, 3, 2], { dtype: 'float64', requiresGrad: true });
    const h0 = randn([4, 2, 3], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((a, b) => gru.call(a!, b!), [x, h0])).toBe(true);
  });
});

describe('LSTM', () => {
  it('with zero weights: c_t = ½c_{t−1}, h_t = ½tanh(c_t)', () => {
    const lstm = new LSTM(1, 1);
    zeroAll(lstm);
    const [out, [hN, cN]] = lstm.call(zeros([2, 1, 1]), [zeros([1, 1, 1]), ones([1, 1, 1])]);
    near(values(out), [0.5 * Math.tanh(0.5), 0.5 * Math.tanh(0.25)]);
    near(values(hN), [0.5 * Math.tanh(0.25)]);
    near(values(cN), [0.25]);
  });

  it('matches finite differences in float64 (input, h0, c0)', () => {
    const lstm = new LSTM(2, 2, { dtype: 'float64' });
    const x = randn([3, 2, 2], { dtype: 'float64', requiresGrad: true });
    const h0 = randn([1, 2, 2], { dtype: 'float64', requiresGrad: true });
    const c0 = randn([1, 2, 2], { dtype: 'float64', requiresGrad: true });
    expect(
      gradcheck(
        (a, b, c) => {
          const [out, [h, cell]] = lstm.call(a!, [b!, c!]);
          return [out, h, cell];
        },
        [x, h0, c0],
      ),
    ).toBe(true);
  });

  it('agrees between batch-first and time-major layouts, and with unbatched input', () => {
    const lstm = new LSTM(3, 4);
    const x = randn([5, 2, 3]);
    const [out, [hN]] = lstm.call(x);
    const bf = new LSTM(3, 4, { batchFirst: true });
    bf.loadStateDict(lstm.stateDict());
    const [outBf, [hBf]] = bf.call(x.transpose(0, 1));
    near(values(outBf.transpose(0, 1).contiguous()), values(out));
    near(values(hBf), values(hN));
    const [one, [h1]] = lstm.call(x.select(1, 0));
    expect(one.shape).toEqual([5, 4]);
    expect(h1.shape).toEqual([1, 4]);
    near(values(one), values(out.select(1, 0).contiguous()));
  });

  it('runs the reverse direction backwards in time', () => {
    const lstm = new LSTM(2, 3, { bidirectional: true });
    const x = randn([4, 1, 2]);
    const [out, [hN]] = lstm.call(x);
    expect(out.shape).toEqual([4, 1, 6]);
    // forward direction ends at t = 3, the reverse one at t = 0
    near(values(out.select(0, 3).narrow(1, 0, 3).contiguous()), values(hN.select(0, 0)));
    near(values(out.select(0, 0).narrow(1, 3, 3).contiguous()), values(hN.select(0, 1)));
  });

  it('applies dropout between layers only while training', () => {
    const lstm = new LSTM(2, 3, { numLayers: 2, dropout: 1 });
    const x = randn([3, 1, 2]);
    const [trainOut] = lstm.call(x);
    // with every first-layer output dropped, layer 2 sees zeros: the same as a zero input to it
    const second = new LSTM(3, 3);
    second.loadStateDict(
      new Map([
        ['weight_ih_l0', lstm.stateDict().get('weight_ih_l1')!],
        ['weight_hh_l0', lstm.stateDict().get('weight_hh_l1')!],
        ['bias_ih_l0', lstm.stateDict().get('bias_ih_l1')!],
        ['bias_hh_l0', lstm.stateDict().get('bias_hh_l1')!],
      ]),
    );
    near(values(trainOut), values(second.call(zeros([3, 1, 3]))[0]));
    const [e1] = lstm.eval().call(x);
    const [e2] = lstm.call(x);
    expect(values(e1)).toEqual(values(e2));
    expect(values(e1)).not.toEqual(values(trainOut));
  });

  it('names the layer and both shapes on bad input or state', () => {
    const lstm = new LSTM(4, 5, { batchFirst: true });
    expect(() => lstm.call(randn([3, 7, 2]))).toThrow(ShapeError);
    expect(() => lstm.call(randn([3, 7, 2]))).toThrow(
      /LSTM: expected input with last dimension 4 \(input_size\), got shape \[3, 7, 2\]/,
    );
    expect(() => lstm.call(randn([3]))).toThrow(
      /LSTM: expected 2-D or 3-D input \(L, H_in\) or \(N, L, H_in\), got 1-D/,
    );
    expect(() => lstm.call(randn([3, 7, 4]), [zeros([1, 3, 5]), zeros([1, 2, 5])])).toThrow(
      /LSTM: expected c0 of shape \[1, 3, 5\] for input of shape \[3, 7, 4\], got shape \[1, 2, 5\]/,
    );
    expect(() => new LSTM(4, 5, { dropout: 2 })).toThrow(ValueError);
  });
});
