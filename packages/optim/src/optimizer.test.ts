import {
  hasBackend,
  manualSeed,
  ones,
  randn,
  registerBackend,
  type Tensor,
  tensor,
  zeros,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, LBFGS, RMSprop, SGD } from './index.js';

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

describe('bad input gives PyTorch messages', () => {
  const p = (): Tensor => ones([2], { requiresGrad: true });
  it('rejects bad hyper-parameters', () => {
    expect(() => new SGD([p()], { lr: -0.1 })).toThrow(/^Invalid learning rate: -0.1$/);
    expect(() => new SGD([p()], { lr: Number.NaN })).toThrow(/^Invalid learning rate: NaN$/);
    expect(() => new Adam([p()], { betas: [1, 0.999] })).toThrow(/^Invalid beta parameter at index 0: 1$/);
    expect(() => new Adam([p()], { betas: [0.9, -0.1] })).toThrow(
      /^Invalid beta parameter at index 1: -0.1$/,
    );
    expect(() => new Adam([p()], { eps: -1 })).toThrow(/^Invalid epsilon value: -1$/);
    expect(() => new SGD([p()], { lr: 0.1, weightDecay: -1 })).toThrow(/^Invalid weight_decay value: -1$/);
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true })).toThrow(
      /Nesterov momentum requires a momentum and zero dampening/,
    );
  });
  it('rejects bad parameters', () => {
    const w = p();
    expect(() => new SGD([w, w], { lr: 0.1 })).toThrow(/duplicate parameters/);
    expect(() => new SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).toThrow(
      /some parameters appear in more than one parameter group/,
    );
    expect(() => new SGD([w.mul(2)], { lr: 0.1 })).toThrow(/can't optimize a non-leaf Tensor/);
    expect(() => new SGD([tensor([1, 2])], { lr: 0.1 })).toThrow(/floating point/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/optimizer got an empty parameter list/);
  });
  it('rejects state dicts of another shape', () => {
    const a = new SGD([p(), p()], { lr: 0.1, momentum: 0.9 });
    const b = new SGD([{ params: [p()] }, { params: [p()] }], { lr: 0.1, momentum: 0.9 });
    expect(() => b.loadStateDict(a.stateDict())).toThrow(
      /loaded state dict has a different number of parameter groups/,
    );
    const c = new SGD([p()], { lr: 0.1, momentum: 0.9 });
    expect(() => c.loadStateDict(a.stateDict())).toThrow(/doesn't match the size of optimizer's group/);
  });
});

describe('behaviour', () => {
  it('skips parameters whose grad is null, and zeroGrad sets grads to null by default', () => {
    const a = ones([2], { requiresGrad: true });
    const b = ones([2], { requiresGrad: true });
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = tensor([1, 1], { dtype: 'float32' });
    opt.step();
    expect(b.toArray()).toEqual([1, 1]);
    expect(opt.state.has(b)).toBe(false);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    a.grad = tensor([1, 1], { dtype: 'float32' });
    opt.zeroGrad({ setToNone: false });
    expect(a.grad?.toArray()).toEqual([0, 0]);
  });
  it('param groups keep their own options', () => {
    const a = zeros([1], { requiresGrad: true });
    const b = zeros([1], { requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    a.grad = ones([1]);
    b.grad = ones([1]);
    opt.step();
    expect(a.item()).toBeCloseTo(-0.1, 6);
    expect(b.item()).toBeCloseTo(-1, 6);
  });
  for (const [name, make] of [
    ['SGD', (ps: Tensor[]) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.01, amsgrad: true })],
    ['RMSprop', (ps: Tensor[]) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
  ] as const) {
    it(`${name}: 5 steps, save, load into a fresh optimizer, 5 more = 10 steps, bit for bit`, () => {
      manualSeed(3);
      const init = randn([4, 3]);
      const grads = Array.from({ length: 10 }, () => randn([4, 3]));
      const run = (split: boolean): number[] => {
        const w = init.clone().requiresGrad_();
        let opt = make([w]);
        for (let i = 0; i < 10; i++) {
          if (split && i === 5) {
            const saved = opt.stateDict();
            opt = make([w]);
            opt.loadStateDict(saved as never);
          }
          w.grad = grads[i]!.clone();
          opt.step();
        }
        return Array.from(w.dataSync());
      };
      expect(run(true)).toEqual(run(false));
    });
  }
  it('LBFGS with strong Wolfe minimises the Rosenbrock function', () => {
    const x = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
    const opt = new LBFGS([x], { lineSearchFn: 'strong_wolfe', maxIter: 100, historySize: 10 });
    const closure = (): Tensor => {
      opt.zeroGrad();
      const a = x.select(0, 0);
      const b = x.select(0, 1);
      const loss = a.neg().add(1).square().add(b.sub(a.square()).square().mul(100));
      loss.backward();
      return loss;
    };
    for (let i = 0; i < 5; i++) opt.step(closure);
    const [a, b] = Array.from(x.dataSync());
    expect(a).toBeCloseTo(1, 4);
    expect(b).toBeCloseTo(1, 4);
  });
});

describe('state survives a tidy around the step', () => {
  it('keeps optimizer state created inside tidy', async () => {
    const { tidy } = await import('@kiln/autograd');
    const w = ones([3], { requiresGrad: true });
    const opt = new Adam([w], { lr: 0.1 });
    for (let i = 0; i < 3; i++) {
      tidy(() => {
        opt.zeroGrad();
        w.square().sum().backward();
        opt.step();
      });
    }
    expect(Number(opt.state.get(w)!.step as number)).toBe(3);
    expect(w.toArray()).not.toEqual([1, 1, 1]);
  });
});
