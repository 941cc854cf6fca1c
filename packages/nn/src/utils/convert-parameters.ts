import { cat, noGrad, type Tensor, ValueError } from '@kiln/autograd';

/**
 * Flattens parameters into one 1-D tensor (a copy) — `torch.nn.utils.parameters_to_vector`.
 *
 * @example
 * ```ts
 * import { utils, Linear } from '@kiln/nn';
 * utils.parametersToVector(new Linear(4, 2).parameters()).shape; // [10]
 * ```
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = [...parameters];
  if (list.length === 0) throw new ValueError('parametersToVector: got no parameters');
  const device = list[0]!.device;
  for (const p of list) {
    if (p.device !== device)
      throw new ValueError(
        `parametersToVector: Found two parameters on different devices, ${device} and ${p.device}`,
      );
  }
  return cat(
    list.map((p) => p.reshape([-1])),
    0,
  );
}

/**
 * Copies slices of a 1-D vector into the parameters, in order — `torch.nn.utils.vector_to_parameters`.
 *
 * @example
 * ```ts
 * import { utils, Linear } from '@kiln/nn';
 * import { zeros } from '@kiln/autograd';
 * const fc = new Linear(4, 2);
 * utils.vectorToParameters(zeros([10]), fc.parameters());
 * ```
 */
export function vectorToParameters(vector: Tensor, parameters: Iterable<Tensor>): void {
  if (vector.ndim !== 1)
    throw new ValueError(
      `vectorToParameters: expected a 1-D vector (got shape [${vector.shape.join(', ')}])`,
    );
  const list = [...parameters];
  const total = list.reduce((a, p) => a + p.numel(), 0);
  if (total !== vector.shape[0]) {
    throw new ValueError(
      `vectorToParameters: the vector has ${vector.shape[0]} elements (expected ${total}, the parameters' total)`,
    );
  }
  noGrad(() => {
    let offset = 0;
    for (const p of list) {
      const n = p.numel();
      p.copy_(vector.narrow(0, offset, n).reshape(p.shape));
      offset += n;
    }
  });
}
