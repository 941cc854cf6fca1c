// The smallest Kiln program: tensors, arithmetic and a matmul on the cpu backend.
import { createCpuBackend } from '@kiln/backend-cpu';
import { arange, manualSeed, randn, registerBackend, tensor } from '@kiln/tensor';

registerBackend(createCpuBackend());
manualSeed(0);

const a = tensor([
  [1, 2],
  [3, 4],
]).float();
const b = arange(0, 4, 1, { dtype: 'float32' }).reshape([2, 2]);

console.log('a =', a.toString());
console.log('b =', b.toString());
console.log('a + b * 2 =', a.add(b.mul(2)).toString());
console.log('a @ b =', a.matmul(b).toString());
console.log('a @ bᵀ (a transposed view, no copy) =', a.matmul(b.t()).toString());

const x = randn([3, 4]);
const w = randn([4, 2]);
const y = x.matmul(w).relu().sum(1);
console.log('relu(x @ w).sum(1) =', y.toString());
