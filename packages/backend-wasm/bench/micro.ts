// Micro-benchmarks (not tests): the best of many short runs, which on a shared machine is the
// least disturbed one. GEMM on an L2-sized block, and the vectorised transcendental functions.
// Run: node_modules/.bin/tsx --conditions=source packages/backend-wasm/bench/micro.ts
import { createWasmBackend } from '../src/index.js';
import type { Storage } from '../src/internal/tensor-types.js';

const be = await createWasmBackend();
const v = (s: Storage, shape: number[], strides: number[]) => ({ storage: s, shape, strides, offset: 0 });
const o = (s: Storage, shape: number[]) => ({ storage: s, shape, offset: 0 });

const [m, n, k] = [64, 256, 256];
const a = be.alloc('float32', m * k);
const b = be.alloc('float32', k * n);
const c = be.alloc('float32', m * n);
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < 2000; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) be.matmul(v(a, [m, k], [k, 1]), v(b, [k, n], [n, 1]), o(c, [m, n]));
  best = Math.min(best, (performance.now() - t0) / 10);
}
console.log(
  `gemm ${m}x${n}x${k}: ${best.toFixed(4)} ms, ${((2 * m * n * k) / best / 1e6).toFixed(1)} GFLOP/s`,
);

const M = 1 << 16;
const x = be.alloc('float32', M);
const y = be.alloc('float32', M);
for (const op of ['exp', 'tanh', 'sigmoid', 'erf', 'log', 'relu'] as const) {
  let bt = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 2000; r++) {
    const t0 = performance.now();
    be.unary(op, v(x, [M], [1]), o(y, [M]));
    bt = Math.min(bt, performance.now() - t0);
  }
  console.log(`${op} 64K: ${(bt * 1000).toFixed(1)} us (${(bt * 16).toFixed(3)} ms per 1M)`);
}
// One image of the conv benchmark ([1, 64, 32, 32] -> 64, 3x3, pad 1) against a plain GEMM of the
// same size (64 x 1024 x 576): the gap is the cost of packing B straight from the image.
const xi = be.alloc('float32', 64 * 32 * 32);
const wi = be.alloc('float32', 64 * 64 * 9);
const yi = be.alloc('float32', 64 * 32 * 32);
const bi = be.alloc('float32', 576 * 1024);
const conv = () =>
  be.kernels.conv2d!(
    v(xi, [1, 64, 32, 32], [65536, 1024, 32, 1]),
    v(wi, [64, 64, 3, 3], [576, 9, 3, 1]),
    null,
    { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
    o(yi, [1, 64, 32, 32]),
  );
const plain = () => be.matmul(v(wi, [64, 576], [576, 1]), v(bi, [576, 1024], [1024, 1]), o(yi, [64, 1024]));
for (const [label, fn] of [
  ['conv2d 1x64x32x32 3x3', conv],
  ['gemm 64x1024x576', plain],
] as const) {
  let bt = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 300; r++) {
    const t0 = performance.now();
    fn();
    bt = Math.min(bt, performance.now() - t0);
  }
  console.log(`${label}: ${bt.toFixed(3)} ms, ${((2 * 64 * 1024 * 576) / bt / 1e6).toFixed(1)} GFLOP/s`);
}
process.exit(0);
