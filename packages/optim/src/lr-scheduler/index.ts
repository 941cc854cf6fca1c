export { ChainedScheduler, SequentialLR } from './composite.js';
export { CosineAnnealingLR, CosineAnnealingWarmRestarts } from './cosine.js';
export { CyclicLR, type CyclicLROptions } from './cyclic.js';
export {
  ConstantLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  MultiStepLR,
  PolynomialLR,
  StepLR,
} from './decay.js';
export {
  LRScheduler,
  type LrOptimizer,
  type SchedulerGroup,
  type SchedulerStateDict,
} from './lr-scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
