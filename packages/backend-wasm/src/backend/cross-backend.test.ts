import { createCpuBackend } from '@kiln/backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import type { Backend, BinaryOp, DType, Out, ReduceOp, UnaryOp } from '../internal/tensor-types.js';
import {
  expectClose,
  LAYOUTS,
  type Layout,
  makeOut,
  makeTensor,
  readOut,
  rng,
  type TestTensor,
} from '../internal/test-views.js';

// Cross-backend agreement: random shapes, layouts and ops, wasm against cpu, within float32
// tolerance.

let wasm: Backend;
let cpu: Backend;
beforeAll(async () => {
  wasm = await createWasmBackend({ guards: true });
  cpu = createCpuBackend();
});

const shapeArb = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 4 });
const layoutArb = fc.constantFrom(...LAYOUTS);

/** Runs `body` on both backends with identically generated inputs and compares the outputs. */
function agree(
  label: string,
  seed: number,
  inputs: readonly { dtype: DType; shape: readonly number[]; layout: Layout }[],
  body: (be: Backend, xs: TestTensor[]) => Out,
  tol = 2e-6,
): void {
  const got: number[][] = [];
  for (const be of [wasm, cpu]) {
    const r = rng(seed);
    const xs = inputs.map((i) => makeTensor(be, i.dtype, i.shape, i.layout, r));
    const out = body(be, xs);
    got.push(readOut(be, out));
    for (const x of xs) be.free(x.storage);
    be.free(out.storage);
  }
  expectClose(got[0]!, got[1]!, tol, tol, label);
}

describe('wasm agrees with cpu', () => {
  it('unary ops on random shapes and layouts', () => {
    const ops: UnaryOp[] = ['exp', 'tanh', 'sigmoid', 'relu', 'abs', 'floor', 'neg', 'erf', 'sqrt', 'isnan'];
    fc.assert(
      fc.property(fc.constantFrom(...ops), shapeArb, layoutArb, fc.integer(), (op, shape, layout, seed) => {
        agree(`${op} [${shape}] ${layout}`, seed, [{ dtype: 'float32', shape, layout }], (be, [x]) => {
          const out = makeOut(be, op === 'isnan' ? 'bool' : 'float32', shape);
          be.unary(op, x!.view, out);
          return out;
        });
      }),
      { numRuns: 150 },
    );
  });

  it('binary ops with broadcasting on random shapes', () => {
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'eq'];
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        shapeArb,
        layoutArb,
        layoutArb,
        fc.integer(),
        (op, shape, la, lb, seed) => {
          agree(
            `${op} [${shape}] ${la}/${lb}`,
            seed,
            [
              { dtype: 'float32', shape, layout: la },
              { dtype: 'float32', shape, layout: lb },
            ],
            (be, [a, b]) => {
              const out = makeOut(be, op === 'lt' || op === 'eq' ? 'bool' : 'float32', shape);
              be.binary(op, a!.view, b!.view, out);
              return out;
            },
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reductions over random axes', () => {
    const ops: ReduceOp[] = ['sum', 'max', 'min', 'argmax', 'any'];
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        layoutArb,
        fc.integer(),
        fc.integer({ min: 0, max: 15 }),
        (op, shape, layout, seed, mask) => {
          let axes = shape.map((_, d) => d).filter((d) => (mask >> d) & 1);
          if (axes.length === 0) axes = [0];
          if (op === 'argmax') axes = [axes[0]!];
          const oShape = shape.filter((_, d) => !axes.includes(d));
          agree(
            `${op} [${shape}] axes ${axes} ${layout}`,
            seed,
            [{ dtype: 'float32', shape, layout }],
            (be, [x]) => {
              const out = makeOut(be, op === 'argmax' ? 'int32' : op === 'any' ? 'bool' : 'float32', oShape);
              be.reduce(op, x!.view, axes, out);
              return out;
            },
            1e-5,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('matmul with transposed and strided operands', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom<Layout>('contiguous', 'permuted', 'padded'),
        fc.constantFrom<Layout>('contiguous', 'permuted', 'padded'),
        fc.integer(),
        (m, n, k, la, lb, seed) => {
          agree(
            `matmul ${m}x${n}x${k} ${la}/${lb}`,
            seed,
            [
              { dtype: 'float32', shape: [m, k], layout: la },
              { dtype: 'float32', shape: [k, n], layout: lb },
            ],
            (be, [a, b]) => {
              const out = makeOut(be, 'float32', [m, n]);
              be.matmul(a!.view, b!.view, out);
              return out;
            },
            1e-5,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
