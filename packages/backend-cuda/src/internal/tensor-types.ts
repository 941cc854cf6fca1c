// The one place this package names @kiln/tensor's types and errors.
export type {
  Backend,
  BackendInfo,
  BinaryOp,
  Conv2dParams,
  DType,
  MemoryInfo,
  OptionalKernels,
  Out,
  RandomDistribution,
  ReduceOp,
  ScanOp,
  Storage,
  TypedArray,
  UnaryOp,
  View,
} from '@kiln/tensor';
export { BackendError, KERNEL_SPEC_VERSION, ValueError } from '@kiln/tensor';
