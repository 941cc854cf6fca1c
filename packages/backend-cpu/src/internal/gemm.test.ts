import { describe, expect, it } from 'vitest';
import { harness, rand } from '../test-utils/views.js';

function naive(
  m: number,
  n: number,
  k: number,
  a: number[],
  sam: number,
  sak: number,
  b: number[],
  sbk: number,
  sbn: number,
): number[] {
  const c: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * sam + p * sak]! * b[p * sbk + j * sbn]!;
      c.push(s);
    }
  return c;
}

describe('matmul', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [17, 33, 9],
    [64, 64, 64],
    [97, 130, 300],
    [129, 5, 513],
    [5, 1100, 40],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`${dtype} ${m}x${k} @ ${k}x${n} transA=${transA} transB=${transB}`, () => {
            const h = harness();
            const a = rand(m * k, m + k);
            const b = rand(k * n, n + 3 * k);
            // Transposed operands are stored the other way round and viewed through strides.
            const [sam, sak] = transA ? [1, m] : [k, 1];
            const [sbk, sbn] = transB ? [1, k] : [n, 1];
            const av = h.view(dtype, a, [m, k], [sam, sak]);
            const bv = h.view(dtype, b, [k, n], [sbk, sbn]);
            const out = h.out(dtype, [m, n]);
            h.be.matmul(av, bv, out);
            const want = naive(m, n, k, a, sam, sak, b, sbk, sbn);
            const got = h.read(out);
            const tol = dtype === 'float32' ? 1e-5 : 1e-12;
            for (let i = 0; i < want.length; i++)
              expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(tol * (1 + Math.sqrt(k)));
          });
        }
      }
    }
  }

  it('broadcasts batch dims with stride 0 and honours offsets', () => {
    const h = harness();
    const [B, m, k, n] = [3, 20, 70, 30];
    const a = rand(B * m * k, 5);
    const b = rand(k * n + 7, 6);
    const av = h.view('float64', a, [B, m, k]);
    const bv = h.view('float64', b, [B, k, n], [0, n, 1], 7);
    const out = h.out('float64', [B, m, n]);
    h.be.matmul(av, bv, out);
    const got = h.read(out);
    for (let t = 0; t < B; t++) {
      const want = naive(m, n, k, a.slice(t * m * k), k, 1, b.slice(7), n, 1);
      for (let i = 0; i < m * n; i++) expect(got[t * m * n + i]).toBeCloseTo(want[i]!, 12);
    }
  });

  it('handles k = 0 and empty outputs', () => {
    const h = harness();
    const out = h.out('float32', [2, 3]);
    h.be.matmul(h.view('float32', [], [2, 0]), h.view('float32', [], [0, 3]), out);
    expect(h.read(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('fuses bias and activation', () => {
    const h = harness();
    const [m, k, n] = [40, 50, 60];
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    const bias = rand(n, 3);
    for (const act of ['none', 'relu', 'gelu'] as const) {
      const out = h.out('float64', [m, n]);
      h.be.kernels.matmulBiasActivation!(
        h.view('float64', a, [m, k]),
        h.view('float64', b, [n, k], [1, k]),
        h.view('float64', bias, [n]),
        act,
        out,
      );
      const prod = naive(m, n, k, a, k, 1, b, 1, k);
      const got = h.read(out);
      for (let i = 0; i < m * n; i++) {
        const v = prod[i]! + bias[i % n]!;
        const want =
          act === 'relu' ? Math.max(v, 0) : act === 'gelu' ? (v * (1 + erfRef(v / Math.SQRT2))) / 2 : v;
        expect(got[i]).toBeCloseTo(want, 10);
      }
    }
  });
});

/** Abramowitz-Stegun 7.1.26 is too coarse for a reference; integrate exactly instead (Simpson). */
function erfRef(x: number): number {
  const n = 2000;
  const h = x / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    s += w * Math.exp(-((i * h) ** 2));
  }
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}
