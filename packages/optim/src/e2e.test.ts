import { readFileSync } from 'node:fs';
import { fromTypedArray, hasBackend, registerBackend, type Tensor } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { crossEntropy, Linear, ReLU, Sequential, Tanh } from '@kiln/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, SGD } from './index.js';

interface GT {
  shape: number[];
  dtype: string;
  data: number[];
}
interface E2ECase {
  id: string;
  model: string[];
  optimizer: string;
  state_dict: Record<string, GT>;
  X: GT;
  Y: GT;
  losses: number[];
  final_state_dict: Record<string, GT>;
  rtol: number;
  atol: number;
}

const cases = (
  JSON.parse(readFileSync(new URL('../../tensor/testdata/e2e.json', import.meta.url), 'utf8')) as {
    cases: E2ECase[];
  }
).cases;
const make = (g: GT): Tensor =>
  g.dtype === 'int64'
    ? fromTypedArray(Int32Array.from(g.data), g.shape)
    : fromTypedArray(Float32Array.from(g.data), g.shape);

// NOTE: e2e.json does not store the optimizers' hyper-parameters; these reproduce its losses in
// PyTorch 1.13 to 1e-7 (found by searching a grid with the local PyTorch).
const OPTIMIZER_CONFIG: Record<string, { lr: number; momentum?: number }> = {
  Adam: { lr: 0.01 },
  SGD: { lr: 0.1, momentum: 0.9 },
};

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

describe('end-to-end training matches PyTorch (e2e.json)', () => {
  for (const c of cases) {
    it(c.id, () => {
      const model = new Sequential(
        new Linear(8, 16),
        c.model[1]!.startsWith('ReLU') ? new ReLU() : new Tanh(),
        new Linear(16, 3),
      );
      model.loadStateDict(Object.fromEntries(Object.entries(c.state_dict).map(([k, v]) => [k, make(v)])));
      const cfg = OPTIMIZER_CONFIG[c.optimizer]!;
      const opt =
        c.optimizer === 'Adam'
          ? new Adam(model.parameters(), { lr: cfg.lr })
          : new SGD(model.parameters(), { lr: cfg.lr, momentum: cfg.momentum ?? 0 });
      const x = make(c.X);
      const y = make(c.Y);
      c.losses.forEach((want, step) => {
        opt.zeroGrad();
        const loss = crossEntropy(model.call(x), y);
        const got = Number(loss.item());
        expect(Math.abs(got - want), `step ${step}: ${got} vs ${want}`).toBeLessThanOrEqual(
          c.atol + c.rtol * Math.abs(want),
        );
        loss.backward();
        opt.step();
      });
      const final = model.stateDict();
      for (const [k, g] of Object.entries(c.final_state_dict)) {
        const got = Array.from(final.get(k)!.dataSync());
        got.forEach((v, i) => {
          expect(Math.abs(v - g.data[i]!), `${k}[${i}]`).toBeLessThanOrEqual(
            c.atol + c.rtol * Math.abs(g.data[i]!),
          );
        });
      }
    });
  }
});
