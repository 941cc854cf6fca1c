export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { LBFGS, type LBFGSOptions } from './lbfgs.js';
export { ChainedScheduler, SequentialLR } from './lr-scheduler/composite.js';
export { CosineAnnealingLR, CosineAnnealingWarmRestarts } from './lr-scheduler/cosine.js';
export { CyclicLR, type CyclicLROptions } from './lr-scheduler/cyclic.js';
export {
  ConstantLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  MultiStepLR,
  PolynomialLR,
  StepLR,
} from './lr-scheduler/decay.js';
export {
  LRScheduler,
  type LrOptimizer,
  type SchedulerGroup,
  type SchedulerStateDict,
} from './lr-scheduler/lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './lr-scheduler/one-cycle.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './lr-scheduler/plateau.js';

import * as lrScheduler from './lr-scheduler/index.js';

export { NAdam, type NAdamOptions } from './nadam.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  type StateValue,
} from './optimizer.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
/** PyTorch's `torch.optim.lr_scheduler`, as a namespace (the classes are also exported by name). */
export { lrScheduler };
