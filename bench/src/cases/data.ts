import type { BenchCase, KilnApi, KilnEnv } from '../harness/case.js';
import { failed, timeAsync, withNote } from '../harness/measure.js';
import { loadOptional } from '../harness/optional.js';
import type { Measurement } from '../harness/types.js';

const IMAGES = 60_000;
const [MEAN, STD] = [0.286, 0.353] as const;

type Ctor = new (options: Record<string, unknown>) => object;

/** Finds an export in `@kiln/data/node` or `@kiln/data` (readers that touch files live in `/node`). */
async function dataExport(name: string): Promise<unknown> {
  for (const spec of ['@kiln/data/node', '@kiln/data']) {
    const loaded = await loadOptional(spec);
    if (loaded.ok && name in loaded.mod) return loaded.mod[name];
  }
  const base = await loadOptional('@kiln/data');
  throw new Error(base.ok ? `pending: @kiln/data does not export ${name} yet` : base.reason);
}

async function transform(): Promise<{ value?: unknown; how: string }> {
  try {
    const compose = (await dataExport('compose')) as (ts: unknown[]) => unknown;
    const toTensor = (await dataExport('toTensor')) as () => unknown;
    const normalize = (await dataExport('normalize')) as (mean: number[], std: number[]) => unknown;
    return { value: compose([toTensor(), normalize([MEAN], [STD])]), how: 'toTensor + normalize' };
  } catch {
    return { how: 'no transform (compose/toTensor/normalize not exported yet)' };
  }
}

/** Opens the training set, whether the class opens synchronously or through a promise. */
async function openFashion(root: string, extra: Record<string, unknown>): Promise<object> {
  const FashionMNIST = (await dataExport('FashionMNIST')) as Ctor;
  const options = { root, train: true, ...extra };
  for (const name of ['open', 'load', 'create']) {
    const f: unknown = Reflect.get(FashionMNIST, name);
    if (typeof f === 'function')
      return (await (f as (o: object) => Promise<object>).call(FashionMNIST, options)) as object;
  }
  const ds = new FashionMNIST(options);
  const ready: unknown = Reflect.get(ds, 'ready');
  if (ready instanceof Promise) await ready;
  return ds;
}

async function epoch(kt: KilnApi, loader: object): Promise<number> {
  let seen = 0;
  const count = (batch: unknown): void => {
    const first = Array.isArray(batch) ? batch[0] : batch;
    if (first instanceof kt.Tensor) seen += first.shape[0] ?? 0;
    kt.dispose(batch);
  };
  if (typeof Reflect.get(loader, Symbol.asyncIterator) === 'function') {
    for await (const batch of loader as AsyncIterable<unknown>) count(batch);
  } else {
    for (const batch of loader as Iterable<unknown>) count(batch);
  }
  return seen;
}

async function openCase(env: KilnEnv): Promise<Measurement> {
  return timeAsync(
    async () => {
      await openFashion(env.dataDir, {});
    },
    env.quick ? 2 : 3,
    'ms',
  );
}

async function epochCase(env: KilnEnv): Promise<Measurement> {
  try {
    const t = await transform();
    const ds = await openFashion(env.dataDir, t.value === undefined ? {} : { transform: t.value });
    const DataLoader = (await dataExport('DataLoader')) as new (ds: object, o: object) => object;
    const loader = new DataLoader(ds, { batchSize: 128, shuffle: true });
    let seen = 0;
    const m = await timeAsync(
      async () => {
        seen = await epoch(env.kt, loader);
      },
      env.quick ? 1 : 3,
      's',
    );
    if (!m.ok) return m;
    const note = `${Math.round(IMAGES / m.value)} images/s; ${t.how}`;
    return withNote(m, seen === IMAGES ? note : `${note}; saw ${seen} images, expected ${IMAGES}`);
  } catch (error) {
    return failed(error);
  }
}

/**
 * Fashion-MNIST through `@kiln/data` (issue 6): opening the training set (gunzip + parse 60,000
 * images) and one shuffled epoch at batch 128 with normalisation into float32 tensors, against
 * PyTorch's `DataLoader` over a `TensorDataset` of the same data (no workers on either side).
 *
 * @example
 * ```ts
 * dataCases().length; // 2
 * ```
 */
export function dataCases(): BenchCase[] {
  return [
    {
      name: 'fashion-mnist open (gunzip+parse 60k)',
      group: 'data (issue 6)',
      torch: true,
      kilnKinds: ['cpu'],
      kiln: openCase,
    },
    {
      name: 'fashion-mnist epoch (batch 128, shuffle, normalise)',
      group: 'data (issue 6)',
      torch: true,
      kilnKinds: ['cpu'],
      kiln: epochCase,
    },
  ];
}
