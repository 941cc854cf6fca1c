#!/usr/bin/env node
// GPU check for @kiln/backend-cuda: plain Node, no vitest or pnpm (the GPU machine has neither).
// Runs the conformance cases (the shared runner from @kiln/tensor/testing when its build is
// present, plus this script's own kernel-level golden runner), the error-path checks and the
// benchmarks, and writes JSON to $OUT/gpu-check.json (or the path given as the first argument).
//
// Needs: packages/tensor/dist, packages/backend-cuda/dist and build/Release/kiln_cuda.node
// (what ../../shared/device/pack.sh carries). See scripts/run-on-device.sh.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(pkg, '..', '..');
const outFile = process.argv[2] ?? join(process.env.OUT ?? '.', 'gpu-check.json');
const quick = process.env.KILN_GPU_CHECK_QUICK === '1';
const report = {
  started: new Date().toISOString(),
  node: process.version,
  env: {},
  conformance: {},
  errors: {},
  bench: {},
};
const log = (...a) => console.log('[gpu-check]', ...a);

// Bare '@kiln/tensor' imports in dist/ resolve through node_modules, which the device copy lacks.
function linkWorkspacePackage(from, name, target) {
  const dir = join(from, 'node_modules', ...name.split('/'));
  if (existsSync(dir)) return;
  mkdirSync(dirname(dir), { recursive: true });
  symlinkSync(target, dir, 'dir');
}
linkWorkspacePackage(pkg, '@kiln/tensor', join(root, 'packages', 'tensor'));

function save() {
  report.finished = new Date().toISOString();
  mkdirSync(dirname(resolve(outFile)), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
}

const cudaPkg = await import(pathToFileURL(join(pkg, 'dist', 'index.js')).href);
const K = await import(pathToFileURL(join(root, 'packages', 'tensor', 'dist', 'index.js')).href);
const { createCudaBackend, isCudaAvailable } = cudaPkg;

report.env.available = isCudaAvailable();
let cuda;
try {
  cuda = createCudaBackend();
} catch (e) {
  report.env.error = String(e?.message ?? e);
  log('createCudaBackend failed:', report.env.error);
  save();
  process.exit(2);
}
report.env.info = cuda.info();
log('backend:', JSON.stringify(report.env.info));
K.registerBackend(cuda);

// ------------------------------------------------------------------------------------------------
// helpers over the raw kernel contract

const contiguous = (shape) => {
  const s = new Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
};
const numel = (shape) => shape.reduce((a, b) => a * b, 1);
const ARR = { float32: Float32Array, int32: Int32Array, bool: Uint8Array };

function upload(dtype, shape, data) {
  const s = cuda.alloc(dtype, numel(shape));
  if (numel(shape) > 0) cuda.write(s, ARR[dtype].from(data));
  return { storage: s, shape, strides: contiguous(shape), offset: 0 };
}
function output(dtype, shape) {
  return { storage: cuda.alloc(dtype, numel(shape)), shape, offset: 0 };
}
const download = (o) => cuda.readSync(o.storage, o.offset, numel(o.shape));
function permuted(v, perm) {
  return { ...v, shape: perm.map((p) => v.shape[p]), strides: perm.map((p) => v.strides[p]) };
}
function broadcastTo(v, shape) {
  const pad = shape.length - v.shape.length;
  const strides = shape.map((n, i) => {
    const j = i - pad;
    if (j < 0) return 0;
    return v.shape[j] === 1 && n !== 1 ? 0 : v.strides[j];
  });
  return { ...v, shape, strides };
}
function broadcastShape(a, b) {
  const r = Math.max(a.length, b.length);
  const out = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}
function compare(got, want, rtol, atol) {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = typeof want[i] === 'boolean' ? Number(want[i]) : want[i];
    const g = got[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue;
    const err = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(err <= 0)) worst = Math.max(worst, Number.isFinite(err) ? err : Number.POSITIVE_INFINITY);
  }
  return worst;
}

// ------------------------------------------------------------------------------------------------
// 1. the shared conformance runner (golden forward cases through the core, every primitive)

async function sharedConformance() {
  const testing = join(root, 'packages', 'tensor', 'dist', 'testing', 'index.js');
  if (!existsSync(testing)) return { skipped: 'packages/tensor/dist/testing is not built' };
  try {
    const T = await import(pathToFileURL(testing).href);
    const r = T.runConformance('cuda');
    return { passed: r.passed.length, failed: r.failed.length, failures: r.failed.slice(0, 200) };
  } catch (e) {
    return { error: String(e?.stack ?? e) };
  }
}

// ------------------------------------------------------------------------------------------------
// 2. this script's kernel-level golden runner (ops.json cases that map to one kernel)

const UNARY = {
  neg: 'neg',
  abs: 'abs',
  exp: 'exp',
  sin: 'sin',
  cos: 'cos',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  square: 'square',
  floor: 'floor',
  ceil: 'ceil',
  round: 'round',
  sign: 'sign',
  erf: 'erf',
  expm1: 'expm1',
  log: 'log',
  sqrt: 'sqrt',
  rsqrt: 'rsqrt',
  reciprocal: 'reciprocal',
  log1p: 'log1p',
};
const BINARY = {
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  maximum: 'max',
  minimum: 'min',
  atan2: 'atan2',
  pow: 'pow',
  eq: 'eq',
  lt: 'lt',
  ge: 'ge',
  ne: 'ne',
};
const COMPARISONS = new Set(['eq', 'lt', 'ge', 'ne']);

function decode(t) {
  const dtype =
    t.dtype === 'float32' || t.dtype === 'float64' ? 'float32' : t.dtype === 'bool' ? 'bool' : 'int32';
  return upload(
    dtype,
    t.shape,
    t.data.map((v) => (typeof v === 'boolean' ? Number(v) : v)),
  );
}
function applyViews(c, inputs) {
  if (!c.views) return inputs;
  return inputs.map((v, i) => {
    const spec = c.views[String(i)];
    if (!spec) return v;
    const [method, args] = spec;
    if (method === 'transpose' || method === 't') {
      const [a, b] = method === 't' ? [0, 1] : args;
      const perm = v.shape.map((_, d) => d);
      perm[a] = b;
      perm[b] = a;
      return permuted(v, perm);
    }
    if (method === 'permute') return permuted(v, args);
    throw new Error(`view ${method} not handled here`);
  });
}

function runKernelCase(c) {
  const tensors = c.inputs.filter((x) => x && typeof x === 'object' && 'shape' in x);
  const storages = [];
  const track = (v) => {
    storages.push(v.storage);
    return v;
  };
  try {
    const raw = tensors.map((t) => track(decode(t)));
    const ins = applyViews(c, raw);
    const want = c.output;
    let out;
    if (UNARY[c.op] && ins.length === 1) {
      out = track(output('float32', want.shape));
      cuda.unary(UNARY[c.op], ins[0], out);
    } else if (BINARY[c.op] && ins.length === 2 && ins[0].storage.dtype === ins[1].storage.dtype) {
      const shape = broadcastShape(ins[0].shape, ins[1].shape);
      const dtype = COMPARISONS.has(BINARY[c.op]) ? 'bool' : ins[0].storage.dtype;
      out = track(output(dtype, shape));
      cuda.binary(BINARY[c.op], broadcastTo(ins[0], shape), broadcastTo(ins[1], shape), out);
    } else if (
      (c.op === 'matmul' || c.op === 'bmm') &&
      ins.length === 2 &&
      ins[0].shape.length >= 2 &&
      ins[1].shape.length >= 2
    ) {
      const [a, b] = ins;
      const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const m = a.shape.at(-2);
      const n = b.shape.at(-1);
      out = track(output('float32', [...batch, m, n]));
      cuda.matmul(
        broadcastTo(a, [...batch, m, a.shape.at(-1)]),
        broadcastTo(b, [...batch, b.shape.at(-2), n]),
        out,
      );
    } else if ((c.op === 'softmax' || c.op === 'log_softmax') && ins.length === 1) {
      const dimArg = c.attrs?.dim ?? c.inputs[1];
      const axis = dimArg < 0 ? dimArg + ins[0].shape.length : dimArg;
      out = track(output('float32', want.shape));
      cuda.kernels[c.op === 'softmax' ? 'softmax' : 'logSoftmax'](ins[0], axis, out);
    } else if (c.op === 'where' && ins.length === 3) {
      const shape = broadcastShape(broadcastShape(ins[0].shape, ins[1].shape), ins[2].shape);
      out = track(output(ins[1].storage.dtype, shape));
      cuda.where(broadcastTo(ins[0], shape), broadcastTo(ins[1], shape), broadcastTo(ins[2], shape), out);
    } else {
      return { skipped: true };
    }
    const got = download(out);
    const worst = compare(got, want.data, c.rtol, c.atol);
    return { ok: worst === 0, worst };
  } finally {
    for (const s of storages) cuda.free(s);
  }
}

function kernelGolden() {
  const ops = JSON.parse(readFileSync(locateGolden('ops.json'), 'utf8'));
  const result = { passed: [], failed: [], skipped: [] };
  for (const c of ops.cases) {
    try {
      const r = runKernelCase(c);
      if (r.skipped) result.skipped.push(c.id);
      else if (r.ok) result.passed.push(c.id);
      else result.failed.push({ id: c.id, worstExcess: r.worst });
    } catch (e) {
      result.failed.push({ id: c.id, error: String(e?.message ?? e) });
    }
  }
  return {
    passed: result.passed.length,
    failed: result.failed,
    skipped: result.skipped.length,
    passedIds: result.passed,
  };
}

function locateGolden(name) {
  for (const dir of [
    join(root, 'packages', 'tensor', 'testdata'),
    join(root, '..', 'shared', 'golden'),
    '/work/shared/golden',
  ]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`golden ${name} not found`);
}

// Philox: the same numbers as the core's reference for the same seed and offset.
function randomCheck() {
  const n = 1 << 16;
  const res = {};
  for (const dist of ['uniform', 'normal']) {
    for (const [seed, offset] of [
      [42, 0],
      [2 ** 40 + 7, 2 ** 33 + 5],
    ]) {
      const out = output('float32', [n]);
      cuda.random(out, dist, seed, offset);
      const got = download(out);
      cuda.free(out.storage);
      const want = new Float32Array(n);
      K.philoxFill(want, dist, seed, offset);
      let maxDiff = 0;
      let mismatches = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(got[i] - want[i]);
        if (d !== 0) mismatches++;
        maxDiff = Math.max(maxDiff, d);
      }
      res[`${dist}/${seed}/${offset}`] = {
        mismatches,
        maxDiff,
        ok: dist === 'uniform' ? mismatches === 0 : maxDiff <= 1e-5,
      };
    }
  }
  return res;
}

// Bad input and resource errors come back as BackendErrors and leave the backend usable.
function errorChecks() {
  const r = {};
  try {
    cuda.alloc('float32', 2 ** 50);
    r.oom = { ok: false, message: 'allocated 4 PB?' };
  } catch (e) {
    r.oom = {
      ok: K.BackendError.isInstance(e) && /out of memory allocating/.test(e.message),
      message: e.message,
    };
  }
  try {
    const a = upload('float32', [2], [1, 2]);
    cuda.unary('neg', { ...a, shape: [4], strides: [1] }, output('float32', [4]));
    r.badView = { ok: false };
  } catch (e) {
    r.badView = { ok: K.BackendError.isInstance(e), message: e.message };
  }
  const a = upload('float32', [3], [1, 2, 3]);
  const o = output('float32', [3]);
  cuda.unary('neg', a, o);
  r.usableAfter = { ok: Array.from(download(o)).join(',') === '-1,-2,-3' };
  cuda.free(a.storage);
  cuda.free(o.storage);
  return r;
}

// ------------------------------------------------------------------------------------------------
// 3. benchmarks

async function timeIt(fn, iters, warmup = 3) {
  for (let i = 0; i < warmup; i++) fn();
  await cuda.synchronize();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  await cuda.synchronize();
  return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
}

function randomUpload(shape, seed, scale = 1) {
  const n = numel(shape);
  const s = cuda.alloc('float32', n);
  const v = { storage: s, shape, strides: contiguous(shape), offset: 0 };
  cuda.random({ storage: s, shape, offset: 0 }, 'normal', seed, 0);
  if (scale !== 1) {
    const c = upload('float32', [1], [scale]);
    cuda.binary('mul', v, broadcastTo(c, shape), { storage: s, shape, offset: 0 });
    cuda.free(c.storage);
  }
  return v;
}

async function benchMatmul(n, tf32) {
  cuda.setAllowTf32(tf32);
  const a = randomUpload([n, n], 1);
  const b = randomUpload([n, n], 2);
  const o = output('float32', [n, n]);
  const t = await timeIt(() => cuda.matmul(a, b, o), quick ? 3 : 20);
  for (const s of [a.storage, b.storage, o.storage]) cuda.free(s);
  cuda.setAllowTf32(false);
  return { n, tf32, seconds: t, gflops: (2 * n ** 3) / t / 1e9 };
}

async function benchAdd(n) {
  const a = randomUpload([n], 3);
  const b = randomUpload([n], 4);
  const o = output('float32', [n]);
  const t = await timeIt(() => cuda.binary('add', a, b, o), quick ? 3 : 20);
  for (const s of [a.storage, b.storage, o.storage]) cuda.free(s);
  return { elements: n, seconds: t, gbPerSecond: (3 * 4 * n) / t / 1e9 };
}

// An MLP 784-256-10 training step (batch 128) written against the kernel contract: forward,
// log-softmax cross-entropy gradient, backward with transposed views (no copies), Adam.
async function benchMlp(steps) {
  const B = 128;
  const params = {
    w1: randomUpload([784, 256], 11, 0.05),
    b1: upload('float32', [256], new Array(256).fill(0)),
    w2: randomUpload([256, 10], 12, 0.05),
    b2: upload('float32', [10], new Array(10).fill(0)),
  };
  const state = Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      { m: output('float32', v.shape), v: output('float32', v.shape) },
    ]),
  );
  const x = randomUpload([B, 784], 13);
  const labels = new Float32Array(B * 10);
  for (let i = 0; i < B; i++) labels[i * 10 + (i % 10)] = 1;
  const y = upload('float32', [B, 10], labels);
  const T = (v) => permuted(v, [1, 0]);
  const asView = (o) => ({ ...o, strides: contiguous(o.shape) });
  let stepNo = 0;
  const step = () => {
    const tmp = [];
    const out = (shape) => {
      const o = output('float32', shape);
      tmp.push(o.storage);
      return o;
    };
    const h = out([B, 256]);
    cuda.matmul(x, params.w1, h);
    cuda.binary('add', asView(h), broadcastTo(params.b1, [B, 256]), h);
    const hr = out([B, 256]);
    cuda.unary('relu', asView(h), hr);
    const z = out([B, 10]);
    cuda.matmul(asView(hr), params.w2, z);
    cuda.binary('add', asView(z), broadcastTo(params.b2, [B, 10]), z);
    const p = out([B, 10]);
    cuda.kernels.softmax(asView(z), 1, p);
    const lossRows = out([B, 10]);
    cuda.kernels.logSoftmax(asView(z), 1, lossRows);
    const loss = out([]);
    cuda.reduce('sum', asView(lossRows), [0, 1], loss);
    const gz = out([B, 10]);
    cuda.binary('sub', asView(p), y, gz);
    const gw2 = out([256, 10]);
    cuda.matmul(T(asView(hr)), asView(gz), gw2);
    const gb2 = out([10]);
    cuda.reduce('sum', asView(gz), [0], gb2);
    const gh = out([B, 256]);
    cuda.matmul(asView(gz), T(params.w2), gh);
    const mask = output('bool', [B, 256]);
    tmp.push(mask.storage);
    const zero = upload('float32', [1], [0]);
    tmp.push(zero.storage);
    cuda.binary('gt', asView(h), broadcastTo(zero, [B, 256]), mask);
    const maskF = out([B, 256]);
    cuda.cast(asView(mask), maskF);
    cuda.binary('mul', asView(gh), asView(maskF), gh);
    const gw1 = out([784, 256]);
    cuda.matmul(T(x), asView(gh), gw1);
    const gb1 = out([256]);
    cuda.reduce('sum', asView(gh), [0], gb1);
    stepNo++;
    const grads = { w1: gw1, b1: gb1, w2: gw2, b2: gb2 };
    for (const k of Object.keys(params)) {
      cuda.kernels.adamStep(params[k], asView(grads[k]), state[k].m, state[k].v, {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
        step: stepNo,
        maximize: false,
      });
    }
    for (const s of tmp) cuda.free(s);
  };
  const t = await timeIt(step, steps, 10);
  const mem = cuda.memory();
  return {
    batch: B,
    steps,
    secondsPerStep: t,
    msPerStep: t * 1e3,
    buffersAfter: mem.buffers,
    cacheHits: mem.cacheHits,
  };
}

// ------------------------------------------------------------------------------------------------

const started = Date.now();
report.conformance.random = randomCheck();
log('random:', JSON.stringify(report.conformance.random));
report.conformance.kernelGolden = kernelGolden();
log(
  `kernel-level golden: ${report.conformance.kernelGolden.passed} passed, ${report.conformance.kernelGolden.failed.length} failed, ${report.conformance.kernelGolden.skipped} skipped`,
);
save();
report.conformance.shared = await sharedConformance();
log('shared conformance:', JSON.stringify({ ...report.conformance.shared, failures: undefined }));
save();
report.errors = errorChecks();
log('errors:', JSON.stringify(report.errors));
save();
report.bench.matmul4096 = await benchMatmul(4096, false);
report.bench.matmul4096Tf32 = await benchMatmul(4096, true);
log('matmul:', JSON.stringify([report.bench.matmul4096, report.bench.matmul4096Tf32]));
save();
report.bench.mlpStep = await benchMlp(quick ? 20 : 300);
log('mlp:', JSON.stringify(report.bench.mlpStep));
report.bench.add256M = await benchAdd(quick ? 1 << 24 : 256 * 1024 * 1024);
log('add:', JSON.stringify(report.bench.add256M));
cuda.emptyCache();
report.memoryAfterEmptyCache = cuda.memory();
report.seconds = (Date.now() - started) / 1000;
save();
log(`wrote ${outFile}`);
