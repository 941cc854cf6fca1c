// Test-only helpers shared by the nn op tests: golden PyTorch cases and two devices, the cpu
// backend with its kernels and the same backend with none (so the core's decompositions run).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@kiln/backend-cpu';
import { expect } from 'vitest';
import { hasBackend, registerBackend } from '../../backend/registry.js';
import type { Tensor } from '../../core/tensor.js';
import { fromTypedArray } from '../creation.js';

/** A tensor as the golden files store it. */
export interface GoldenTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: (number | boolean)[];
}

/** One case of ops.json. */
export interface GoldenCase {
  id: string;
  op: string;
  inputs: (GoldenTensor | number | number[] | null)[];
  attrs: Record<string, unknown>;
  output: GoldenTensor | GoldenTensor[];
  upstream?: GoldenTensor;
  grads?: (GoldenTensor | null)[];
  rtol: number;
  atol: number;
}

let cases: Map<string, GoldenCase> | null = null;

/** The golden case with this id (throws when missing, so a renamed case fails loudly). */
export function goldenCase(id: string): GoldenCase {
  if (cases === null) {
    const here = dirname(fileURLToPath(import.meta.url));
    const file = join(here, '../../../testdata/ops.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { cases: GoldenCase[] };
    cases = new Map(json.cases.map((c) => [c.id, c]));
  }
  const c = cases.get(id);
  if (c === undefined) throw new Error(`golden case ${id} not found`);
  return c;
}

/** A golden tensor as a Kiln tensor on `device` (int64 as int32). */
export function fromGolden(g: GoldenTensor, device: string): Tensor {
  const n = g.data.length;
  if (g.dtype === 'int64') return fromTypedArray(Int32Array.from(g.data as number[]), g.shape, { device });
  if (g.dtype === 'float64')
    return fromTypedArray(Float64Array.from(g.data as number[]), g.shape, { device });
  if (g.dtype === 'bool')
    return fromTypedArray(Uint8Array.from(g.data.map((v) => (v ? 1 : 0))), g.shape, {
      device,
      dtype: 'bool',
    });
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = g.data[i] as number;
  return fromTypedArray(a, g.shape, { device });
}

/** The golden tensor input `i` of a case. */
export function inputOf(c: GoldenCase, i: number, device: string): Tensor {
  const g = c.inputs[i];
  if (g === null || g === undefined || typeof g !== 'object' || Array.isArray(g))
    throw new Error(`${c.id}: input ${i} is not a tensor`);
  return fromGolden(g, device);
}

/** Asserts shape and every value within `atol + rtol·|want|`. */
export function expectClose(
  got: Tensor,
  want: GoldenTensor | { shape: number[]; data: number[] },
  rtol = 1e-4,
  atol = 1e-5,
): void {
  expect(got.shape).toEqual(want.shape);
  const data = Array.from(got.dataSync() as ArrayLike<number>);
  const bad: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const w = want.data[i] as number;
    const v = data[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(v) : Math.abs(v - w) <= atol + rtol * Math.abs(w);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${v}, want ${w}`);
  }
  expect(bad).toEqual([]);
  expect(data.length).toBe(want.data.length);
}

/** Asserts a golden case's output. */
export function expectGolden(
  got: Tensor,
  c: GoldenCase,
  output: GoldenTensor = c.output as GoldenTensor,
): void {
  expectClose(got, output, c.rtol, c.atol);
}

/** The two devices every nn test runs on: with the cpu kernels, and with none of them. */
export const DEVICES = ['cpu', 'cpu-nokernels'] as const;

/** Registers `cpu` and `cpu-nokernels` once. */
export function registerTestBackends(): void {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
  if (!hasBackend('cpu-nokernels'))
    registerBackend({ ...createCpuBackend(), name: 'cpu-nokernels', kernels: {} });
}
