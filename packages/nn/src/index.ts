export { ModuleDict, ModuleList, Sequential, type TensorModule } from './containers.js';
export {
  type BinaryCrossEntropyOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  klDiv,
  type NllLossOptions,
  nllLoss,
} from './functional/classification-loss.js';
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from './functional/loss-modules.js';
export type { Reduction } from './functional/reduction.js';
export { huberLoss, l1Loss, mseLoss, smoothL1Loss } from './functional/regression-loss.js';

import * as init from './init.js';

export type { InitOptions, KaimingOptions, Nonlinearity } from './init.js';
export {
  ELU,
  GELU,
  Hardtanh,
  LeakyReLU,
  LogSoftmax,
  Mish,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from './layers/activation.js';
export { Flatten, Unflatten } from './layers/flatten.js';
export { Bilinear, type FactoryOptions, Identity, Linear } from './layers/linear.js';
export {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  type LoadResult,
  Module,
  type StateDict,
} from './module.js';
export { Parameter } from './parameter.js';
export { init };
