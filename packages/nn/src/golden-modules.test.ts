import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromTypedArray, hasBackend, registerBackend, type Tensor } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sequential } from './containers.js';
import { ReLU } from './layers/activation.js';
import { MultiheadAttention } from './layers/attention.js';
import { Conv2d } from './layers/conv.js';
import { Embedding } from './layers/embedding.js';
import { Linear } from './layers/linear.js';
import { BatchNorm1d, LayerNorm } from './layers/norm.js';
import { GRU, LSTM, RNN } from './layers/rnn.js';
import { TransformerEncoderLayer } from './layers/transformer.js';
import type { AnyModule, Module } from './module.js';

interface JsonTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: (number | boolean)[];
}

interface Case {
  id: string;
  module: string;
  config: Record<string, unknown>;
  state_dict: Record<string, JsonTensor>;
  inputs: JsonTensor[];
  output: JsonTensor[];
  upstream: JsonTensor[];
  input_grads: (JsonTensor | null)[];
  param_grads: Record<string, JsonTensor>;
  running_after?: Record<string, JsonTensor>;
  rtol: number;
  atol: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '../../tensor/testdata/nn.json'), 'utf8')) as {
  cases: Case[];
};

function load(t: JsonTensor, requiresGrad = false): Tensor {
  const shape = t.shape;
  switch (t.dtype) {
    case 'int64':
      return fromTypedArray(Int32Array.from(t.data as number[]), shape, { dtype: 'int32' });
    case 'bool':
      return fromTypedArray(Uint8Array.from((t.data as boolean[]).map((b) => (b ? 1 : 0))), shape, {
        dtype: 'bool',
      });
    case 'float64':
      return fromTypedArray(Float64Array.from(t.data as number[]), shape, { dtype: 'float64', requiresGrad });
    default:
      return fromTypedArray(Float32Array.from(t.data as number[]), shape, { dtype: 'float32', requiresGrad });
  }
}

function expectClose(what: string, got: Tensor | null, want: JsonTensor, rtol: number, atol: number): void {
  expect(got, `${what} is missing`).not.toBeNull();
  const g = got!;
  expect(g.shape, `${what} shape`).toEqual(want.shape);
  const values = Array.from(g.dataSync(), Number);
  const bad: string[] = [];
  values.forEach((v, i) => {
    const w = Number(want.data[i]);
    if (!(Math.abs(v - w) <= atol + rtol * Math.abs(w))) bad.push(`[${i}] got ${v}, want ${w}`);
  });
  expect(bad.slice(0, 5), `${what}: ${bad.length} of ${values.length} values off`).toEqual([]);
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** PyTorch's keyword arguments (snake_case) as our options object, minus the positional ones. */
function options(config: Record<string, unknown>, positional: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!positional.includes(k)) out[camel(k)] = v;
  return out;
}

type Runner = (inputs: Tensor[]) => Tensor[];

function build(c: Case): [AnyModule, Runner] {
  const cfg = c.config;
  const num = (k: string): number => cfg[k] as number;
  const any = (m: unknown): AnyModule => m as AnyModule;
  const single = (m: Module): [AnyModule, Runner] => [any(m), ([x]) => [m.call(x!)]];
  switch (c.module) {
    case 'Linear':
      return single(
        new Linear(num('in_features'), num('out_features'), options(cfg, ['in_features', 'out_features'])),
      );
    case 'Conv2d':
      return single(
        new Conv2d(
          num('in_channels'),
          num('out_channels'),
          num('kernel_size'),
          options(cfg, ['in_channels', 'out_channels', 'kernel_size']),
        ),
      );
    case 'BatchNorm1d':
      return single(new BatchNorm1d(num('num_features'), options(cfg, ['num_features'])));
    case 'LayerNorm':
      return single(new LayerNorm(cfg.normalized_shape as number[], options(cfg, ['normalized_shape'])));
    case 'Embedding':
      return single(
        new Embedding(
          num('num_embeddings'),
          num('embedding_dim'),
          options(cfg, ['num_embeddings', 'embedding_dim']),
        ),
      );
    case 'TransformerEncoderLayer': {
      const m = new TransformerEncoderLayer(num('d_model'), num('nhead'), options(cfg, ['d_model', 'nhead']));
      return [any(m), ([x]) => [m.call(x!)]];
    }
    case 'LSTM': {
      const m = new LSTM(num('input_size'), num('hidden_size'), options(cfg, ['input_size', 'hidden_size']));
      return [
        any(m),
        ([x]) => {
          const [out, [h, cell]] = m.call(x!);
          return [out, h, cell];
        },
      ];
    }
    case 'GRU':
    case 'RNN': {
      const m = new (c.module === 'GRU' ? GRU : RNN)(
        num('input_size'),
        num('hidden_size'),
        options(cfg, ['input_size', 'hidden_size']),
      );
      return [any(m), ([x]) => m.call(x!)];
    }
    case 'MultiheadAttention': {
      const m = new MultiheadAttention(
        num('embed_dim'),
        num('num_heads'),
        options(cfg, ['embed_dim', 'num_heads']),
      );
      return [
        any(m),
        ([q, k, v]) => {
          const [out, w] = m.call(q!, k!, v!);
          return [out, w!];
        },
      ];
    }
    case 'Sequential': {
      const layers = (cfg.layers as string[]).map((spec) => {
        const lin = /^Linear\((\d+),\s*(\d+)\)$/.exec(spec);
        if (lin) return new Linear(Number(lin[1]), Number(lin[2]));
        if (spec === 'ReLU') return new ReLU();
        throw new Error(`unknown layer spec ${spec}`);
      });
      return single(new Sequential(...layers));
    }
    default:
      throw new Error(`no builder for ${c.module}`);
  }
}

describe('nn.json golden modules (PyTorch parity)', () => {
  beforeAll(() => {
    if (!hasBackend('cpu')) registerBackend(createCpuBackend());
  });

  it('covers every module in the file', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(11);
  });

  for (const c of golden.cases) {
    it(c.id, () => {
      const [module, run] = build(c);
      const sd = new Map(Object.entries(c.state_dict).map(([k, v]) => [k, load(v)] as const));
      module.loadStateDict(sd);
      if (c.running_after !== undefined && module instanceof BatchNorm1d) {
        // NOTE: the file's state_dict was captured after the training call (PyTorch's state_dict
        // aliases the live buffers, so it equals running_after); the call started from fresh stats.
        const same = Object.entries(c.running_after).every(
          ([k, v]) => JSON.stringify(c.state_dict[k]?.data) === JSON.stringify(v.data),
        );
        if (same) module.resetRunningStats();
      }
      const inputs = c.inputs.map((t) => load(t, t.dtype === 'float32' || t.dtype === 'float64'));
      const outputs = run(inputs);
      expect(outputs.length).toBe(c.output.length);
      outputs.forEach((o, i) => {
        expectClose(`output[${i}]`, o, c.output[i]!, c.rtol, c.atol);
      });
      let loss: Tensor | null = null;
      outputs.forEach((o, i) => {
        const term = o.mul(load(c.upstream[i]!)).sum();
        loss = loss === null ? term : loss.add(term);
      });
      (loss as Tensor | null)?.backward();
      c.input_grads.forEach((g, i) => {
        if (g !== null && g !== undefined)
          expectClose(`input_grads[${i}]`, inputs[i]!.grad, g, c.rtol, c.atol);
      });
      const params = new Map(module.namedParameters());
      for (const [name, g] of Object.entries(c.param_grads)) {
        expect(params.has(name), `parameter ${name}`).toBe(true);
        expectClose(`param_grads.${name}`, params.get(name)!.grad, g, c.rtol, c.atol);
      }
      if (c.running_after !== undefined) {
        const state = module.stateDict();
        for (const [name, want] of Object.entries(c.running_after))
          expectClose(`running_after.${name}`, state.get(name) ?? null, want, c.rtol, c.atol);
      }
    });
  }
});
