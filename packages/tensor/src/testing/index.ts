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
export { type GoldenAdapter, type GoldenArg, NN_GOLDEN_OPS, decodeGoldenAttrs, decodeGoldenInputs, tensorGoldenOps } from './golden-ops.js';
export {
  type GoldenOpCase,
  type GoldenTensor,
  type GoldenValue,
  fromGolden,
  goldenDType,
  isGoldenTensor,
} from './golden-types.js';
export { primitiveCases } from './primitives.js';
