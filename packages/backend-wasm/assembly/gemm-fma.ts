// Entry point of the module built with relaxed SIMD: the GEMM of index.ts with
// f32x4.relaxed_madd (a fused multiply-add where the CPU has one) in the 4×8 register tile, and
// the unary elementwise kernel and softmax, whose exp/log/tanh/erf polynomials fuse their
// multiply-adds. The host loads it over the same memory when the runtime validates relaxed SIMD
// and uses the main module's kernels otherwise. Its static data (the constant tables) is placed at
// FMA_MEMORY_BASE by the build, clear of the main module's, and the host starts its heap above
// fmaDataEnd().
export { gemm, gemmConv, gemmPackB, gemmPackBConv, gemmPacked, gemmScratchBytes } from './gemm';
export { unaryF } from './elementwise';
export { softmaxK } from './nn';
export { winogradImagesK } from './winograd';

/** First byte after this module's static data. */
export function fmaDataEnd(): usize {
  return __heap_base;
}
