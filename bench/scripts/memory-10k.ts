// Issue 3's memory check at full length: the hand-written MLP SGD step (no dispose, no tidy) for
// 10,000 steps on the cpu backend, live memory (after a collection) at step 100 and every 2,500.
// The bench's memory rows cap each variant at 75 s; this runs the whole 10,000 (about 10 minutes):
//   node_modules/.bin/tsx --expose-gc --conditions=source bench/scripts/memory-10k.ts
import * as kt from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { kilnMlp, sgdUpdate } from '../src/cases/mlp-model.js';

kt.registerBackend(createCpuBackend());
const live = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return kt.memory('cpu');
};
const mlp = kilnMlp(kt as never, 'cpu');
let base = 0;
const t0 = performance.now();
for (let step = 1; step <= 10_000; step++) {
  mlp.loss().backward();
  sgdUpdate(kt as never, mlp.params, 0.01);
  if (step === 100) base = (await live()).bytesInUse;
  if (step % 2500 === 0) {
    const m = await live();
    console.log(
      `step ${step}: live ${(m.bytesInUse / 2 ** 20).toFixed(2)} MiB (step 100: ${(base / 2 ** 20).toFixed(2)} MiB) ratio ${(m.bytesInUse / base).toFixed(3)}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
}
