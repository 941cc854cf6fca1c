import { describe, expect, it } from 'vitest';
import {
  add,
  data,
  getDefaultDevice,
  listBackends,
  manualSeed,
  nn,
  optim,
  randn,
  tensor,
  useWasm,
} from './index.js';

describe('kiln', () => {
  it('registers the cpu backend on first use', () => {
    const y = add(tensor([1, 2, 3]), tensor([10, 20, 30]));
    expect(y.device).toBe('cpu');
    expect(y.toArray()).toEqual([11, 22, 33]);
    expect(listBackends()).toEqual(['cpu']);
  });

  it('exposes nn, optim and data as namespaces that train a model', () => {
    manualSeed(0);
    const x = randn([64, 3]);
    const w = tensor([[1], [-2], [0.5]]);
    const y = x.matmul(w).add(3);
    const ds = new data.TensorDataset(x, y);
    const model = new nn.Linear(3, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const lossFn = new nn.MSELoss();
    let last = Number.POSITIVE_INFINITY;
    for (let epoch = 0; epoch < 30; epoch++) {
      for (const [xb, yb] of new data.DataLoader(ds, { batchSize: 16 })) {
        opt.zeroGrad();
        const loss = lossFn.forward(model.forward(xb!), yb!);
        loss.backward();
        opt.step();
        last = Number(loss.item());
      }
    }
    expect(last).toBeLessThan(1e-3);
    expect(Number(model.bias!.item())).toBeCloseTo(3, 2);
  });

  it('useWasm registers the wasm backend, makes it the default and keeps cpu', async () => {
    await useWasm();
    expect(getDefaultDevice()).toBe('wasm');
    expect(listBackends().sort()).toEqual(['cpu', 'wasm']);
    const y = tensor([1, 2, 3]).float().mul(2);
    expect(y.device).toBe('wasm');
    expect(await y.data()).toEqual(new Float32Array([2, 4, 6]));
    expect(y.to('cpu').toArray()).toEqual([2, 4, 6]);
    await useWasm(); // idempotent
    expect(listBackends().sort()).toEqual(['cpu', 'wasm']);
  });

  it('importing kiln/wasm does the same', async () => {
    const { ready } = await import('./wasm.js');
    await expect(ready).resolves.toBeUndefined();
    expect(getDefaultDevice()).toBe('wasm');
  });
});
