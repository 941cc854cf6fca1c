// Loading the kernel module: base64 → bytes → WebAssembly.Module, and the typed view of its exports.

import { BackendError } from './tensor-types.js';

/** The functions the AssemblyScript module exports (see assembly/index.ts). */
export interface KernelExports {
  heapBase(): number;
  zeroK(ptr: number, bytes: number): void;
  unaryF(
    op: number,
    outKind: number,
    rank: number,
    p: number,
    x: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  unaryI(
    op: number,
    inKind: number,
    outKind: number,
    rank: number,
    p: number,
    x: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  binaryF(
    op: number,
    outKind: number,
    rank: number,
    p: number,
    a: number,
    b: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  binaryI(
    op: number,
    inKind: number,
    outKind: number,
    rank: number,
    p: number,
    a: number,
    b: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  whereK(
    kind: number,
    rank: number,
    p: number,
    c: number,
    a: number,
    b: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  copyK(es: number, rank: number, p: number, src: number, dst: number, r0: number, r1: number): void;
  fillK(es: number, bits: number, rank: number, p: number, dst: number, r0: number, r1: number): void;
  arangeF(out: number, n: number, start: number, step: number): void;
  arangeI(out: number, n: number, start: number, step: number): void;
  arangeB(out: number, n: number, start: number, step: number): void;
  reduceK(
    op: number,
    inKind: number,
    outKind: number,
    kr: number,
    rr: number,
    p: number,
    x: number,
    out: number,
    o0: number,
    o1: number,
  ): void;
  reduceColsF(
    op: number,
    kr: number,
    rr: number,
    p: number,
    x: number,
    out: number,
    g0: number,
    g1: number,
  ): void;
  scanK(
    op: number,
    inKind: number,
    outKind: number,
    rank: number,
    p: number,
    x: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    rsa: number,
    csa: number,
    b: number,
    rsb: number,
    csb: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  gemmConv(
    m: number,
    n: number,
    k: number,
    a: number,
    rsa: number,
    csa: number,
    x: number,
    cp: number,
    j0: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  gemmScratchBytes(): number;
  gemmPackB(
    b: number,
    rsb: number,
    csb: number,
    k: number,
    nc: number,
    bp: number,
    s0: number,
    s1: number,
  ): void;
  gemmPackBConv(x: number, cp: number, k: number, nc: number, bp: number, s0: number, s1: number): void;
  gemmPacked(
    m: number,
    k: number,
    a: number,
    rsa: number,
    csa: number,
    bp: number,
    ncPad: number,
    j0: number,
    j1: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  gatherK(
    es: number,
    rank: number,
    p: number,
    x: number,
    xAxisStride: number,
    idx: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  scatterAddK(
    kind: number,
    rank: number,
    p: number,
    dst: number,
    dstAxisStride: number,
    idx: number,
    src: number,
  ): void;
  softmaxK(isLog: number, rank: number, p: number, x: number, out: number, r0: number, r1: number): void;
  winogradWorkBytes(C: number, O: number, Ho: number, Wo: number): number;
  winogradWeightsK(
    w: number,
    sO: number,
    sC: number,
    sH: number,
    sW: number,
    O: number,
    C: number,
    u: number,
  ): void;
  winogradImagesK(
    x: number,
    sN: number,
    sC: number,
    sH: number,
    sW: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    u: number,
    O: number,
    Ho: number,
    Wo: number,
    y: number,
    yN: number,
    n0: number,
    N: number,
    step: number,
    work: number,
    scratch: number,
  ): void;
  batchNormK(
    x: number,
    N: number,
    C: number,
    S: number,
    w: number,
    b: number,
    eps: number,
    out: number,
    mean: number,
    variance: number,
    c0: number,
    c1: number,
  ): void;
  crossEntropyK(
    x: number,
    C: number,
    t: number,
    ts: number,
    ignore: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  crossEntropyBackwardK(
    x: number,
    C: number,
    t: number,
    ts: number,
    g: number,
    gs: number,
    ignore: number,
    out: number,
    r0: number,
    r1: number,
  ): void;
  layerNormK(
    x: number,
    r0: number,
    r1: number,
    n: number,
    w: number,
    b: number,
    eps: number,
    out: number,
    mean: number,
    rstd: number,
  ): void;
  adamK(
    param: number,
    grad: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    wd: number,
    decoupled: number,
    step: number,
    maximize: number,
  ): void;
  sgdK(
    param: number,
    grad: number,
    buf: number,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    wd: number,
    nesterov: number,
    maximize: number,
    firstStep: number,
  ): void;
  maxPoolK(
    p: number,
    x: number,
    H: number,
    W: number,
    Ho: number,
    Wo: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    out: number,
    ind: number,
    p0: number,
    p1: number,
  ): void;
  padImagesK(
    x: number,
    sN: number,
    sC: number,
    sH: number,
    sW: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    dst: number,
    r0: number,
    r1: number,
  ): void;
  im2colK(
    x: number,
    sC: number,
    sH: number,
    sW: number,
    H: number,
    W: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    Ho: number,
    Wo: number,
    col: number,
    q0: number,
    q1: number,
  ): void;
  col2imK(
    col: number,
    H: number,
    W: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    Ho: number,
    Wo: number,
    dx: number,
    c0: number,
    c1: number,
  ): void;
  epilogueK(c: number, n: number, bias: number, biasMode: number, act: number, r0: number, r1: number): void;
}

/** Decodes base64 without Buffer or atob dependencies beyond what Node 20 and browsers have. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  // NOTE: every runtime this package supports has atob; keep a plain decoder for odd embedders.
  const table = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = b64.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | table.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const SIMD_HELP =
  'help: the wasm backend needs WebAssembly SIMD: Node >= 16.4, Chrome/Edge >= 91, Firefox >= 89, Safari >= 16.4\n' +
  "help: on older runtimes use the 'cpu' backend (@kiln/backend-cpu)";

/** Compiles a kernel module, turning a failure into a BackendError with help lines. */
export async function compileKernels(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  if (typeof WebAssembly === 'undefined') {
    throw new BackendError(`createWasmBackend: WebAssembly is not available in this runtime\n${SIMD_HELP}`);
  }
  if (!WebAssembly.validate(bytes)) {
    throw new BackendError(
      `createWasmBackend: the kernel module does not validate here (WebAssembly SIMD missing or the .wasm is damaged)\n${SIMD_HELP}\nhelp: if you build from source, rerun \`pnpm --filter @kiln/backend-wasm build:wasm\``,
    );
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new BackendError(
      `createWasmBackend: the kernel module failed to compile (${String(e)})\n${SIMD_HELP}`,
    );
  }
}

/** Instantiates a compiled kernel module over `memory`. */
export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<KernelExports> {
  try {
    const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => {} } });
    return instance.exports as unknown as KernelExports;
  } catch (e) {
    throw new BackendError(
      `createWasmBackend: the kernel module failed to instantiate (${String(e)})\n${SIMD_HELP}`,
    );
  }
}

/** The kernels the relaxed-SIMD module provides (they replace the main module's). */
export const FMA_KERNEL_NAMES = [
  'gemm',
  'gemmConv',
  'gemmPackB',
  'gemmPackBConv',
  'gemmPacked',
  'unaryF',
  'softmaxK',
  'winogradImagesK',
] as const;

/**
 * Where the relaxed-SIMD module's static data (its constant tables) lives in the shared memory:
 * above the main module's static data, below the host's parameter area and heap (the build passes
 * `--memoryBase` with this value; scripts/build-wasm.mjs).
 */
export const FMA_MEMORY_BASE = 32768;

/**
 * Loads the module built with relaxed SIMD (fused multiply-add: the GEMM, the unary kernel and
 * softmax) over `memory`, or returns null where the runtime does not validate relaxed SIMD
 * (Firefox, Safari, Node < 20.16), where the main module's static data would reach its own
 * (`mainDataEnd` above FMA_MEMORY_BASE; a build error the tests catch), or where it fails to
 * load: the main module's kernels (multiply + add) run then.
 */
export async function loadFmaKernels(
  bytes: Uint8Array<ArrayBuffer>,
  memory: WebAssembly.Memory,
  mainDataEnd: number,
): Promise<{
  module: WebAssembly.Module;
  exports: Pick<KernelExports, (typeof FMA_KERNEL_NAMES)[number]> & { fmaDataEnd(): number };
  /** Set when V8's relaxed-SIMD flag had to be turned on (Node 20). */
  enabledFlag: boolean;
} | null> {
  if (mainDataEnd > FMA_MEMORY_BASE) return null;
  try {
    let enabledFlag = false;
    if (!WebAssembly.validate(bytes)) {
      if (!enableNodeRelaxedSimd() || !WebAssembly.validate(bytes)) return null;
      enabledFlag = true;
    }
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return {
      module,
      exports: instance.exports as unknown as KernelExports & { fmaDataEnd(): number },
      enabledFlag,
    };
  } catch {
    return null;
  }
}

/** The V8 flag behind which Node 20 (V8 11.3) ships relaxed SIMD; Node >= 22 has it on. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

interface NodeProcessLike {
  readonly versions?: { readonly node?: string };
  readonly getBuiltinModule?: (id: string) => unknown;
}

/**
 * On Node 20 (whose V8 implements relaxed SIMD but validates it only behind a flag), turns the
 * flag on through `node:v8` and returns true. Elsewhere (browsers, Deno, Bun, Node < 20.16
 * without `process.getBuiltinModule`, Node >= 22 where it is on already) does nothing and
 * returns false. The flag only lets modules that use relaxed-SIMD instructions validate; it
 * changes nothing for any other module. `process.getBuiltinModule` keeps `node:v8` out of
 * bundlers' sight, so the browser build has no Node import.
 */
function enableNodeRelaxedSimd(): boolean {
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  const major = Number(proc?.versions?.node?.split('.')[0] ?? Number.NaN);
  if (!(major >= 20 && major < 22) || typeof proc?.getBuiltinModule !== 'function') return false;
  try {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString?: (flags: string) => void };
    if (typeof v8?.setFlagsFromString !== 'function') return false;
    v8.setFlagsFromString(RELAXED_SIMD_FLAG);
    return true;
  } catch {
    return false;
  }
}
