import { beforeAll, describe, expect, it } from 'vitest';
import {
  detectAnomaly,
  enableGrad,
  grad,
  gradcheck,
  isGradEnabled,
  KilnError,
  memory,
  type Node,
  noGrad,
  ones,
  setGradEnabled,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../index.js';
import { useCpu } from '../internal/setup-test.js';

beforeAll(useCpu);

const f32 = (values: number[] | number[][], requiresGrad = true): Tensor =>
  tensor(values, { dtype: 'float32', requiresGrad });
const f64 = (values: number[] | number[][], requiresGrad = true): Tensor =>
  tensor(values, { dtype: 'float64', requiresGrad });
const close = (got: unknown, want: number[], digits = 5): void => {
  const g = (got as Tensor).toArray() as number[];
  expect(g.length).toBe(want.length);
  for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(want[i]!, digits);
};

describe('backward', () => {
  it('computes gradients through a small graph and names its nodes', () => {
    const x = f32([1, 2, 3]);
    const y = x.mul(x).add(x.exp());
    expect((y.gradFn as Node).name).toBe('AddBackward0');
    expect(String(y.gradFn)).toBe('<AddBackward0>');
    const names = (y.gradFn as Node).nextFunctions.map(([n]) => n?.name);
    expect(names).toEqual(['MulBackward0', 'ExpBackward0']);
    const mul = (y.gradFn as Node).nextFunctions[0]?.[0];
    expect((mul as Node).nextFunctions.map(([n]) => n?.name)).toEqual(['AccumulateGrad', 'AccumulateGrad']);
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
    y.backward(ones([3]));
    close(
      x.grad,
      [1, 2, 3].map((v) => 2 * v + Math.exp(v)),
      4,
    );
  });

  it('accumulates into .grad across backward calls', () => {
    const x = f32([1, 2]);
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    close(x.grad, [3 + 2, 3 + 4]);
  });

  it('sums gradients over broadcast dims back to each input shape', () => {
    const a = f32([[1], [2], [3]]); // [3, 1]
    const b = f32([10, 20]); // [2]
    a.mul(b).sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expect(b.grad!.shape).toEqual([2]);
    expect(a.grad!.toArray()).toEqual([[30], [30], [30]]);
    expect(b.grad!.toArray()).toEqual([6, 6]);
  });

  it('gives no gradient to integer and bool inputs', () => {
    const x = f32([1, 2, 3]);
    const k = tensor([2, 3, 4], { dtype: 'int32' });
    const y = x.mul(k).sum();
    y.backward();
    close(x.grad, [2, 3, 4]);
    expect(k.grad).toBeNull();
    expect(k.requiresGrad).toBe(false);
  });

  it('keeps the gradient of a non-leaf with retainGrad', () => {
    const x = f32([1, 2]);
    const h = x.mul(2);
    h.retainGrad();
    h.square().sum().backward();
    close(h.grad, [4, 8]);
    close(x.grad, [8, 16]);
  });

  it('runs tensor hooks, which may replace the gradient', () => {
    const x = f32([1, 2]);
    const h = x.mul(3);
    const seen: number[][] = [];
    h.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.mul(10);
    });
    const remove = x.registerHook((g) => void seen.push(g.toArray() as number[]));
    h.sum().backward();
    expect(seen).toEqual([
      [1, 1],
      [30, 30],
    ]);
    close(x.grad, [30, 30]);
    remove.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(seen.length).toBe(2);
  });

  it('frees saved tensors after backward unless retainGraph', () => {
    const x = f32([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(x.grad, [2 * Math.E, 2 * Math.exp(2)], 4);
    expect(() => y.backward()).toThrow(
      /Trying to backward through the graph a second time \(or directly access saved tensors after they have already been freed\)/,
    );
  });

  it('allows a second backward through a graph that saved nothing, as PyTorch does', () => {
    const x = f32([1, 2]);
    const y = x.add(1).sum();
    y.backward();
    y.backward();
    close(x.grad, [2, 2]);
  });

  it('follows in-place ops on non-leaves', () => {
    const x = f32([1, 2]);
    const y = x.mul(2);
    y.add_(x);
    expect((y.gradFn as Node).name).toBe('AddBackward0');
    y.sum().backward();
    close(x.grad, [3, 3]);

    const h = x.mul(1);
    h.mul_(2);
    h.div_(4);
    h.sum().backward();
    close(x.grad, [3.5, 3.5]);

    // PyTorch keeps the values an in-place op's own backward needs ("original self").
    const p = f64([1.5, 2]);
    const q = p.mul(1);
    q.pow_(3);
    q.mul_(p);
    q.clamp_(0, 20);
    q.sum().backward();
    // d/dp clamp(p^4, 0, 20) = 4p^3 where p^4 < 20 (1.5^4 = 5.06), else 0 (2^4 = 16 < 20 too).
    close(p.grad, [4 * 1.5 ** 3, 4 * 2 ** 3], 8);

    const z = f32([0.5, 1]);
    const w = z.mul(1);
    w.exp_();
    w.sum().backward();
    close(z.grad, [Math.exp(0.5), Math.E], 4);
  });

  it('rewrites the base history when an in-place op writes through a view (CopySlices)', () => {
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = f64([10, 20]);
    const h = x.mul(1);
    const col = h.select(1, 1);
    col.mul_(w);
    expect((h.gradFn as Node).name).toBe('CopySlices');
    expect((col.gradFn as Node).name).toBe('AsStridedBackward0');
    h.square().sum().backward();
    // h = x with column 1 scaled by w: d sum(h²)/dx = 2h·dh/dx.
    const want = [
      [2, 2 * 2 * 10 * 10, 6],
      [8, 2 * 5 * 20 * 20, 12],
    ];
    expect(x.grad!.toArray()).toEqual(want);
    close(w.grad, [2 * 2 * 2 * 10, 2 * 5 * 5 * 20], 8);
    expect(
      gradcheck(
        (a, b) => {
          const t = a.mul(1);
          t.select(1, 1).mul_(b);
          return t.square();
        },
        [
          f64([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          f64([0.5, -2]),
        ],
      ),
    ).toBe(true);
    // The view itself follows the base's new history.
    const y = f64([1, 2, 3]);
    const base = y.mul(2);
    const v = base.slice(0, 1, 3);
    v.add_(1);
    v.mul(3).sum().backward();
    close(y.grad, [0, 6, 6], 8);
  });

  it('disposes the gradient temporaries it creates', () => {
    const w1 = f32([
      [0.1, 0.2],
      [0.3, -0.4],
    ]);
    const w2 = f32([[0.5], [-0.6]]);
    const x = f32([[1, 2]], false);
    const step = (): Tensor => x.matmul(w1).tanh().matmul(w2).square().sum();
    const loss = step();
    const before = memory('cpu').buffers;
    loss.backward();
    // Only the two new .grad tensors remain.
    expect(memory('cpu').buffers - before).toBe(2);
    const again = step();
    const mid = memory('cpu').buffers;
    again.backward();
    // Accumulation is in place: nothing new survives the second backward.
    expect(memory('cpu').buffers).toBe(mid);
    // A whole step inside tidy leaves nothing behind but the gradients.
    const start = memory('cpu').buffers;
    for (let i = 0; i < 3; i++) tidy(() => step().backward());
    expect(memory('cpu').buffers).toBe(start);
  });
});

describe('saved tensors', () => {
  it('survive a tidy around the forward and a dispose of the input', () => {
    const w = f32([
      [0.5, -1],
      [2, 0.25],
    ]);
    const x = f32([[1, 2]], false);
    const loss = tidy(() => x.matmul(w).tanh().sum());
    x.dispose();
    loss.backward();
    const h = [1 * 0.5 + 2 * 2, 1 * -1 + 2 * 0.25].map((v) => 1 - Math.tanh(v) ** 2);
    close(w.grad!.reshape([-1]), [h[0]!, h[1]!, 2 * h[0]!, 2 * h[1]!], 5);
  });

  it('include tensor attributes such as max indices', () => {
    const x = f32([
      [1, 5],
      [7, 2],
    ]);
    const loss = tidy(() => x.max(1).values.sum());
    loss.backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('free their storage once backward has used them', () => {
    const x = f32([1, 2, 3]);
    const before = memory('cpu').buffers;
    const y = x.exp();
    const loss = y.sum();
    y.dispose();
    // y's storage is still held by ExpBackward0.
    expect(memory('cpu').buffers - before).toBe(2);
    loss.backward();
    // Backward released it (the new buffer is x.grad).
    expect(memory('cpu').buffers - before).toBe(2);
    loss.dispose();
    expect(memory('cpu').buffers - before).toBe(1);
  });
});

describe('grad mode', () => {
  it('records nothing inside noGrad and again inside enableGrad', () => {
    const w = f32([1, 2]);
    expect(isGradEnabled()).toBe(true);
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => w.mul(2)));
    expect(z.requiresGrad).toBe(true);
    setGradEnabled(false);
    try {
      expect(w.add(1).requiresGrad).toBe(false);
    } finally {
      setGradEnabled(true);
    }
    expect(noGrad(() => w.mul_(2))).toBe(w);
    close(w, [2, 4]);
  });

  it('detaches', () => {
    const x = f32([1, 2]);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    y.detach_();
    expect(y.isLeaf).toBe(true);
    expect(y.requiresGrad).toBe(false);
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad', () => {
    const x = f32([1, 2]);
    const y = f32([3, 4]);
    const [gx, gy] = grad(x.mul(y).sum(), [x, y]);
    close(gx, [3, 4]);
    close(gy, [1, 2]);
    expect(x.grad).toBeNull();
  });

  it('differentiates with respect to a non-leaf', () => {
    const x = f32([1, 2]);
    const h = x.mul(3);
    const [gh] = grad(h.square().sum(), h);
    close(gh, [6, 12]);
  });

  it('gives higher-order derivatives with createGraph', () => {
    const x = f64([3]);
    const [dy] = grad(x.pow(3).sum(), x, { createGraph: true });
    close(dy, [27]);
    const [d2y] = grad(dy!.sum(), x, { createGraph: true });
    close(d2y, [18]);
    const [d3y] = grad(d2y!.sum(), x);
    close(d3y, [6]);
  });

  it('computes a Hessian-vector product of a tanh MLP that matches finite differences', () => {
    const w1 = f64([
      [0.3, -0.2, 0.5],
      [0.1, 0.4, -0.3],
    ]);
    const w2 = f64([[0.7], [-0.5], [0.2]]);
    const x = f64(
      [
        [1, -1],
        [0.5, 2],
      ],
      false,
    );
    const loss = (a: Tensor, b: Tensor): Tensor => x.matmul(a).tanh().matmul(b).tanh().square().sum();
    const v1 = f64(
      [
        [0.2, -0.1, 0.3],
        [0.5, 0.1, -0.4],
      ],
      false,
    );
    const v2 = f64([[-0.3], [0.2], [0.6]], false);
    const [g1, g2] = grad(loss(w1, w2), [w1, w2], { createGraph: true });
    const gv = g1!.mul(v1).sum().add(g2!.mul(v2).sum());
    const [h1, h2] = grad(gv, [w1, w2]);
    // Central differences of the gradient along v.
    const eps = 1e-5;
    const shifted = (s: number): Tensor[] => {
      const a = noGrad(() => w1.add(v1.mul(s))).requiresGrad_();
      const b = noGrad(() => w2.add(v2.mul(s))).requiresGrad_();
      return grad(loss(a, b), [a, b]) as Tensor[];
    };
    const [p1, p2] = shifted(eps);
    const [m1, m2] = shifted(-eps);
    const fd1 = p1!
      .sub(m1!)
      .div(2 * eps)
      .reshape([-1])
      .toArray() as number[];
    const fd2 = p2!
      .sub(m2!)
      .div(2 * eps)
      .reshape([-1])
      .toArray() as number[];
    close(h1!.reshape([-1]), fd1, 6);
    close(h2!.reshape([-1]), fd2, 6);
  });

  it('returns null for an unused input only with allowUnused', () => {
    const x = f32([1]);
    const unused = f32([2]);
    expect(() => grad(x.mul(2).sum(), [x, unused])).toThrow(
      /One of the differentiated Tensors appears to not have been used in the graph/,
    );
    const [gx, gu] = grad(x.mul(2).sum(), [x, unused], { allowUnused: true });
    close(gx, [2]);
    expect(gu).toBeNull();
  });
});

describe('errors', () => {
  it('refuses an implicit gradient for a non-scalar output', () => {
    expect(() => f32([1, 2]).mul(2).backward()).toThrow(
      /grad can be implicitly created only for scalar outputs/,
    );
  });

  it('refuses a tensor that does not require grad', () => {
    const y = f32([1, 2], false).sum();
    expect(() => y.backward()).toThrow(
      /element 0 of tensors does not require grad and does not have a grad_fn/,
    );
    expect(() => y.backward()).toThrow(KilnError);
  });

  it('refuses a gradient of the wrong shape or dtype', () => {
    const y = f32([1, 2]).mul(2);
    expect(() => y.backward(ones([3]))).toThrow(
      /Mismatch in shape: grad_output\[0\] has a shape of \[3\] and output\[0\] has a shape of \[2\]/,
    );
    expect(() => y.backward(tensor([1, 1], { dtype: 'int32' }))).toThrow(
      /invalid gradient at index 0 - expected dtype float32 but got int32/,
    );
  });

  it('detects an in-place change to a saved tensor', () => {
    const x = f32([1, 2, 3]);
    const y = x.exp();
    y.add_(1);
    expect(() => y.sum().backward()).toThrow(
      'one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead',
    );
    const a = f32([1, 2]);
    const b = a.mul(1);
    const c = b.mul(b);
    b.mul_(2);
    expect(() => c.sum().backward()).toThrow(
      /modified by an inplace operation: \[torch.FloatTensor \[2\]\], which is output 0 of MulBackward1/,
    );
  });

  it('refuses an in-place op on a leaf that requires grad', () => {
    const w = f32([1, 2]);
    expect(() => w.add_(1)).toThrow(
      /a leaf Variable that requires grad is being used in an in-place operation/,
    );
    expect(() => zeros([2]).add_(w)).not.toThrow();
    expect(() => w.slice(0, 0, 1).mul_(2)).toThrow(
      /a view of a leaf Variable that requires grad is being used in an in-place operation/,
    );
    expect(() => w.mul(2).slice(0, 0, 1).fill_(0)).toThrow(
      /in-place fill_ on a tensor that requires grad \(output of SliceBackward0\) is not supported yet/,
    );
    expect(() => w.mul(2).copy_(zeros([2]))).toThrow(/in-place copy_ on a tensor that requires grad/);
    const detached = w.mul(2);
    detached.zero_();
    expect(detached.requiresGrad).toBe(false);
    noGrad(() => w.slice(0, 0, 1).mul_(2));
    close(w, [2, 2]);
  });

  it('names the forward op that produced a NaN or Inf in backward', () => {
    const x = f32([0, 1]);
    expect(() => detectAnomaly(() => x.sqrt().sum().backward())).toThrow(
      /Function 'SqrtBackward0' returned inf values in its 0th output\.\nThe forward op 'sqrt' was recorded at:/,
    );
    const y = f32([-1, 1]);
    expect(() => detectAnomaly(() => y.log().sum().backward())).not.toThrow();
    expect(() => detectAnomaly(() => y.sqrt().sum().backward())).toThrow(
      /'SqrtBackward0' returned nan values/,
    );
  });
});
