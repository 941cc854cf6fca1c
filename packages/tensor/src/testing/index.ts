export { type Comparison, compareToGolden } from './compare.js';
export {
  type ConformanceCase,
  type ConformanceOptions,
  checkAllocationBalance,
  conformanceCases,
  goldenOpCases,
  runConformance,
  runGoldenForward,
} from './conformance.js';
export {
  decodeGoldenAttrs,
  decodeGoldenInputs,
  type GoldenAdapter,
  type GoldenArg,
  NN_GOLDEN_OPS,
  tensorGoldenOps,
} from './golden-ops.js';
export {
  fromGolden,
  type GoldenOpCase,
  type GoldenTensor,
  type GoldenValue,
  goldenDType,
  isGoldenTensor,
} from './golden-types.js';
export { primitiveCases } from './primitives.js';
