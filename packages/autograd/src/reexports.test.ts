import * as tensorApi from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@kiln/autograd', () => {
  it('re-exports every runtime export of @kiln/tensor', () => {
    const missing = Object.keys(tensorApi).filter((k) => !(k in api));
    expect(missing).toEqual([]);
    expect(api.Tensor).toBe(tensorApi.Tensor);
  });
});
