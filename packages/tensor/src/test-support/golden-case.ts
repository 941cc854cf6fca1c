// Test-only: looks up a PyTorch golden case of ops.json and decodes its tensors for unit tests.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Tensor } from '../core/tensor.js';
import { compareToGolden } from '../testing/compare.js';
import { fromGolden, type GoldenOpCase, type GoldenTensor, isGoldenTensor } from '../testing/golden-types.js';

let cache: readonly GoldenOpCase[] | null = null;

function cases(): readonly GoldenOpCase[] {
  cache ??= (
    JSON.parse(readFileSync(new URL('../../testdata/ops.json', import.meta.url), 'utf8')) as {
      cases: GoldenOpCase[];
    }
  ).cases;
  return cache;
}

/** One golden case: its tensor inputs on the cpu (with the case's views applied) and outputs. */
export interface GoldenFixture {
  readonly case: GoldenOpCase;
  /** Input `i` as a tensor (the named view of it where the case has one). */
  tensor(i: number): Tensor;
  /** Input `i` as the plain JSON value (numbers, lists). */
  value(i: number): unknown;
  /** Output `i` (0 for single-output ops). */
  output(i?: number): GoldenTensor;
}

/** Loads the golden case `id` (throws when ops.json lacks it). */
export function golden(id: string): GoldenFixture {
  const c = cases().find((x) => x.id === id);
  if (c === undefined) throw new Error(`no golden case ${id}`);
  return {
    case: c,
    tensor(i) {
      const v = c.inputs[i];
      if (!isGoldenTensor(v)) throw new Error(`golden ${id}: input ${i} is not a tensor`);
      const t = fromGolden(v, 'cpu');
      const view = c.views?.[String(i)];
      if (view === undefined) return t;
      const [method, params] = view;
      if (method === 't') return t.t();
      if (method === 'transpose') return t.transpose(params[0] as number, params[1] as number);
      if (method === 'permute') return t.permute(params as number[]);
      throw new Error(`golden ${id}: unknown view ${method}`);
    },
    value(i) {
      return c.inputs[i];
    },
    output(i = 0) {
      const o = c.output;
      return (Array.isArray(o) ? o[i] : o) as GoldenTensor;
    },
  };
}

/** Asserts that `got` matches the golden tensor within the case's tolerances. */
export function expectGolden(got: Tensor, fixture: GoldenFixture, outputIndex = 0): void {
  const r = compareToGolden(got, fixture.output(outputIndex), fixture.case.rtol, fixture.case.atol);
  expect(r.message, fixture.case.id).toBe('ok');
}
