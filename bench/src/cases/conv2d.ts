import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

const [N, C, H, W, O, K] = [32, 64, 32, 32, 64, 3] as const;

/**
 * conv2d [32, 64, 32, 32] → 64 channels, 3×3, padding 1 (2.4 GFLOP). Kiln and PyTorch run NCHW;
 * TensorFlow.js runs NHWC, its native layout (same flops).
 *
 * @example
 * ```ts
 * conv2dCases()[0]!.flops; // 2415919104
 * ```
 */
export function conv2dCases(): BenchCase[] {
  return [
    opCase({
      name: 'conv2d [32,64,32,32] 64x3x3 pad 1',
      group: 'conv2d',
      flops: 2 * N * O * H * W * C * K * K,
      inputs: [
        { shape: [N, C, H, W], seed: 7 },
        { shape: [O, C, K, K], seed: 8 },
      ],
      tfjsInputs: [
        { shape: [N, H, W, C], seed: 7 },
        { shape: [K, K, C, O], seed: 8 },
      ],
      kiln: (kt, [x, w]) => kt.conv2d(x!, w!, null, { padding: 1 }),
      tfjs: (t, [x, w]) =>
        t.conv2d(x as Parameters<typeof t.conv2d>[0], w as Parameters<typeof t.conv2d>[1], 1, 'same'),
    }),
  ];
}
