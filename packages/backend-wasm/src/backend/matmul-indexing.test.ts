import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import { type Backend, philoxFill } from '../internal/tensor-types.js';
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

let be: Backend;
beforeAll(async () => {
  be = await createWasmBackend({ guards: true });
});

function matmulRef(
  a: readonly number[],
  b: readonly number[],
  batch: number,
  m: number,
  n: number,
  k: number,
): number[] {
  const out = new Array<number>(batch * m * n).fill(0);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[(t * m + i) * k + p]! * b[(t * k + p) * n + j]!;
        out[(t * m + i) * n + j] = Math.fround(s);
      }
  return out;
}

describe('matmul', () => {
  it('2-D products of many sizes (edges of every block) and layouts', () => {
    const r = rng(1);
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 7],
      [4, 8, 4],
      [5, 9, 3],
      [17, 33, 65],
      [65, 9, 300],
      [70, 130, 257],
      [2, 2050, 3],
      [0, 4, 3],
      [3, 4, 0],
    ];
    for (const [m, n, k] of sizes) {
      for (const la of LAYOUTS) {
        for (const lb of ['contiguous', 'permuted', 'padded'] as const) {
          const a = makeTensor(be, 'float32', [m, k], la, r);
          const b = makeTensor(be, 'float32', [k, n], lb, r);
          const out = makeOut(be, 'float32', [m, n]);
          be.matmul(a.view, b.view, out);
          expectClose(
            readOut(be, out),
            matmulRef(a.values, b.values, 1, m, n, k),
            1e-5,
            1e-4 * Math.sqrt(k + 1),
            `${m}x${n}x${k} ${la}/${lb}`,
          );
          be.free(a.storage);
          be.free(b.storage);
          be.free(out.storage);
        }
      }
    }
  });

  it('batched with broadcast batch dims', () => {
    const r = rng(2);
    const [B, m, n, k] = [3, 6, 10, 9];
    const a = makeTensor(be, 'float32', [B, m, k], 'permuted', r);
    // b broadcast along the batch: stride 0 on dim 0.
    const bBase = makeTensor(be, 'float32', [k, n], 'contiguous', r);
    const b = { ...bBase.view, shape: [B, k, n], strides: [0, ...bBase.view.strides] };
    const out = makeOut(be, 'float32', [B, m, n]);
    be.matmul(a.view, b, out);
    const bValues = [...bBase.values, ...bBase.values, ...bBase.values];
    expectClose(readOut(be, out), matmulRef(a.values, bValues, B, m, n, k), 1e-5, 1e-4, 'batched');
    for (const s of [a.storage, bBase.storage, out.storage]) be.free(s);
  });
});

describe('gather, indexSelect, scatterAdd', () => {
  it('gather along each axis over dtypes and layouts', () => {
    const r = rng(3);
    const xShape = [4, 5, 6];
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const layout of LAYOUTS) {
        for (let axis = 0; axis < 3; axis++) {
          const x = makeTensor(be, dtype, xShape, layout, r);
          const iShape = [3, 4, 5];
          iShape[axis] = 7;
          const idx = makeTensor(be, 'int32', iShape, layout === 'broadcast' ? 'padded' : layout, r, () =>
            Math.floor(r() * xShape[axis]!),
          );
          const out = makeOut(be, dtype, iShape);
          be.gather(x.view, axis, idx.view, out);
          const want = idx.values.map((j, i) => {
            const c = unravel(i, iShape);
            c[axis] = j;
            return x.values[ravel(c, xShape)]!;
          });
          expect(readOut(be, out), `${dtype} ${layout} axis ${axis}`).toEqual(want);
          for (const s of [x.storage, idx.storage, out.storage]) be.free(s);
        }
      }
    }
  });

  it('indexSelect along each axis', () => {
    const r = rng(4);
    const xShape = [4, 5, 6];
    for (const layout of LAYOUTS) {
      for (let axis = 0; axis < 3; axis++) {
        const x = makeTensor(be, 'float32', xShape, layout, r);
        const idx = makeTensor(be, 'int32', [9], layout === 'broadcast' ? 'padded' : layout, r, () =>
          Math.floor(r() * xShape[axis]!),
        );
        const oShape = xShape.slice();
        oShape[axis] = 9;
        const out = makeOut(be, 'float32', oShape);
        be.indexSelect(x.view, axis, idx.view, out);
        const want = Array.from({ length: size(oShape) }, (_, i) => {
          const c = unravel(i, oShape);
          c[axis] = idx.values[c[axis]!]!;
          return x.values[ravel(c, xShape)]!;
        });
        expect(readOut(be, out), `${layout} axis ${axis}`).toEqual(want);
        for (const s of [x.storage, idx.storage, out.storage]) be.free(s);
      }
    }
  });

  it('scatterAdd accumulates duplicates', () => {
    const r = rng(5);
    for (const dtype of ['float32', 'int32'] as const) {
      for (let axis = 0; axis < 2; axis++) {
        const dShape = [5, 6];
        const dst = makeTensor(be, dtype, dShape, 'contiguous', r);
        const iShape = [4, 3];
        const idx = makeTensor(be, 'int32', iShape, 'permuted', r, () => Math.floor(r() * dShape[axis]!));
        const src = makeTensor(be, dtype, iShape, 'padded', r);
        const out = { storage: dst.storage, shape: dShape, offset: 0 };
        be.scatterAdd(out, axis, idx.view, src.view);
        const want = dst.values.slice();
        idx.values.forEach((j, i) => {
          const c = unravel(i, iShape);
          c[axis] = j;
          const at = ravel(c, dShape);
          want[at] =
            dtype === 'float32' ? Math.fround(want[at]! + src.values[i]!) : want[at]! + src.values[i]!;
        });
        expectClose(readOut(be, out), want, 1e-6, 1e-6, `${dtype} axis ${axis}`);
        for (const s of [dst.storage, idx.storage, src.storage]) be.free(s);
      }
    }
  });
});

describe('random', () => {
  it('matches the reference Philox stream bit for bit', () => {
    for (const dist of ['uniform', 'normal'] as const) {
      for (const [seed, offset] of [
        [0, 0],
        [42, 1000],
        [2 ** 40 + 7, 2 ** 32 - 3],
      ] as const) {
        const n = 1001;
        const out = makeOut(be, 'float32', [n]);
        be.random(out, dist, seed, offset);
        const want = new Float32Array(n);
        philoxFill(want, dist, seed, offset);
        expect(readOut(be, out), `${dist} ${seed}`).toEqual(Array.from(want));
        be.free(out.storage);
      }
    }
  });
});
