import { ValueError } from '@kiln/autograd';

/** Throws PyTorch's message unless `lr` is a non-negative number. */
export function checkLr(lr: number): void {
  if (typeof lr !== 'number' || Number.isNaN(lr) || lr < 0)
    throw new ValueError(`Invalid learning rate: ${lr}`);
}

/** Throws PyTorch's message unless `value >= 0`. */
export function checkNonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    throw new ValueError(`Invalid ${name} value: ${value}`);
}

/** Throws PyTorch's message unless both betas are in [0, 1). */
export function checkBetas(betas: readonly [number, number]): void {
  for (let i = 0; i < 2; i++) {
    const b = betas[i]!;
    if (typeof b !== 'number' || Number.isNaN(b) || b < 0 || b >= 1) {
      throw new ValueError(`Invalid beta parameter at index ${i}: ${b}`);
    }
  }
}
