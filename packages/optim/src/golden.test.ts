import { readFileSync } from 'node:fs';
import { fromTypedArray, hasBackend, registerBackend, type Tensor, tensor } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  NAdam,
  OneCycleLR,
  type Optimizer,
  PolynomialLR,
  RAdam,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
  StepLR,
} from './index.js';

interface GT {
  shape: number[];
  dtype: string;
  data: number[];
}
interface OptimCase {
  id: string;
  optimizer: string;
  config: Record<string, unknown>;
  params: GT[];
  grads: GT[][];
  trajectory: GT[][];
  rtol: number;
  atol: number;
}
interface SchedCase {
  id: string;
  scheduler: string;
  optimizer: { type: string; lr: number; momentum?: number };
  config: Record<string, unknown>;
  lrs?: number[];
  metrics?: number[];
  lrs_after_step?: number[];
}

const golden = (name: string): { cases: unknown[] } =>
  JSON.parse(readFileSync(new URL(`../../tensor/testdata/${name}`, import.meta.url), 'utf8')) as {
    cases: unknown[];
  };

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const options = (config: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k === 'T_max' ? 'tMax' : k === 'T_0' ? 't0' : k === 'T_mult' ? 'tMult' : camel(k),
      v,
    ]),
  );

const make = (g: GT): Tensor => fromTypedArray(Float32Array.from(g.data), g.shape);

type Ctor = new (params: Tensor[], options: never) => Optimizer<object>;
const OPTIMIZERS: Record<string, Ctor> = {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  Adamax,
  NAdam,
  RAdam,
  Adadelta,
} as Record<string, Ctor>;

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

describe('optimizers match PyTorch step for step (optim.json)', () => {
  for (const c of golden('optim.json').cases as OptimCase[]) {
    it(c.id, () => {
      const params = c.params.map((p) => make(p).requiresGrad_());
      const opt = new OPTIMIZERS[c.optimizer]!(params, options(c.config) as never);
      c.grads.forEach((stepGrads, step) => {
        params.forEach((p, i) => {
          p.grad = make(stepGrads[i]!);
        });
        opt.step();
        params.forEach((p, i) => {
          const want = c.trajectory[step]![i]!.data;
          const got = Array.from(p.dataSync());
          got.forEach((v, j) => {
            expect(
              Math.abs(v - want[j]!),
              `${c.id} step ${step} param ${i}[${j}]: ${v} vs ${want[j]}`,
            ).toBeLessThanOrEqual(c.atol + c.rtol * Math.abs(want[j]!));
          });
        });
      });
    });
  }
});

type SchedCtor = new (opt: never, options: never) => { step(metric?: number): void; getLastLr(): number[] };
const SCHEDULERS: Record<string, SchedCtor> = {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
  CosineAnnealingWarmRestarts,
  PolynomialLR,
  ReduceLROnPlateau,
} as Record<string, SchedCtor>;

describe('schedulers match PyTorch to 1e-9 (sched.json)', () => {
  for (const c of golden('sched.json').cases as SchedCase[]) {
    it(c.id, () => {
      const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
      const opt = new SGD([p], {
        lr: c.optimizer.lr,
        ...(c.optimizer.momentum !== undefined ? { momentum: c.optimizer.momentum } : {}),
      });
      const sched = new SCHEDULERS[c.scheduler]!(opt as never, options(c.config) as never);
      if (c.metrics !== undefined) {
        c.metrics.forEach((m, i) => {
          sched.step(m);
          expect(Math.abs(opt.paramGroups[0]!.lr - c.lrs_after_step![i]!)).toBeLessThan(1e-9);
        });
        return;
      }
      c.lrs!.forEach((want, i) => {
        expect(Math.abs(opt.paramGroups[0]!.lr - want), `${c.id} step ${i}`).toBeLessThan(1e-9);
        opt.step();
        sched.step();
      });
    });
  }
});
