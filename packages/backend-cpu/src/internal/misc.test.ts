import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpu-backend.js';
import { harness, rand } from '../test-utils/views.js';
import { philoxFill } from './tensor-types.js';

describe('random', () => {
  it('matches philoxFill for both distributions, dtypes and an output offset', () => {
    const h = harness();
    for (const dtype of ['float32', 'float64'] as const) {
      for (const dist of ['uniform', 'normal'] as const) {
        const s = h.be.alloc(dtype, 40);
        h.be.random({ storage: s, shape: [5, 6], offset: 10 }, dist, 2 ** 40 + 123, 2 ** 32 - 7);
        const want = dtype === 'float32' ? new Float32Array(30) : new Float64Array(30);
        philoxFill(want, dist, 2 ** 40 + 123, 2 ** 32 - 7);
        const got = h.be.readSync!(s, 0, 40);
        expect(Array.from(got.slice(0, 10))).toEqual(new Array(10).fill(0));
        expect(Array.from(got.slice(10))).toEqual(Array.from(want));
      }
    }
  });
});

describe('indexing', () => {
  it('gather along axis 1 of a transposed view', () => {
    const h = harness();
    const x = h.view('float32', [1, 2, 3, 4, 5, 6], [2, 3], [1, 2]); // [[1,3,5],[2,4,6]]
    const idx = h.view('int32', [2, 0, 1, 1], [2, 2]);
    const out = h.out('float32', [2, 2]);
    h.be.gather(x, 1, idx, out);
    expect(h.read(out)).toEqual([5, 1, 4, 4]);
  });

  it('scatterAdd accumulates repeated indices', () => {
    const h = harness();
    const dst = h.out('float64', [3, 2]);
    h.be.scatterAdd(
      dst,
      0,
      h.view('int32', [0, 2, 0, 2, 1, 1], [3, 2]),
      h.view('float64', [1, 2, 3, 4, 5, 6], [3, 2]),
    );
    expect(h.read(dst)).toEqual([4, 0, 5, 6, 0, 6]);
  });

  it('indexSelect along the middle axis with repeats', () => {
    const h = harness();
    const data = rand(24, 7);
    const x = h.view('float64', data, [2, 3, 4]);
    const out = h.out('float64', [2, 4, 4]);
    h.be.indexSelect(x, 1, h.view('int32', [2, 0, 2, 1], [4]), out);
    const got = h.read(out);
    const sel = [2, 0, 2, 1];
    for (let a = 0; a < 2; a++)
      for (let j = 0; j < 4; j++)
        for (let c = 0; c < 4; c++) expect(got[(a * 4 + j) * 4 + c]).toBe(data[(a * 3 + sel[j]!) * 4 + c]);
  });
});

describe('storage', () => {
  it('reuses pooled buffers and hands them back zero-filled', () => {
    const be = createCpuBackend();
    const n = 1 << 16;
    const a = be.alloc('float32', n);
    be.write(a, new Float32Array(n).fill(3));
    be.free(a);
    expect(be.memory().bytesReserved).toBeGreaterThanOrEqual(n * 4);
    const b = be.alloc('int32', n);
    expect(be.memory().poolHits).toBe(1);
    expect(be.memory().bytesReserved).toBe(0);
    expect(be.readSync!(b, 0, n).every((v) => v === 0)).toBe(true);
    expect(be.memory()).toMatchObject({ bytesInUse: n * 4, buffers: 1, peak: n * 4 });
    be.free(b);
    expect(be.memory()).toMatchObject({ bytesInUse: 0, buffers: 0 });
  });

  it('reads and writes with offsets, async and sync', async () => {
    const be = createCpuBackend();
    const s = be.alloc('float64', 4);
    be.write(s, new Float64Array([7, 8]), 1);
    expect(Array.from(await be.read(s, 0, 4))).toEqual([0, 7, 8, 0]);
    expect(Array.from(be.readSync!(s, 1, 2))).toEqual([7, 8]);
    expect(be.info()).toMatchObject({ name: 'cpu', threads: 1 });
    expect(be.name).toBe('cpu');
    expect(be.specVersion).toBe(1);
  });
});

/** PyTorch's single-tensor Adam in float64 (the float32 path then rounds every step). */
function refAdam(p: number, g: number, m: number, v: number, o: Record<string, number | boolean>) {
  const { lr, beta1, beta2, eps, weightDecay, step } = o as Record<string, number>;
  if (o.maximize) g = -g;
  if (weightDecay !== 0) {
    if (o.decoupled) p *= 1 - lr! * weightDecay!;
    else g += weightDecay! * p;
  }
  m += (g - m) * (1 - beta1!);
  v = v * beta2! + (1 - beta2!) * g * g;
  const denom = Math.sqrt(v) / Math.sqrt(1 - beta2! ** step!) + eps!;
  p += (-lr! / (1 - beta1! ** step!)) * (m / denom);
  return [p, m, v];
}

describe('optimizers', () => {
  for (const [decoupled, weightDecay, maximize] of [
    [false, 0, false],
    [false, 0.1, false],
    [true, 0.01, true],
  ] as const) {
    it(`adamStep decoupled=${decoupled} wd=${weightDecay} maximize=${maximize} over 3 steps`, () => {
      const h = harness();
      for (const dtype of ['float64', 'float32'] as const) {
        const n = 5;
        const p0 = rand(n, 1);
        const g = rand(n, 2);
        const param = h.view(dtype, p0, [n]);
        const m = h.view(dtype, new Array(n).fill(0), [n]);
        const v = h.view(dtype, new Array(n).fill(0), [n]);
        const ref = p0.map((p) => [p, 0, 0]);
        for (let step = 1; step <= 3; step++) {
          const opts = {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay,
            decoupled,
            step,
            maximize,
          };
          h.be.kernels.adamStep!(param, h.view(dtype, g, [n]), m, v, opts);
          for (let i = 0; i < n; i++) ref[i] = refAdam(ref[i]![0]!, g[i]!, ref[i]![1]!, ref[i]![2]!, opts);
        }
        const got = h.read(param);
        const digits = dtype === 'float64' ? 14 : 6;
        for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(ref[i]![0]!, digits);
        for (let i = 0; i < n; i++) expect(h.read(v)[i]).toBeCloseTo(ref[i]![2]!, digits + 2);
      }
    });
  }

  it('sgdStep with momentum, dampening, nesterov and weight decay', () => {
    const h = harness();
    const n = 4;
    const p0 = rand(n, 3);
    const g = rand(n, 4);
    for (const nesterov of [false, true]) {
      const param = h.view('float64', p0, [n]);
      const buf = h.view('float64', new Array(n).fill(0), [n]);
      const ref = p0.slice();
      const rbuf = new Array<number>(n).fill(0);
      for (let step = 0; step < 3; step++) {
        const o = {
          lr: 0.1,
          momentum: 0.9,
          dampening: nesterov ? 0 : 0.1,
          weightDecay: 0.01,
          nesterov,
          maximize: false,
          firstStep: step === 0,
        };
        h.be.kernels.sgdStep!(param, h.view('float64', g, [n]), buf, o);
        for (let i = 0; i < n; i++) {
          const gi = g[i]! + 0.01 * ref[i]!;
          rbuf[i] = step === 0 ? gi : rbuf[i]! * 0.9 + (1 - o.dampening) * gi;
          ref[i] = ref[i]! - 0.1 * (nesterov ? gi + 0.9 * rbuf[i]! : rbuf[i]!);
        }
      }
      h.read(param).forEach((v, i) => {
        expect(v).toBeCloseTo(ref[i]!, 14);
      });
    }
    const plain = h.view('float32', [1, 2], [2]);
    h.be.kernels.sgdStep!(plain, h.view('float32', [0.5, -1], [2]), null, {
      lr: 0.5,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: true,
      firstStep: true,
    });
    expect(h.read(plain)).toEqual([1.25, 1.5]);
  });
});
