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

export { type ScaledDotProductAttentionOptions, scaledDotProductAttention } from './functional/attention.js';
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
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from './layers/attention.js';
export {
  Conv1d,
  Conv2d,
  type ConvOptions,
  ConvTranspose2d,
  type ConvTransposeOptions,
  type PaddingMode,
} from './layers/conv.js';
export { Dropout, Dropout2d, type DropoutOptions } from './layers/dropout.js';
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from './layers/embedding.js';
export { Flatten, Unflatten } from './layers/flatten.js';
export { Bilinear, type FactoryOptions, Identity, Linear } from './layers/linear.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormOptions,
  GroupNorm,
  type GroupNormOptions,
  LayerNorm,
  type LayerNormOptions,
} from './layers/norm.js';
export {
  AdaptiveAvgPool2d,
  AvgPool1d,
  type AvgPool1dOptions,
  AvgPool2d,
  type AvgPool2dOptions,
  MaxPool1d,
  type MaxPool1dOptions,
  MaxPool2d,
  type MaxPool2dOptions,
} from './layers/pool.js';
export { GRU, LSTM, RNN, type RNNBaseOptions, type RNNOptions } from './layers/rnn.js';
export {
  TransformerDecoderLayer,
  type TransformerDecoderLayerForwardOptions,
  TransformerEncoder,
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderOptions,
  type TransformerLayerOptions,
} from './layers/transformer.js';
export {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  type LoadResult,
  Module,
  type StateDict,
} from './module.js';
export { Parameter } from './parameter.js';

import * as utils from './utils/index.js';

export { load, save } from './safetensors/files.js';
export {
  deserialize,
  SafetensorsDict,
  type SafetensorsDType,
  type SerializeOptions,
  serialize,
} from './safetensors/format.js';
export { init, utils };
