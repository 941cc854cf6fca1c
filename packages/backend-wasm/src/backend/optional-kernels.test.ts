import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import { erfRef } from '../internal/reference.js';
import type { Backend, Conv2dParams } from '../internal/tensor-types.js';
import {
  expectClose,
  LAYOUTS,
  makeOut,
  makeTensor,
  ravel,
  readOut,
  rng,
  size,
  unravel,
} from '../internal/test-views.js';
import type { WasmContext } from './context.js';
import { WASM_INTERNALS } from './create-backend.js';

let be: Backend;
beforeAll(async () => {
  be = await createWasmBackend({ guards: true });
});

const f = Math.fround;

interface ConvCase {
  x: [number, number, number, number];
  o: number;
  k: [number, number];
  p: Conv2dParams;
}

const CONV_CASES: readonly ConvCase[] = [
  { x: [2, 3, 7, 6], o: 4, k: [3, 3], p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } },
  { x: [1, 4, 9, 8], o: 6, k: [3, 2], p: { stride: [2, 1], padding: [0, 1], dilation: [1, 2], groups: 2 } },
  { x: [2, 5, 5, 5], o: 3, k: [1, 1], p: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 } },
  { x: [1, 2, 8, 8], o: 2, k: [5, 5], p: { stride: [3, 3], padding: [2, 2], dilation: [1, 1], groups: 1 } },
];

function outHW(c: ConvCase): [number, number] {
  const [, , H, W] = c.x;
  const Ho = Math.floor((H + 2 * c.p.padding[0] - c.p.dilation[0] * (c.k[0] - 1) - 1) / c.p.stride[0]) + 1;
  const Wo = Math.floor((W + 2 * c.p.padding[1] - c.p.dilation[1] * (c.k[1] - 1) - 1) / c.p.stride[1]) + 1;
  return [Ho, Wo];
}

/** Calls fn(n, o, c (absolute), oh, ow, i, j, h, w) for every in-bounds tap of the convolution. */
function forTaps(
  c: ConvCase,
  fn: (
    n: number,
    o: number,
    ci: number,
    oh: number,
    ow: number,
    i: number,
    j: number,
    h: number,
    w: number,
  ) => void,
): void {
  const [N, C, H, W] = c.x;
  const [Ho, Wo] = outHW(c);
  const G = c.p.groups;
  const Cg = C / G;
  const Og = c.o / G;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < c.o; o++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++)
          for (let cc = 0; cc < Cg; cc++)
            for (let i = 0; i < c.k[0]; i++)
              for (let j = 0; j < c.k[1]; j++) {
                const h = oh * c.p.stride[0] - c.p.padding[0] + i * c.p.dilation[0];
                const w = ow * c.p.stride[1] - c.p.padding[1] + j * c.p.dilation[1];
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                fn(n, o, Math.floor(o / Og) * Cg + cc, oh, ow, i, j, h, w);
              }
}

describe('conv2d and its gradients', () => {
  for (const [ci, c] of CONV_CASES.entries()) {
    it(`case ${ci}: forward, backward input, backward weight on several layouts`, () => {
      const r = rng(ci + 10);
      const [N, C] = c.x;
      const Cg = C / c.p.groups;
      const wShape = [c.o, Cg, c.k[0], c.k[1]];
      const [Ho, Wo] = outHW(c);
      const yShape = [N, c.o, Ho, Wo];
      for (const layout of ['contiguous', 'permuted', 'padded'] as const) {
        const x = makeTensor(be, 'float32', c.x, layout, r);
        const w = makeTensor(be, 'float32', wShape, layout === 'permuted' ? 'padded' : 'contiguous', r);
        const bias = makeTensor(be, 'float32', [c.o], layout === 'padded' ? 'padded' : 'contiguous', r);
        const y = makeOut(be, 'float32', yShape);
        be.kernels.conv2d!(x.view, w.view, bias.view, c.p, y);
        const want = Array.from({ length: size(yShape) }, (_, i) => bias.values[unravel(i, yShape)[1]!]!);
        forTaps(c, (n, o, cc, oh, ow, i, j, h, ww) => {
          want[ravel([n, o, oh, ow], yShape)]! +=
            x.values[ravel([n, cc, h, ww], c.x)]! * w.values[ravel([o, cc % Cg, i, j], wShape)]!;
        });
        expectClose(readOut(be, y), want.map(f), 1e-5, 1e-5, `conv ${ci} ${layout}`);

        const gy = makeTensor(be, 'float32', yShape, layout, r);
        const dx = makeOut(be, 'float32', c.x);
        be.kernels.conv2dBackwardInput!(gy.view, w.view, c.p, dx);
        const wantDx = new Array<number>(size(c.x)).fill(0);
        forTaps(c, (n, o, cc, oh, ow, i, j, h, ww) => {
          wantDx[ravel([n, cc, h, ww], c.x)]! +=
            gy.values[ravel([n, o, oh, ow], yShape)]! * w.values[ravel([o, cc % Cg, i, j], wShape)]!;
        });
        expectClose(readOut(be, dx), wantDx.map(f), 1e-5, 1e-5, `dx ${ci} ${layout}`);

        const dw = makeOut(be, 'float32', wShape);
        be.kernels.conv2dBackwardWeight!(x.view, gy.view, c.p, dw);
        const wantDw = new Array<number>(size(wShape)).fill(0);
        forTaps(c, (n, o, cc, oh, ow, i, j, h, ww) => {
          wantDw[ravel([o, cc % Cg, i, j], wShape)]! +=
            gy.values[ravel([n, o, oh, ow], yShape)]! * x.values[ravel([n, cc, h, ww], c.x)]!;
        });
        expectClose(readOut(be, dw), wantDw.map(f), 1e-5, 1e-5, `dw ${ci} ${layout}`);
        for (const s of [x.storage, w.storage, bias.storage, y.storage, gy.storage, dx.storage, dw.storage])
          be.free(s);
      }
    });
  }
});

describe('conv2d forward over padded images in chunks', () => {
  it('gives the same result one image at a time (single and 2 threads)', async () => {
    for (const threads of [1, 2]) {
      const b2 = await createWasmBackend({ guards: true, threads });
      const ctx = (b2 as unknown as Record<symbol, { ctx: WasmContext }>)[WASM_INTERNALS]!.ctx;
      ctx.convPadLimitBytes = 1;
      for (const [ci, c] of CONV_CASES.entries()) {
        const r = rng(ci + 50);
        const Cg = c.x[1] / c.p.groups;
        const wShape = [c.o, Cg, c.k[0], c.k[1]];
        const yShape = [c.x[0], c.o, ...outHW(c)];
        const x = makeTensor(b2, 'float32', c.x, 'permuted', r);
        const w = makeTensor(b2, 'float32', wShape, 'contiguous', r);
        const y = makeOut(b2, 'float32', yShape);
        b2.kernels.conv2d!(x.view, w.view, null, c.p, y);
        const want = new Array<number>(size(yShape)).fill(0);
        forTaps(c, (n, o, cc, oh, ow, i, j, h, ww) => {
          want[ravel([n, o, oh, ow], yShape)]! +=
            x.values[ravel([n, cc, h, ww], c.x)]! * w.values[ravel([o, cc % Cg, i, j], wShape)]!;
        });
        expectClose(readOut(b2, y), want.map(f), 1e-5, 1e-5, `conv ${ci} chunked, ${threads} threads`);
        for (const s of [x.storage, w.storage, y.storage]) b2.free(s);
      }
      await b2.dispose();
    }
  });
});

describe('maxPool2d', () => {
  it('values and indices with padding, stride, dilation', () => {
    const r = rng(20);
    const shape = [2, 3, 7, 8];
    const k: [number, number] = [3, 2];
    const params = {
      stride: [2, 2] as const,
      padding: [1, 1] as const,
      dilation: [1, 2] as const,
      ceilMode: false,
    };
    const Ho = Math.floor((7 + 2 - 1 * (3 - 1) - 1) / 2) + 1;
    const Wo = Math.floor((8 + 2 - 2 * (2 - 1) - 1) / 2) + 1;
    for (const layout of ['contiguous', 'permuted', 'padded'] as const) {
      const x = makeTensor(be, 'float32', shape, layout, r);
      const oShape = [2, 3, Ho, Wo];
      const out = makeOut(be, 'float32', oShape);
      const ind = makeOut(be, 'int32', oShape);
      be.kernels.maxPool2d!(x.view, k, params, out, ind);
      const wantV: number[] = [];
      const wantI: number[] = [];
      for (let i = 0; i < size(oShape); i++) {
        const [n, c, oh, ow] = unravel(i, oShape) as [number, number, number, number];
        let best = Number.NEGATIVE_INFINITY;
        let bi = -1;
        for (let a = 0; a < k[0]; a++)
          for (let b = 0; b < k[1]; b++) {
            const h = oh * 2 - 1 + a;
            const w = ow * 2 - 1 + b * 2;
            if (h < 0 || h >= 7 || w < 0 || w >= 8) continue;
            const v = x.values[ravel([n, c, h, w], shape)]!;
            if (bi < 0 || v > best) {
              best = v;
              bi = h * 8 + w;
            }
          }
        wantV.push(best);
        wantI.push(bi);
      }
      expect(readOut(be, out), layout).toEqual(wantV);
      expect(readOut(be, ind), layout).toEqual(wantI);
      for (const s of [x.storage, out.storage, ind.storage]) be.free(s);
    }
  });
});

describe('softmax, logSoftmax, layerNorm, gelu', () => {
  it('softmax and logSoftmax along each axis', () => {
    const r = rng(21);
    const shape = [3, 4, 9];
    for (const layout of LAYOUTS) {
      for (let axis = 0; axis < 3; axis++) {
        const x = makeTensor(be, 'float32', shape, layout, r, () => f((r() * 2 - 1) * 10));
        const sm = makeOut(be, 'float32', shape);
        const lsm = makeOut(be, 'float32', shape);
        be.kernels.softmax!(x.view, axis, sm);
        be.kernels.logSoftmax!(x.view, axis, lsm);
        const wantS: number[] = [];
        const wantL: number[] = [];
        for (let i = 0; i < x.values.length; i++) {
          const c = unravel(i, shape);
          const row = Array.from(
            { length: shape[axis]! },
            (_, j) =>
              x.values[
                ravel(
                  c.map((v, d) => (d === axis ? j : v)),
                  shape,
                )
              ]!,
          );
          const m = Math.max(...row);
          const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
          wantS.push(f(Math.exp(x.values[i]! - m) / s));
          wantL.push(f(x.values[i]! - m - Math.log(s)));
        }
        expectClose(readOut(be, sm), wantS, 1e-5, 1e-7, `softmax ${layout} ${axis}`);
        expectClose(readOut(be, lsm), wantL, 1e-5, 1e-5, `logSoftmax ${layout} ${axis}`);
        for (const s of [x.storage, sm.storage, lsm.storage]) be.free(s);
      }
    }
  });

  it('layerNorm with and without affine, writing mean and rstd', () => {
    const r = rng(22);
    const rows = 5;
    const n = 13;
    for (const layout of ['contiguous', 'padded'] as const) {
      const x = makeTensor(be, 'float32', [rows, n], layout, r);
      const w = makeTensor(be, 'float32', [n], 'contiguous', r);
      const b = makeTensor(be, 'float32', [n], 'padded', r);
      for (const affine of [true, false]) {
        const out = makeOut(be, 'float32', [rows, n]);
        const mean = makeOut(be, 'float32', [rows]);
        const rstd = makeOut(be, 'float32', [rows]);
        be.kernels.layerNorm!(
          x.view,
          n,
          affine ? w.view : null,
          affine ? b.view : null,
          1e-5,
          out,
          mean,
          rstd,
        );
        const wantY: number[] = [];
        const wantM: number[] = [];
        const wantR: number[] = [];
        for (let i = 0; i < rows; i++) {
          const row = x.values.slice(i * n, (i + 1) * n);
          const mu = row.reduce((a, v) => a + v, 0) / n;
          const v = row.reduce((a, x) => a + (x - mu) ** 2, 0) / n;
          const rs = 1 / Math.sqrt(v + 1e-5);
          wantM.push(f(mu));
          wantR.push(f(rs));
          for (const [j, xv] of row.entries()) {
            wantY.push(f(affine ? (xv - mu) * rs * w.values[j]! + b.values[j]! : (xv - mu) * rs));
          }
        }
        expectClose(readOut(be, out), wantY, 1e-5, 1e-5, `layerNorm ${layout} ${affine}`);
        expectClose(readOut(be, mean), wantM, 1e-6, 1e-6, 'mean');
        expectClose(readOut(be, rstd), wantR, 1e-6, 1e-6, 'rstd');
        for (const s of [out.storage, mean.storage, rstd.storage]) be.free(s);
      }
      for (const s of [x.storage, w.storage, b.storage]) be.free(s);
    }
  });

  it('gelu exact and tanh', () => {
    const r = rng(23);
    for (const layout of LAYOUTS) {
      const x = makeTensor(be, 'float32', [6, 7], layout, r, () => f((r() * 2 - 1) * 6));
      const out = makeOut(be, 'float32', [6, 7]);
      be.kernels.gelu!(x.view, 'none', out);
      expectClose(
        readOut(be, out),
        x.values.map((v) => f(0.5 * v * (1 + erfRef(v / Math.SQRT2)))),
        2e-6,
        1e-6,
        `gelu ${layout}`,
      );
      be.kernels.gelu!(x.view, 'tanh', out);
      const k = Math.sqrt(2 / Math.PI);
      expectClose(
        readOut(be, out),
        x.values.map((v) => f(0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v ** 3))))),
        2e-6,
        1e-6,
        `gelu tanh ${layout}`,
      );
      be.free(x.storage);
      be.free(out.storage);
    }
  });
});

describe('matmulBiasActivation', () => {
  it('fuses bias and relu/gelu, with a transposed operand', () => {
    const r = rng(24);
    const [m, n, k] = [9, 14, 11];
    for (const act of ['none', 'relu', 'gelu'] as const) {
      const a = makeTensor(be, 'float32', [m, k], 'permuted', r);
      const b = makeTensor(be, 'float32', [k, n], 'contiguous', r);
      const bias = makeTensor(be, 'float32', [n], 'padded', r);
      const out = makeOut(be, 'float32', [m, n]);
      be.kernels.matmulBiasActivation!(a.view, b.view, bias.view, act, out);
      const want: number[] = [];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = bias.values[j]!;
          for (let p = 0; p < k; p++) s += a.values[i * k + p]! * b.values[p * n + j]!;
          want.push(
            f(act === 'relu' ? Math.max(s, 0) : act === 'gelu' ? 0.5 * s * (1 + erfRef(s / Math.SQRT2)) : s),
          );
        }
      expectClose(readOut(be, out), want, 1e-5, 1e-5, act);
      for (const s of [a.storage, b.storage, bias.storage, out.storage]) be.free(s);
    }
  });
});

describe('fused optimizer steps', () => {
  it('adamStep follows PyTorch arithmetic (Adam and AdamW, maximize)', () => {
    const r = rng(25);
    const n = 37;
    for (const [decoupled, wd, maximize] of [
      [false, 0, false],
      [false, 0.01, false],
      [true, 0.01, false],
      [false, 0, true],
    ] as const) {
      const p = makeTensor(be, 'float32', [n], 'contiguous', r);
      const g = makeTensor(be, 'float32', [n], 'padded', r);
      const m = makeTensor(be, 'float32', [n], 'contiguous', r, () => f(r() * 0.1));
      const v = makeTensor(be, 'float32', [n], 'contiguous', r, () => f(r() * 0.01));
      const o = {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: wd,
        decoupled,
        step: 3,
        maximize,
      };
      const P = { storage: p.storage, shape: [n], offset: 0 };
      const M = { storage: m.storage, shape: [n], offset: 0 };
      const V = { storage: v.storage, shape: [n], offset: 0 };
      be.kernels.adamStep!(P, g.view, M, V, o);
      const wantP: number[] = [];
      const wantM: number[] = [];
      const wantV: number[] = [];
      const bc1 = 1 - 0.9 ** 3;
      const bc2 = 1 - 0.999 ** 3;
      for (let i = 0; i < n; i++) {
        let gi = maximize ? -g.values[i]! : g.values[i]!;
        let pi = p.values[i]!;
        if (wd !== 0) {
          if (decoupled) pi = f(pi * f(1 - 1e-3 * wd));
          else gi = f(gi + f(f(wd) * pi));
        }
        const mi = f(m.values[i]! + f(f(0.1) * f(gi - m.values[i]!)));
        const vi = f(f(v.values[i]! * f(0.999)) + f(f(f(f(1 - 0.999) * gi)) * gi));
        const denom = f(f(f(Math.sqrt(vi)) / f(Math.sqrt(bc2))) + f(1e-8));
        wantP.push(f(pi + f(f(f(-(1e-3 / bc1)) * mi) / denom)));
        wantM.push(mi);
        wantV.push(vi);
      }
      expectClose(readOut(be, M), wantM, 1e-7, 0, 'adam m');
      expectClose(readOut(be, V), wantV, 1e-7, 0, 'adam v');
      expectClose(readOut(be, P), wantP, 1e-7, 0, `adam p ${decoupled} ${wd}`);
      for (const s of [p.storage, g.storage, m.storage, v.storage]) be.free(s);
    }
  });

  it('sgdStep with momentum, dampening, nesterov and the first step', () => {
    const r = rng(26);
    const n = 21;
    for (const [momentum, nesterov, firstStep] of [
      [0, false, false],
      [0.9, false, true],
      [0.9, false, false],
      [0.9, true, false],
    ] as const) {
      const p = makeTensor(be, 'float32', [n], 'contiguous', r);
      const g = makeTensor(be, 'float32', [n], 'contiguous', r);
      const buf = makeTensor(be, 'float32', [n], 'contiguous', r);
      const o = {
        lr: 0.1,
        momentum,
        dampening: 0.1,
        weightDecay: 0.01,
        nesterov,
        maximize: false,
        firstStep,
      };
      const P = { storage: p.storage, shape: [n], offset: 0 };
      const B = momentum === 0 ? null : { storage: buf.storage, shape: [n], offset: 0 };
      be.kernels.sgdStep!(P, g.view, B, o);
      const want = p.values.map((pv, i) => {
        let gi = f(g.values[i]! + f(f(0.01) * pv));
        if (momentum !== 0) {
          const b = firstStep ? gi : f(f(buf.values[i]! * f(0.9)) + f(f(0.9) * gi));
          gi = nesterov ? f(gi + f(f(0.9) * b)) : b;
        }
        return f(pv + f(f(-0.1) * gi));
      });
      expectClose(readOut(be, P), want, 1e-7, 0, `sgd ${momentum} ${nesterov} ${firstStep}`);
      for (const s of [p.storage, g.storage, buf.storage]) be.free(s);
    }
  });
});
