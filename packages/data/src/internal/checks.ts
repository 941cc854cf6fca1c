import { ValueError } from '@kiln/tensor';

/** @internal Throws a `ValueError` unless `value` is an integer in `[min, max]`. */
export function checkInt(
  op: string,
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new ValueError(`${op}: ${name} must be ${range} (got ${String(value)})`);
  }
  return value;
}

/** @internal Normalises a possibly negative index against `length`, or throws naming the op. */
export function checkIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new ValueError(`${op}: index ${String(index)} is out of range for a dataset of length ${length}`);
  }
  return index < 0 ? index + length : index;
}

/** @internal Whether a value is a promise-like (a dataset's `get` may be async). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
