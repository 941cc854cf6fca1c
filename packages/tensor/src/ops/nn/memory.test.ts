import { beforeAll, describe, expect, it } from 'vitest';
import { memory } from '../../backend/registry.js';
import type { Tensor } from '../../core/tensor.js';
import { Generator } from '../../random/generator.js';
import { elu, gelu, mish, softplus } from '../activation.js';
import { ones, randn, tensor, zeros } from '../creation.js';
import { conv1d, conv2d, conv2dBackwardInput, conv2dBackwardWeight, convTranspose2d } from './conv.js';
import { cosineSimilarity, normalize } from './distance.js';
import { dropout } from './dropout.js';
import { embedding } from './embedding.js';
import { batchNorm, groupNorm, layerNorm } from './norm.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool1d, maxPool2d } from './pool.js';
import { logSoftmax, softmax } from './softmax.js';
import { DEVICES, registerTestBackends } from './test-golden.js';

beforeAll(registerTestBackends);

type Case = [string, (x: Tensor, device: string) => () => Tensor | Tensor[]];

// NOTE: every op must free all it allocated except its outputs, on both code paths, when nothing
// records for autograd: a training loop without dispose calls relies on it.
const cases: Case[] = [
  [
    'gelu',
    (x) => {
      return () => gelu(x);
    },
  ],
  [
    'softplus',
    (x) => {
      return () => softplus(x, { beta: 2 });
    },
  ],
  [
    'elu',
    (x) => {
      return () => elu(x);
    },
  ],
  [
    'mish',
    (x) => {
      return () => mish(x);
    },
  ],
  [
    'softmax',
    (x) => {
      return () => softmax(x, 1);
    },
  ],
  [
    'logSoftmax',
    (x) => {
      return () => logSoftmax(x, -1);
    },
  ],
  [
    'conv2d',
    (x, d) => {
      const a0 = ones([4, 3, 3, 3], { device: d });
      const a1 = zeros([4], { device: d });
      return () => conv2d(x, a0, a1, { padding: 1, stride: 2 });
    },
  ],
  [
    'conv2d same',
    (x, d) => {
      const a0 = ones([2, 3, 2, 2], { device: d });
      return () => conv2d(x, a0, null, { padding: 'same' });
    },
  ],
  [
    'conv1d',
    (x, d) => {
      const a0 = x.select(2, 0);
      const a1 = ones([2, 3, 3], { device: d });
      return () => conv1d(a0, a1);
    },
  ],
  [
    'convTranspose2d',
    (x, d) => {
      const a0 = ones([3, 2, 3, 3], { device: d });
      return () => convTranspose2d(x, a0, null, { stride: 2, padding: 1 });
    },
  ],
  [
    'conv2dBackwardInput',
    (x, d) => {
      const a0 = ones([3, 2, 3, 3], { device: d });
      return () => conv2dBackwardInput(x, a0, [2, 2, 9, 12], { stride: 2 });
    },
  ],
  [
    'conv2dBackwardWeight',
    (x, d) => {
      const a0 = ones([2, 4, 2, 3], { device: d });
      return () => conv2dBackwardWeight(x, a0, [4, 3, 3, 3], { padding: 1, stride: 2 });
    },
  ],
  [
    'maxPool2d',
    (x) => {
      return () => maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
    },
  ],
  [
    'maxPool2d indices',
    (x) => {
      return () => maxPool2d(x, 2, { returnIndices: true });
    },
  ],
  [
    'maxPool1d',
    (x) => {
      const a0 = x.select(2, 0);
      return () => maxPool1d(a0, 2);
    },
  ],
  [
    'avgPool2d',
    (x) => {
      return () => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false });
    },
  ],
  [
    'adaptiveAvgPool2d',
    (x) => {
      return () => adaptiveAvgPool2d(x, [3, 2]);
    },
  ],
  [
    'batchNorm',
    (x, d) => {
      const a0 = zeros([3], { device: d });
      const a1 = ones([3], { device: d });
      return () => batchNorm(x, a0, a1, { training: true });
    },
  ],
  [
    'layerNorm',
    (x, d) => {
      const a0 = ones([4, 5], { device: d });
      const a1 = zeros([4, 5], { device: d });
      return () => layerNorm(x, [4, 5], a0, a1);
    },
  ],
  [
    'groupNorm',
    (x) => {
      return () => groupNorm(x, 3);
    },
  ],
  [
    'normalize',
    (x) => {
      return () => normalize(x);
    },
  ],
  [
    'cosineSimilarity',
    (x) => {
      const a0 = x.mul(2);
      return () => cosineSimilarity(x, a0);
    },
  ],
  [
    'dropout',
    (x) => {
      return () => dropout(x, { p: 0.3 });
    },
  ],
  [
    'embedding',
    (x, d) => {
      const a0 = tensor(
        [
          [0, 2],
          [1, 1],
        ],
        { dtype: 'int32', device: d },
      );
      const a1 = x.reshape([-1, 5]);
      return () => embedding(a0, a1);
    },
  ],
];

describe.each(DEVICES)('allocation balance on %s', (device) => {
  it.each(cases)('%s frees its intermediates', (_, fn) => {
    const x = randn([2, 3, 4, 5], { device, generator: new Generator(2) });
    // NOTE: a first run settles anything allocated once (a backend's pools).
    const run = fn(x, device);
    const warm = run();
    for (const t of Array.isArray(warm) ? warm : [warm]) t.dispose();
    const before = memory(device).bytesInUse;
    const out = run();
    const outs = Array.isArray(out) ? out : [out];
    const outBytes = outs.reduce((a, t) => a + t.numel() * (t.dtype === 'float64' ? 8 : 4), 0);
    expect(memory(device).bytesInUse - before).toBeLessThanOrEqual(outBytes + 64);
    for (const t of outs) t.dispose();
    expect(memory(device).bytesInUse).toBe(before);
    x.dispose();
  });
});
