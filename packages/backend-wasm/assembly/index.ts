// Entry point of the kernel module: the functions exported here are what the host calls.
export { arangeB, arangeF, arangeI, binaryF, binaryI, copyK, fillK, unaryF, unaryI, whereK } from './elementwise';
export { reduceColsF, reduceK, scanK } from './reduce';
export { gemm, gemmConv, gemmPackB, gemmPackBConv, gemmPacked, gemmScratchBytes } from './gemm';
export { gatherK, scatterAddK } from './indexing';
export { batchNormK } from './batch-norm';
export { winogradImagesK, winogradWeightsK, winogradWorkBytes } from './winograd';
export { crossEntropyBackwardK, crossEntropyK } from './cross-entropy';
export { adamK, col2imK, epilogueK, im2colK, layerNormK, maxPoolK, padImagesK, sgdK, softmaxK } from './nn';

/** First byte after the module's static data; the host's heap starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Zero-fills `bytes` bytes at `ptr` with one bulk `memory.fill`. The host zeroes heap blocks
 * through this instead of `Uint8Array.fill`, which V8 runs byte by byte (relaxed atomics) on a
 * shared memory: 20× slower for the worker pool's heap.
 */
export function zeroK(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
