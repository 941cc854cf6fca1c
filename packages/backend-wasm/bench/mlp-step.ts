// MLP 784→256→10 training step by hand through @kiln/tensor (ReLU, softmax cross-entropy
// gradient, fused Adam), batch 128, on the wasm backend. Prints ms per step and the heap size
// after step 100 and after the last step (not a test).
// Run: node_modules/.bin/tsx --conditions=source packages/backend-wasm/bench/mlp-step.ts [threads] [steps]
import {
  adamStep_,
  add,
  gt,
  matmul,
  memory,
  mul,
  randint,
  randn,
  registerBackend,
  relu,
  scatter,
  setDefaultDevice,
  softmax,
  sub,
  sum,
  type Tensor,
  tidy,
  zeros,
} from '@kiln/tensor';
import { createWasmBackend } from '../src/index.js';

const threads = Number(process.argv[2] ?? 1);
const steps = Number(process.argv[3] ?? 2000);
const be = await createWasmBackend({ threads });
registerBackend(be);
setDefaultDevice('wasm');
console.log('threads', be.info().threads, be.info().notes.join('; '));

const B = 128;
const x = randn([B, 784]);
const labels = randint(0, 10, [B, 1]);
const params: Tensor[] = [
  mul(randn([784, 256]), 0.05),
  zeros([256]),
  mul(randn([256, 10]), 0.05),
  zeros([10]),
];
const m = params.map((p) => zeros(p.shape));
const v = params.map((p) => zeros(p.shape));
const onehot = scatter(zeros([B, 10]), 1, labels, 1);

function step(t: number): void {
  tidy(() => {
    const [W1, b1, W2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
    const h = relu(add(matmul(x, W1), b1));
    const logits = add(matmul(h, W2), b2);
    const dlogits = mul(sub(softmax(logits, 1), onehot), 1 / B);
    const dW2 = matmul(h.t(), dlogits);
    const db2 = sum(dlogits, 0);
    const dh = mul(matmul(dlogits, W2.t()), gt(h, 0));
    const dW1 = matmul(x.t(), dh);
    const db1 = sum(dh, 0);
    const grads = [dW1, db1, dW2, db2];
    for (let i = 0; i < 4; i++) {
      adamStep_(params[i]!, grads[i]!, m[i]!, v[i]!, {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
        step: t,
        maximize: false,
      });
    }
  });
}

for (let t = 1; t <= 20; t++) step(t);
let best = Number.POSITIVE_INFINITY;
let heapAt100 = 0;
for (let t = 21; t <= steps; t++) {
  const t0 = performance.now();
  step(t);
  best = Math.min(best, performance.now() - t0);
  if (t === 100) heapAt100 = Number(memory('wasm').heapSize);
}
console.log(`MLP step best ${best.toFixed(3)} ms over ${steps} steps`);
console.log(
  `heap after step 100: ${heapAt100} B, after step ${steps}: ${memory('wasm').heapSize} B, buffers ${memory('wasm').buffers}`,
);
process.exit(0);
