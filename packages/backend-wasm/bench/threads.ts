// Thread scaling (not a test): the same kernels on a 1-thread and an N-thread backend, interleaved
// in one process, best of many rounds, with process CPU time as a cross-check (CPU ≈ wall on the
// N-thread backend means the workers got no core: the machine is busy or throttled, and the
// speedup printed is not the backend's).
// Run: node_modules/.bin/tsx --conditions=source packages/backend-wasm/bench/threads.ts [threads] [rounds]
import { createWasmBackend } from '../src/index.js';
import type { Storage } from '../src/internal/tensor-types.js';

const threads = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 20);
const one = await createWasmBackend({ threads: 1 });
const many = await createWasmBackend({ threads });
console.log('1 thread:', JSON.stringify(one.info()));
console.log(`${threads} threads:`, JSON.stringify(many.info()));
const v = (s: Storage, shape: number[], strides: number[]) => ({ storage: s, shape, strides, offset: 0 });
const o = (s: Storage, shape: number[]) => ({ storage: s, shape, offset: 0 });
type Be = typeof one;

function matmulCase(m: number, n: number, k: number, transposeA = false) {
  return (be: Be) => {
    const a = be.alloc('float32', m * k);
    const b = be.alloc('float32', k * n);
    const c = be.alloc('float32', m * n);
    be.write(
      a,
      new Float32Array(m * k).map(() => Math.random() - 0.5),
    );
    be.write(
      b,
      new Float32Array(k * n).map(() => Math.random() - 0.5),
    );
    const av = transposeA ? v(a, [m, k], [1, m]) : v(a, [m, k], [k, 1]);
    return () => be.matmul(av, v(b, [k, n], [n, 1]), o(c, [m, n]));
  };
}
const cases: [string, (be: Be) => () => void][] = [
  ['matmul 1024', matmulCase(1024, 1024, 1024)],
  ['[128,784]·[784,256]', matmulCase(128, 256, 784)],
  ['[784,128]T·[128,256]', matmulCase(784, 256, 128, true)],
  [
    'conv2d [32,64,32,32] 3x3 pad 1',
    (be) => {
      const x = be.alloc('float32', 32 * 64 * 1024);
      const w = be.alloc('float32', 64 * 576);
      const y = be.alloc('float32', 32 * 64 * 1024);
      const p = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
      return () =>
        be.kernels.conv2d!(
          v(x, [32, 64, 32, 32], [65536, 1024, 32, 1]),
          v(w, [64, 64, 3, 3], [576, 9, 3, 1]),
          null,
          p,
          o(y, [32, 64, 32, 32]),
        );
    },
  ],
  [
    'exp 1M',
    (be) => {
      const a = be.alloc('float32', 1 << 20);
      const c = be.alloc('float32', 1 << 20);
      return () => be.unary('exp', v(a, [1 << 20], [1]), o(c, [1 << 20]));
    },
  ],
];
for (const [name, make] of cases) {
  const fns = [make(one), make(many)];
  for (const f of fns) f();
  const wall = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const cpu = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 2; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      fns[i]!();
      wall[i] = Math.min(wall[i]!, performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i] = Math.min(cpu[i]!, (c.user + c.system) / 1000);
    }
  }
  console.log(
    `${name}: 1t ${wall[0]!.toFixed(3)} ms | ${threads}t ${wall[1]!.toFixed(3)} ms (cpu ${cpu[1]!.toFixed(3)}) | speedup ${(wall[0]! / wall[1]!).toFixed(2)}x`,
  );
}
await many.dispose();
process.exit(0);
