// Entry point of the GEMM-only module built with relaxed SIMD: the same GEMM as index.ts, with
// f32x4.relaxed_madd (a fused multiply-add where the CPU has one) in the 4×8 register tile. The
// host loads it over the same memory when the runtime validates relaxed SIMD, and uses the main
// module's GEMM otherwise. It has no data segments or globals of its own.
export { gemm, gemmConv, gemmPackB, gemmPackBConv, gemmPacked, gemmScratchBytes } from './gemm';
