import type { Tensor } from '@kiln/autograd';
import { Module } from '../module.js';
import {
  type BinaryCrossEntropyOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  klDiv,
  type NllLossOptions,
  nllLoss,
} from './classification-loss.js';
import type { Reduction } from './reduction.js';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss } from './regression-loss.js';

/**
 * The loss-module base: options fixed at construction, `call(input, target)` computes the loss.
 *
 * @example
 * ```ts
 * import { MSELoss } from '@kiln/nn';
 * import { ones, zeros } from '@kiln/autograd';
 * new MSELoss().call(ones([2]), zeros([2])).item(); // 1
 * ```
 */
export abstract class Loss<O extends object> extends Module<[Tensor, Tensor], Tensor> {
  constructor(readonly options: O) {
    super();
  }

  override extraRepr(): string {
    return Object.entries(this.options)
      .filter(([, v]) => v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  }
}

/** `crossEntropy` as a module, as `torch.nn.CrossEntropyLoss`. @example ```ts
 * import { CrossEntropyLoss } from '@kiln/nn';
 * new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * ``` */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(options: CrossEntropyOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** `nllLoss` as a module. @example ```ts
 * import { NLLLoss } from '@kiln/nn';
 * new NLLLoss();
 * ``` */
export class NLLLoss extends Loss<NllLossOptions> {
  constructor(options: NllLossOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/** `mseLoss` as a module. @example ```ts
 * import { MSELoss } from '@kiln/nn';
 * new MSELoss({ reduction: 'sum' });
 * ``` */
export class MSELoss extends Loss<{ reduction?: Reduction }> {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** `l1Loss` as a module. @example ```ts
 * import { L1Loss } from '@kiln/nn';
 * new L1Loss();
 * ``` */
export class L1Loss extends Loss<{ reduction?: Reduction }> {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** `smoothL1Loss` as a module. @example ```ts
 * import { SmoothL1Loss } from '@kiln/nn';
 * new SmoothL1Loss({ beta: 0.5 });
 * ``` */
export class SmoothL1Loss extends Loss<{ reduction?: Reduction; beta?: number }> {
  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** `huberLoss` as a module. @example ```ts
 * import { HuberLoss } from '@kiln/nn';
 * new HuberLoss({ delta: 0.7 });
 * ``` */
export class HuberLoss extends Loss<{ reduction?: Reduction; delta?: number }> {
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/** `binaryCrossEntropy` as a module. @example ```ts
 * import { BCELoss } from '@kiln/nn';
 * new BCELoss();
 * ``` */
export class BCELoss extends Loss<BinaryCrossEntropyOptions> {
  constructor(options: BinaryCrossEntropyOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}

/** `binaryCrossEntropyWithLogits` as a module. @example ```ts
 * import { BCEWithLogitsLoss } from '@kiln/nn';
 * new BCEWithLogitsLoss();
 * ``` */
export class BCEWithLogitsLoss extends Loss<BinaryCrossEntropyOptions & { posWeight?: Tensor | null }> {
  constructor(options: BinaryCrossEntropyOptions & { posWeight?: Tensor | null } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}

/** `klDiv` as a module. @example ```ts
 * import { KLDivLoss } from '@kiln/nn';
 * new KLDivLoss({ reduction: 'batchmean' });
 * ``` */
export class KLDivLoss extends Loss<{ reduction?: Reduction | 'batchmean'; logTarget?: boolean }> {
  constructor(options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
