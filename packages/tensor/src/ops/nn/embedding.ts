import { needsRecord1 } from '../../core/dispatch.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { alive, commonBackend, newTensor, requireFloat } from '../../internal/make.js';
import { ne, where } from '../binary.js';
import { indexSelect } from '../indexing.js';
import { item } from '../read.js';
import { detach, reshape, unsqueeze } from '../shape.js';
import { composite, layout, rawContiguous } from './raw.js';

/**
 * Options of {@link embedding}: `paddingIdx` rows get no gradient; `maxNorm` renormalises (in
 * place, outside the graph) each looked-up row whose `normType`-norm exceeds it, as PyTorch.
 *
 * @example
 * ```ts
 * import { embedding, tensor, ones } from '@kiln/tensor';
 * embedding(tensor([0], { dtype: 'int32' }), ones([3, 2]), { paddingIdx: 0 }).toArray(); // [[1, 1]]
 * ```
 */
export interface EmbeddingOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
}

function indexRange(indices: Tensor): [number, number] {
  const backend = indices.handle.backend;
  const flat = rawContiguous(indices);
  const v = layout(flat, [flat.numel()], [1], flat.offset);
  const lo = newTensor(backend, 'int32', []);
  const hi = newTensor(backend, 'int32', []);
  backend.reduce('min', v, [0], lo.out_());
  backend.reduce('max', v, [0], hi.out_());
  const r: [number, number] = [item(lo) as number, item(hi) as number];
  for (const t of [lo, hi]) t.dispose();
  if (flat !== indices) flat.dispose();
  return r;
}

/** PyTorch's `embedding_renorm_`: scales the referenced rows of `weight` down to `maxNorm`. */
function renorm(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  const V = weight.shape[0]!;
  const D = weight.shape[1]!;
  const backend = weight.handle.backend;
  // NOTE: done on the host: it touches only the looked-up rows and runs outside the graph.
  const idx = rawContiguous(indices);
  const used = new Set<number>(Array.from(idx.dataSync() as Int32Array));
  if (idx !== indices) idx.dispose();
  const wc = rawContiguous(weight);
  const data = wc.dataSync();
  let changed = false;
  for (const r of used) {
    let acc = 0;
    for (let j = 0; j < D; j++) acc += Math.abs(data[r * D + j]!) ** normType;
    const norm = acc ** (1 / normType);
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < D; j++) data[r * D + j] = data[r * D + j]! * scale;
      changed = true;
    }
  }
  if (wc !== weight) wc.dispose();
  if (!changed) return;
  const fresh = newTensor(backend, weight.dtype, [V, D]);
  backend.write(fresh.storage, data);
  backend.copy(fresh, weight);
  weight.handle.version++;
  fresh.dispose();
}

/**
 * Looks up rows of `weight` [V, D] by integer `indices` of any shape: output
 * `[...indices.shape, D]` (an `indexSelect` on the flattened indices, so its gradient
 * scatter-adds into the rows).
 *
 * @example
 * ```ts
 * import { embedding, tensor } from '@kiln/tensor';
 * embedding(tensor([[1, 0]], { dtype: 'int32' }), tensor([[0, 0], [1, 2]])).toArray(); // [[[1, 2], [0, 0]]]
 * ```
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  alive(indices, op);
  alive(weight, op);
  commonBackend(op, indices, weight);
  if (indices.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: expected indices of an integer dtype (got ${indices.dtype}, expected int32)`,
    );
  }
  requireFloat(op, weight, 'weight');
  if (weight.shape.length !== 2) {
    throw new ShapeError(`${op}: expected weight [V, D] to be 2-D (got ${formatShape(weight.shape)})`);
  }
  const V = weight.shape[0]!;
  const D = weight.shape[1]!;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -V || paddingIdx >= V) {
      throw new ValueError(
        `${op}: paddingIdx must be within the number of embeddings (got ${paddingIdx}, expected [${-V}, ${V}))`,
      );
    }
    if (paddingIdx < 0) paddingIdx += V;
  }
  const n = indices.numel();
  if (n > 0) {
    const [lo, hi] = indexRange(indices);
    if (lo < 0 || hi >= V) {
      const bad = lo < 0 ? lo : hi;
      throw new ValueError(
        `${op}: index ${bad} is out of range for a weight of ${V} rows (weight ${formatShape(weight.shape)})`,
      );
    }
  }
  if (options.maxNorm !== undefined && options.maxNorm !== null && n > 0) {
    renorm(weight, indices, options.maxNorm, options.normType ?? 2);
  }
  return composite(() => {
    const flat = reshape(indices, [n]);
    const rows = indexSelect(weight, 0, flat);
    let out = reshape(rows, [...indices.shape, D]);
    if (paddingIdx !== null && needsRecord1(weight)) {
      // NOTE: same values, but the padding rows take theirs from a detached copy: no gradient flows.
      const keep = unsqueeze(ne(indices, paddingIdx), -1);
      out = where(keep, out, detach(out));
    }
    return out;
  });
}
