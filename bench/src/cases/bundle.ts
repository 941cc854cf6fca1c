import { bundleSize } from '../harness/bundle.js';
import type { BenchCase } from '../harness/case.js';
import { errorLine } from '../harness/measure.js';
import type { Measurement } from '../harness/types.js';

const KILN_ADD = `
import { add, registerBackend, tensor } from '@kiln/tensor';
import { createCpuBackend } from '@kiln/backend-cpu';
registerBackend(createCpuBackend());
console.log(add(tensor([1, 2]), tensor([3, 4])).dataSync());
`;

const KILN_MLP = `
import { randint, randn, registerBackend } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { Linear, ReLU, Sequential, crossEntropy } from '@kiln/nn';
import { SGD } from '@kiln/optim';
registerBackend(createCpuBackend());
const model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
const opt = new SGD(model.parameters(), { lr: 0.1 });
const x = randn([128, 784]);
const y = randint(0, 10, [128]);
for (let i = 0; i < 10; i++) {
  opt.zeroGrad();
  const loss = crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  console.log(loss.item());
}
`;

const TFJS_ADD = `
import { add, tensor } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
console.log(add(tensor([1, 2]), tensor([3, 4])).dataSync());
`;

async function measure(source: string, budgetKb: number | null): Promise<Measurement> {
  try {
    const { minified, gzipped } = await bundleSize(source);
    const budget =
      budgetKb === null ? '' : `, budget ${budgetKb} KB${gzipped / 1024 > budgetKb ? ' EXCEEDED' : ''}`;
    return {
      ok: true,
      value: gzipped / 1024,
      unit: 'KB',
      note: `minified ${(minified / 1024).toFixed(1)} KB${budget}`,
    };
  } catch (error) {
    const line = errorLine(error);
    return { ok: false, reason: /Could not resolve "@kiln\//.test(line) ? `pending: ${line}` : line };
  }
}

/**
 * Bundle sizes (issue 9), esbuild minified + gzip: Kiln tensor + cpu backend doing one add
 * (budget 40 KB) and tensor + autograd + nn + optim + cpu training an MLP (budget 100 KB), each
 * beside tfjs-core + tfjs-backend-cpu doing one add.
 *
 * @example
 * ```ts
 * bundleCases().length; // 2
 * ```
 */
export function bundleCases(): BenchCase[] {
  const peer = { tfjsBackends: ['cpu'] as const, tfjs: () => measure(TFJS_ADD, null) };
  return [
    {
      name: 'bundle: one add (min+gzip)',
      group: 'bundle size (issue 9)',
      torch: false,
      kilnKinds: ['cpu'],
      kiln: () => measure(KILN_ADD, 40),
      ...peer,
    },
    {
      name: 'bundle: MLP training (min+gzip; peer = tfjs one add)',
      group: 'bundle size (issue 9)',
      torch: false,
      kilnKinds: ['cpu'],
      kiln: () => measure(KILN_MLP, 100),
      ...peer,
    },
  ];
}
