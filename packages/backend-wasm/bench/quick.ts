// Quick throughput check (not a test): matmul 1024, the transposed weight-gradient matmul, exp 1M.
// Run: node_modules/.bin/tsx --conditions=source packages/backend-wasm/bench/quick.ts [threads]
import { createWasmBackend } from '../src/index.js';
import type { Storage } from '../src/internal/tensor-types.js';

const threads = Number(process.argv[2] ?? 1);
const be = await createWasmBackend({ threads });
console.log('info', JSON.stringify(be.info()));
const v = (s: Storage, shape: number[], strides: number[]) => ({
  storage: s,
  shape,
  strides,
  offset: 0,
});
const o = (s: Storage, shape: number[]) => ({ storage: s, shape, offset: 0 });
function time(label: string, reps: number, fn: () => void, flops?: number): void {
  // Best of `reps` single runs, by wall clock and (one thread only) by this process's CPU time:
  // on a shared machine the minimum is the least disturbed run.
  for (let i = 0; i < 3; i++) fn();
  let ms = Number.POSITIVE_INFINITY;
  let cpuMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000);
  }
  const rate = (t: number) => (flops ? `, ${(flops / t / 1e6).toFixed(1)} GFLOP/s` : '');
  const cpu = threads === 1 ? ` | cpu ${cpuMs.toFixed(3)} ms${rate(cpuMs)}` : '';
  console.log(`${label}: wall ${ms.toFixed(3)} ms${rate(ms)}${cpu}`);
}
const N = 1024;
const a = be.alloc('float32', N * N);
const b = be.alloc('float32', N * N);
const c = be.alloc('float32', N * N);
const rnd = new Float32Array(N * N).map(() => Math.random() - 0.5);
be.write(a, rnd);
be.write(b, rnd);
time(
  'matmul 1024',
  10,
  () => be.matmul(v(a, [N, N], [N, 1]), v(b, [N, N], [N, 1]), o(c, [N, N])),
  2 * N ** 3,
);
time(
  'matmul 1024 aT',
  10,
  () => be.matmul(v(a, [N, N], [1, N]), v(b, [N, N], [N, 1]), o(c, [N, N])),
  2 * N ** 3,
);
time(
  'matmul 1024 bT',
  10,
  () => be.matmul(v(a, [N, N], [N, 1]), v(b, [N, N], [1, N]), o(c, [N, N])),
  2 * N ** 3,
);
// MLP weight gradient: x [128, 784] -> xT [784, 128] · dy [128, 256]
time(
  '[784,128]T·[128,256]',
  200,
  () => be.matmul(v(a, [784, 128], [1, 784]), v(b, [128, 256], [256, 1]), o(c, [784, 256])),
  2 * 784 * 128 * 256,
);
time(
  '[784,128]·[128,256]',
  200,
  () => be.matmul(v(a, [784, 128], [128, 1]), v(b, [128, 256], [256, 1]), o(c, [784, 256])),
  2 * 784 * 128 * 256,
);
const M = 1 << 20;
time('exp 1M', 50, () => be.unary('exp', v(a, [M], [1]), o(c, [M])));
time('tanh 1M', 50, () => be.unary('tanh', v(a, [M], [1]), o(c, [M])));
time('add 1M', 50, () => be.binary('add', v(a, [M], [1]), v(b, [M], [1]), o(c, [M])));
time('sum 1M', 50, () => be.reduce('sum', v(a, [M], [1]), [0], o(c, [])));
// conv2d [32,64,32,32] -> 64, 3x3, pad 1
const x = be.alloc('float32', 32 * 64 * 32 * 32);
const w = be.alloc('float32', 64 * 64 * 9);
const y = be.alloc('float32', 32 * 64 * 32 * 32);
be.kernels.conv2d!(
  v(x, [32, 64, 32, 32], [65536, 1024, 32, 1]),
  v(w, [64, 64, 3, 3], [576, 9, 3, 1]),
  null,
  { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  o(y, [32, 64, 32, 32]),
);
time(
  'conv2d 32x64x32x32 3x3',
  3,
  () =>
    be.kernels.conv2d!(
      v(x, [32, 64, 32, 32], [65536, 1024, 32, 1]),
      v(w, [64, 64, 3, 3], [576, 9, 3, 1]),
      null,
      { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
      o(y, [32, 64, 32, 32]),
    ),
  2 * 32 * 64 * 1024 * 576,
);
process.exit(0);
