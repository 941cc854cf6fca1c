import type { BenchCase } from '../harness/case.js';
import { adamCases } from './adam.js';
import { autogradCases } from './autograd.js';
import { bundleCases } from './bundle.js';
import { cnnCases } from './cnn.js';
import { conv2dCases } from './conv2d.js';
import { cudaCases } from './cuda.js';
import { dataCases } from './data.js';
import { elementwiseCases } from './elementwise.js';
import { fashionMnistTrainCases } from './fashion-mnist-train.js';
import { matmulCases } from './matmul.js';
import { memoryCases } from './memory.js';
import { mlpCases } from './mlp.js';
import { overheadCases } from './overhead.js';
import { reduceCases } from './reduce.js';
import { softmaxCases } from './softmax.js';
import { weightGradCases } from './weight-grad.js';

/**
 * Every case, in the order the table prints them: issue 2's ops first, then the later issues'.
 *
 * @example
 * ```ts
 * allCases().filter((c) => c.name.includes('matmul'));
 * ```
 */
export function allCases(): BenchCase[] {
  return [
    ...matmulCases(),
    ...elementwiseCases(),
    ...reduceCases(),
    ...softmaxCases(),
    ...conv2dCases(),
    ...overheadCases(),
    ...autogradCases(),
    ...mlpCases(),
    ...weightGradCases(),
    ...cnnCases(),
    ...adamCases(),
    ...dataCases(),
    ...fashionMnistTrainCases(),
    ...memoryCases(),
    ...bundleCases(),
    ...cudaCases(),
  ];
}
