import { describe, expect, it } from 'vitest';
import { harness, rand } from '../test-utils/views.js';

function naiveConv(
  x: number[],
  [N, C, H, W]: number[],
  w: number[],
  [O, Cg, kh, kw]: number[],
  b: number[] | null,
  [sh, sw]: number[],
  [ph, pw]: number[],
  [dh, dw]: number[],
  G: number,
) {
  const Ho = Math.floor((H! + 2 * ph! - dh! * (kh! - 1) - 1) / sh!) + 1;
  const Wo = Math.floor((W! + 2 * pw! - dw! * (kw! - 1) - 1) / sw!) + 1;
  const Og = O! / G;
  const out: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let o = 0; o < O!; o++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++) {
          let s = b ? b[o]! : 0;
          const g = Math.floor(o / Og);
          for (let c = 0; c < Cg!; c++)
            for (let i = 0; i < kh!; i++)
              for (let j = 0; j < kw!; j++) {
                const ih = oh * sh! - ph! + i * dh!;
                const iw = ow * sw! - pw! + j * dw!;
                if (ih < 0 || ih >= H! || iw < 0 || iw >= W!) continue;
                s +=
                  x[((n * C! + g * Cg! + c) * H! + ih) * W! + iw]! * w[((o * Cg! + c) * kh! + i) * kw! + j]!;
              }
          out.push(s);
        }
  return { out, Ho, Wo };
}

describe('conv2d', () => {
  const cases = [
    { x: [2, 3, 7, 6], w: [4, 3, 3, 3], s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
    { x: [1, 4, 9, 8], w: [6, 2, 3, 2], s: [2, 1], p: [0, 2], d: [1, 2], g: 2 },
    { x: [2, 16, 12, 12], w: [8, 16, 3, 3], s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
  ];
  for (const [ci, c] of cases.entries()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`forward and both gradients match naive loops (case ${ci}, ${dtype})`, () => {
        const h = harness();
        const xs = rand(
          c.x.reduce((a, b) => a * b),
          11 + ci,
        );
        const ws = rand(
          c.w.reduce((a, b) => a * b),
          12 + ci,
        );
        const bs = rand(c.w[0]!, 13 + ci);
        const params = {
          stride: c.s as [number, number],
          padding: c.p as [number, number],
          dilation: c.d as [number, number],
          groups: c.g,
        };
        const ref = naiveConv(xs, c.x, ws, c.w, bs, c.s, c.p, c.d, c.g);
        const outShape = [c.x[0]!, c.w[0]!, ref.Ho, ref.Wo];
        const out = h.out(dtype, outShape);
        h.be.kernels.conv2d!(
          h.view(dtype, xs, c.x),
          h.view(dtype, ws, c.w),
          h.view(dtype, bs, [c.w[0]!]),
          params,
          out,
        );
        const tol = dtype === 'float32' ? 4 : 10;
        h.read(out).forEach((v, i) => {
          expect(v).toBeCloseTo(ref.out[i]!, tol);
        });

        // conv is linear in x and in w, so each gradient entry equals <gy, conv(unit vector)>.
        const gy = rand(ref.out.length, 14 + ci);
        const gx = h.out(dtype, c.x);
        h.be.kernels.conv2dBackwardInput!(h.view(dtype, gy, outShape), h.view(dtype, ws, c.w), params, gx);
        const gw = h.out(dtype, c.w);
        h.be.kernels.conv2dBackwardWeight!(h.view(dtype, xs, c.x), h.view(dtype, gy, outShape), params, gw);
        const gxv = h.read(gx);
        const gwv = h.read(gw);
        for (const idx of [0, 5, Math.floor(xs.length / 2), xs.length - 1]) {
          const e = xs.map((_, i) => (i === idx ? 1 : 0));
          const r = naiveConv(e, c.x, ws, c.w, null, c.s, c.p, c.d, c.g).out;
          expect(gxv[idx]).toBeCloseTo(
            r.reduce((a, v, i) => a + v * gy[i]!, 0),
            tol,
          );
        }
        for (const idx of [0, 3, Math.floor(ws.length / 2), ws.length - 1]) {
          const e = ws.map((_, i) => (i === idx ? 1 : 0));
          const r = naiveConv(xs, c.x, e, c.w, null, c.s, c.p, c.d, c.g).out;
          expect(gwv[idx]).toBeCloseTo(
            r.reduce((a, v, i) => a + v * gy[i]!, 0),
            tol,
          );
        }
      });
    }
  }
});

describe('maxPool2d', () => {
  it('pools with padding, stride and indices', () => {
    const h = harness();
    const x = h.view('float32', [1, 5, 2, 8, 3, 4, 7, 6, 9, 0, 11, 10, 13, 12, 15, 14], [1, 1, 4, 4]);
    const out = h.out('float32', [1, 1, 3, 3]);
    const idx = h.out('int32', [1, 1, 3, 3]);
    h.be.kernels.maxPool2d!(
      x,
      [2, 2],
      { stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: false },
      out,
      idx,
    );
    expect(h.read(out)).toEqual([1, 5, 8, 9, 11, 10, 13, 15, 14]);
    expect(h.read(idx)).toEqual([0, 1, 3, 8, 10, 11, 12, 14, 15]);
  });
});

describe('softmax, logSoftmax, layerNorm, gelu', () => {
  it('softmax along a strided axis is stable for large inputs', () => {
    const h = harness();
    const data = [1000, 1001, 1002, 0, -1, 5];
    const x = h.view('float64', data, [3, 2], [1, 3]); // logical [[1000,0],[1001,-1],[1002,5]]
    const out = h.out('float64', [3, 2]);
    h.be.kernels.softmax!(x, 0, out);
    const z = Math.exp(0) + Math.exp(1) + Math.exp(2);
    const z2 = Math.exp(0) + Math.exp(-1) + Math.exp(5);
    const want = [1 / z, 1 / z2, Math.E / z, Math.exp(-1) / z2, Math.exp(2) / z, Math.exp(5) / z2];
    h.read(out).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 14);
    });
    h.be.kernels.logSoftmax!(x, 0, out);
    h.read(out).forEach((v, i) => {
      expect(v).toBeCloseTo(Math.log(want[i]!), 12);
    });
  });

  it('layerNorm writes normalised rows, mean and rstd', () => {
    const h = harness();
    const xs = rand(12, 4);
    const w = [0.5, 2, -1, 1];
    const b = [0, 1, 2, 3];
    const out = h.out('float64', [3, 4]);
    const mean = h.out('float64', [3]);
    const rstd = h.out('float64', [3]);
    h.be.kernels.layerNorm!(
      h.view('float64', xs, [3, 4]),
      4,
      h.view('float64', w, [4]),
      h.view('float64', b, [4]),
      1e-5,
      out,
      mean,
      rstd,
    );
    const o = h.read(out);
    for (let r = 0; r < 3; r++) {
      const row = xs.slice(r * 4, r * 4 + 4);
      const mu = row.reduce((a, v) => a + v) / 4;
      const v = row.reduce((a, x) => a + (x - mu) ** 2, 0) / 4;
      const inv = 1 / Math.sqrt(v + 1e-5);
      expect(h.read(mean)[r]).toBeCloseTo(mu, 14);
      expect(h.read(rstd)[r]).toBeCloseTo(inv, 12);
      for (let i = 0; i < 4; i++) expect(o[r * 4 + i]).toBeCloseTo((row[i]! - mu) * inv * w[i]! + b[i]!, 12);
    }
  });

  it('gelu exact and tanh', () => {
    const h = harness();
    const xsv = [-2, -0.5, 0, 1, 3];
    const x = h.view('float64', xsv, [5]);
    const out = h.out('float64', [5]);
    h.be.kernels.gelu!(x, 'none', out);
    // x·Φ(x) from tabulated Φ: Φ(-2)=0.022750131948179, Φ(-0.5)=0.308537538725987, Φ(1)=0.841344746068543, Φ(3)=0.998650101968370
    const want = [-0.045500263896358, -0.154268769362993, 0, 0.841344746068543, 2.99595030590511];
    h.read(out).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 13);
    });
    h.be.kernels.gelu!(x, 'tanh', out);
    const t = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    h.read(out).forEach((v, i) => {
      expect(v).toBeCloseTo(t(xsv[i]!), 14);
    });
  });
});
