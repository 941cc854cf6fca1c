import { readFileSync } from 'node:fs';
import { hasBackend, registerBackend, zeros } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  OneCycleLR,
  type Optimizer,
  SequentialLR,
  SGD,
  StepLR,
} from './index.js';

interface Trajectory {
  lrs: number[];
  momentums: number[];
}
const extra = JSON.parse(readFileSync(new URL('../testdata/extra-sched.json', import.meta.url), 'utf8')) as {
  cases: Record<string, Trajectory>;
};

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

function sgd(): SGD {
  return new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
}

function check(name: string, opt: Optimizer<{ lr: number }>, sched: { step(): void }): void {
  const want = extra.cases[name]!;
  want.lrs.forEach((lr, i) => {
    const g = opt.paramGroups[0]! as { lr: number; momentum?: number; betas?: [number, number] };
    expect(Math.abs(g.lr - lr), `${name} lr at step ${i}`).toBeLessThan(1e-9);
    const m = g.momentum ?? g.betas![0];
    expect(Math.abs(m - want.momentums[i]!), `${name} momentum at step ${i}`).toBeLessThan(1e-9);
    opt.step();
    sched.step();
  });
}

describe('schedulers not in sched.json, against PyTorch 1.13 (testdata/extra-sched.json)', () => {
  it('ConstantLR', () => {
    const o = sgd();
    check('ConstantLR', o, new ConstantLR(o, { factor: 0.25, totalIters: 3 }));
  });
  it('LambdaLR', () => {
    const o = sgd();
    check('LambdaLR', o, new LambdaLR(o, { lrLambda: (e) => 0.9 ** e + 0.01 * e }));
  });
  it('MultiplicativeLR', () => {
    const o = sgd();
    check('MultiplicativeLR', o, new MultiplicativeLR(o, { lrLambda: () => 0.95 }));
  });
  it('CyclicLR triangular2 and exp_range (momentum cycles too)', () => {
    const a = sgd();
    check(
      'CyclicLR-triangular2',
      a,
      new CyclicLR(a, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: 'triangular2' }),
    );
    const b = sgd();
    check(
      'CyclicLR-exp_range',
      b,
      new CyclicLR(b, {
        baseLr: 0.01,
        maxLr: 0.1,
        stepSizeUp: 2,
        stepSizeDown: 4,
        mode: 'exp_range',
        gamma: 0.9,
      }),
    );
  });
  it('SequentialLR', () => {
    const o = sgd();
    const s = new SequentialLR(o, {
      schedulers: [
        new LinearLR(o, { startFactor: 0.1, totalIters: 3 }),
        new ExponentialLR(o, { gamma: 0.8 }),
      ],
      milestones: [3],
    });
    check('SequentialLR', o, s);
  });
  it('ChainedScheduler', () => {
    const o = sgd();
    check(
      'ChainedScheduler',
      o,
      new ChainedScheduler([
        new ConstantLR(o, { factor: 0.5, totalIters: 3 }),
        new ExponentialLR(o, { gamma: 0.9 }),
      ]),
    );
  });
  it('OneCycleLR on Adam (beta1 cycles), linear, three phases', () => {
    const o = new Adam([zeros([2], { requiresGrad: true })], { lr: 0.1 });
    check(
      'OneCycleLR-adam-linear-3phase',
      o,
      new OneCycleLR(o, { maxLr: 0.3, totalSteps: 15, annealStrategy: 'linear', threePhase: true }),
    );
  });
  it('CosineAnnealingLR past T_max', () => {
    const o = sgd();
    check('CosineAnnealingLR-past-tmax', o, new CosineAnnealingLR(o, { tMax: 3, etaMin: 0.01 }));
  });
});

describe('scheduler errors and state', () => {
  it('refuses schedulers built for another optimizer', () => {
    const a = sgd();
    const b = sgd();
    expect(
      () =>
        new SequentialLR(a, {
          schedulers: [new StepLR(a, { stepSize: 2 }), new StepLR(b, { stepSize: 2 })],
          milestones: [2],
        }),
    ).toThrow(
      /SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index 1/,
    );
    expect(
      () => new ChainedScheduler([new StepLR(a, { stepSize: 2 }), new StepLR(b, { stepSize: 2 })]),
    ).toThrow(/ChainedScheduler expects all schedulers to belong to the same optimizer/);
    expect(() => new StepLR({} as never, { stepSize: 2 })).toThrow(/is not an Optimizer/);
    expect(() => new OneCycleLR(sgd(), { maxLr: 1 })).toThrow(
      /You must define either total_steps OR \(epochs AND steps_per_epoch\)/,
    );
    const o = sgd();
    const s = new OneCycleLR(o, { maxLr: 1, totalSteps: 2 });
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/Tried to step 3 times. The specified number of total steps is 2/);
  });
  it('state dicts resume a scheduler exactly', () => {
    const a = sgd();
    const sa = new StepLR(a, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) sa.step();
    const b = sgd();
    const sb = new StepLR(b, { stepSize: 2, gamma: 0.5 });
    sb.loadStateDict(sa.stateDict());
    b.paramGroups[0]!.lr = a.paramGroups[0]!.lr;
    for (let i = 0; i < 4; i++) {
      sa.step();
      sb.step();
      expect(sb.getLastLr()).toEqual(sa.getLastLr());
    }
  });
});
