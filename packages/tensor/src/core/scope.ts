import { ValueError } from '../errors/errors.js';
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];

/** Records a new tensor in the innermost `tidy` scope, if any. @internal */
export function trackInScope(t: Tensor): void {
  if (scopes.length !== 0) scopes[scopes.length - 1]!.push(t);
}

/** Removes a tensor from every open scope so `tidy` does not dispose it. @internal */
export function keepFromScopes(t: Tensor): void {
  for (const scope of scopes) {
    const i = scope.lastIndexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
}

function collect(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out, isTensor);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, isTensor);
  }
}

/** Runs `fn` in a scope and disposes every tensor it created except those it returns. @internal */
export function runScoped<T>(fn: () => T, isTensor: (v: unknown) => v is Tensor): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new ValueError('tidy: the function must be synchronous (got a Promise, expected a value)');
  }
  const keep = new Set<Tensor>();
  collect(result, keep, isTensor);
  const parent = scopes.length !== 0 ? scopes[scopes.length - 1]! : null;
  for (const t of scope) {
    if (keep.has(t)) parent?.push(t);
    else t.dispose();
  }
  return result;
}
