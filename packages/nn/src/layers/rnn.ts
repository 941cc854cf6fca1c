import {
  cat,
  dropout,
  empty,
  linear,
  ShapeError,
  stack,
  type Tensor,
  ValueError,
  zeros,
} from '@kiln/autograd';
import { uniform_ } from '../init.js';
import { checkLastDim, checkRank } from '../internal/check.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import type { FactoryOptions } from './linear.js';

/**
 * Options shared by {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's keyword arguments,
 * camelCase): stacked layers, biases, batch-first tensors, dropout between layers (training mode
 * only, never after the last layer) and a second, time-reversed direction.
 *
 * @example
 * ```ts
 * import { LSTM, type RNNBaseOptions } from '@kiln/nn';
 * const o: RNNBaseOptions = { numLayers: 2, batchFirst: true, bidirectional: true, dropout: 0.1 };
 * new LSTM(8, 16, o);
 * ```
 */
export interface RNNBaseOptions extends FactoryOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

/**
 * Options of {@link RNN}: the nonlinearity, `'tanh'` (default) or `'relu'`.
 *
 * @example
 * ```ts
 * import { RNN, type RNNOptions } from '@kiln/nn';
 * const o: RNNOptions = { nonlinearity: 'relu' };
 * new RNN(4, 8, o);
 * ```
 */
export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}

type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

interface CellParams {
  wih: Parameter;
  whh: Parameter;
  bih: Parameter | null;
  bhh: Parameter | null;
}

/** The stacked, optionally bidirectional recurrence every recurrent layer shares. */
abstract class RNNBase<H> extends Module<[Tensor, H?], [Tensor, H]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  private readonly cellNames: [string, string, string, string][] = [];

  constructor(
    protected readonly layer: string,
    private readonly mode: Mode,
    inputSize: number,
    hiddenSize: number,
    options: RNNBaseOptions,
  ) {
    super();
    for (const [name, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
      ['numLayers', options.numLayers ?? 1],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ValueError(`${layer}: ${name} must be a positive integer (got ${v})`);
    }
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ValueError(
        `${layer}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed (got ${String(p)})`,
      );
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    const gate = GATES[mode] * hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    // NOTE: PyTorch's names and registration order (w_ih, w_hh, b_ih, b_hh per layer and
    // direction), snake_case, so that state dicts load both ways.
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const names: [string, string, string, string] = [
          `weight_ih${sfx}`,
          `weight_hh${sfx}`,
          `bias_ih${sfx}`,
          `bias_hh${sfx}`,
        ];
        this.registerParameter(names[0], new Parameter(empty([gate, inSize], opts)));
        this.registerParameter(names[1], new Parameter(empty([gate, hiddenSize], opts)));
        if (this.bias) {
          this.registerParameter(names[2], new Parameter(empty([gate], opts)));
          this.registerParameter(names[3], new Parameter(empty([gate], opts)));
        }
        this.cellNames.push(names);
      }
    }
    this.resetParameters();
  }

  /** Every weight and bias uniform in `±1/√hiddenSize`, as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  private cell(i: number): CellParams {
    const names = this.cellNames[i]!;
    const get = (n: string): Parameter | null =>
      (this as unknown as Record<string, Parameter | null | undefined>)[n] ?? null;
    return { wih: get(names[0])!, whh: get(names[1])!, bih: get(names[2]), bhh: get(names[3]) };
  }

  /** One time step: the new state from the input projection `xp` [N, G·H] and the state. */
  private step(xp: Tensor, state: Tensor[], p: CellParams): Tensor[] {
    const h = state[0]!;
    const hh = linear(h, p.whh, p.bhh);
    switch (this.mode) {
      case 'RNN_TANH':
        return [xp.add(hh).tanh()];
      case 'RNN_RELU':
        return [xp.add(hh).relu()];
      case 'LSTM': {
        const [i, f, g, o] = xp.add(hh).chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
        const c = f.sigmoid().mul(state[1]!).add(i.sigmoid().mul(g.tanh()));
        return [o.sigmoid().mul(c.tanh()), c];
      }
      case 'GRU': {
        const [xr, xz, xn] = xp.chunk(3, -1) as [Tensor, Tensor, Tensor];
        const [hr, hz, hn] = hh.chunk(3, -1) as [Tensor, Tensor, Tensor];
        const r = xr.add(hr).sigmoid();
        const z = xz.add(hz).sigmoid();
        // NOTE: PyTorch's GRU applies the reset gate to (W_hn h + b_hn), bias included.
        const n = xn.add(r.mul(hn)).tanh();
        return [n.add(z.mul(h.sub(n)))];
      }
    }
  }

  /**
   * Runs the whole stack. `initial` holds the optional initial states (h, and c for LSTM), each
   * `[numLayers·dirs, N, H]` (or `[numLayers·dirs, H]` unbatched). Returns the last layer's
   * output and the final states.
   */
  protected run(input: Tensor, initial: (Tensor | undefined)[]): [Tensor, Tensor[]] {
    const layout = this.batchFirst ? '(L, H_in) or (N, L, H_in)' : '(L, H_in) or (L, N, H_in)';
    checkRank(this.layer, input, [2, 3], layout);
    checkLastDim(this.layer, input, this.inputSize, 'input_size');
    const batched = input.ndim === 3;
    let x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    const T = x.shape[0]!;
    const N = x.shape[1]!;
    const dirs = this.bidirectional ? 2 : 1;
    const H = this.hiddenSize;
    const want = batched ? [this.numLayers * dirs, N, H] : [this.numLayers * dirs, H];
    const w0 = this.cell(0).wih;
    const states = initial.map((s, k) => {
      if (s === undefined)
        return zeros([this.numLayers * dirs, N, H], { dtype: w0.dtype, device: w0.device });
      if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
        const what = initial.length === 2 ? (k === 0 ? 'h0' : 'c0') : 'hx';
        throw new ShapeError(
          `${this.layer}: expected ${what} of shape [${want.join(', ')}] for input of shape [${input.shape.join(', ')}], got shape [${s.shape.join(', ')}]`,
        );
      }
      return batched ? s : s.unsqueeze(1);
    });
    const finals: Tensor[][] = initial.map(() => []);
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const idx = l * dirs + d;
        const p = this.cell(idx);
        const xp = linear(x, p.wih, p.bih);
        let state = states.map((s) => s.select(0, idx));
        const steps = new Array<Tensor>(T);
        for (let k = 0; k < T; k++) {
          const t = d === 0 ? k : T - 1 - k;
          state = this.step(xp.select(0, t), state, p);
          steps[t] = state[0]!;
        }
        outs.push(T > 0 ? stack(steps, 0) : zeros([0, N, H], { dtype: w0.dtype, device: w0.device }));
        state.forEach((s, k) => {
          finals[k]!.push(s);
        });
      }
      x = dirs === 2 ? cat(outs, 2) : outs[0]!;
      if (this.dropout > 0 && this.training && l < this.numLayers - 1)
        x = dropout(x, { p: this.dropout, training: true });
    }
    const output = batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.squeeze(1);
    return [output, finals.map((f) => (batched ? stack(f, 0) : stack(f, 0).squeeze(1)))];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, numLayers=${this.numLayers}`;
    if (this.mode === 'RNN_RELU') s += `, nonlinearity='relu'`;
    if (!this.bias) s += ', bias=false';
    if (this.batchFirst) s += ', batchFirst=true';
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=true';
    return s;
  }
}

/**
 * An Elman RNN, `h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)` (or ReLU), as
 * `torch.nn.RNN`. `forward(input, h0?)` takes `[L, N, H_in]` (`[N, L, H_in]` with `batchFirst`,
 * `[L, H_in]` unbatched) and returns `[output, hN]`: every step's last-layer state
 * `[L, N, D·H]` and each layer's and direction's final state `[numLayers·D, N, H]`.
 *
 * @example
 * ```ts
 * import { RNN } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const rnn = new RNN(4, 8, { numLayers: 2 });
 * const [out, hN] = rnn.call(randn([5, 3, 4]));
 * out.shape; // [5, 3, 8]
 * hN.shape; // [2, 3, 8]
 * ```
 */
export class RNN extends RNNBase<Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new ValueError(`RNN: unknown nonlinearity '${String(nl)}' (expected 'tanh' or 'relu')`);
    super('RNN', nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [out, [hN]] = this.run(input, [h0]);
    return [out, hN!];
  }
}

/**
 * Long short-term memory, as `torch.nn.LSTM` (gates i, f, g, o in PyTorch's order within each
 * weight). `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]` (shapes as {@link RNN}).
 *
 * @example
 * ```ts
 * import { LSTM } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const lstm = new LSTM(4, 5, { batchFirst: true });
 * const [out, [hN, cN]] = lstm.call(randn([3, 7, 4]));
 * out.shape; // [3, 7, 5]
 * cN.shape; // [1, 3, 5]
 * ```
 */
export class LSTM extends RNNBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('LSTM', 'LSTM', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [out, [hN, cN]] = this.run(input, hx === undefined ? [undefined, undefined] : [hx[0], hx[1]]);
    return [out, [hN!, cN!]];
  }
}

/**
 * Gated recurrent unit, as `torch.nn.GRU` (gates r, z, n in PyTorch's order;
 * `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`, `h' = (1 − z)·n + z·h`). `forward(input, h0?)`
 * returns `[output, hN]` (shapes as {@link RNN}).
 *
 * @example
 * ```ts
 * import { GRU } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const gru = new GRU(4, 3, { bidirectional: true });
 * const [out, hN] = gru.call(randn([5, 2, 4]));
 * out.shape; // [5, 2, 6]
 * hN.shape; // [2, 2, 3]
 * ```
 */
export class GRU extends RNNBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('GRU', 'GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const [out, [hN]] = this.run(input, [h0]);
    return [out, hN!];
  }
}
