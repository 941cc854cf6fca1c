export { type CollatableLeaf, type Collated, defaultCollate } from './collate/default-collate.js';
export { HostTensor } from './collate/host-tensor.js';
export { ConcatDataset } from './dataset/concat-dataset.js';
export { Dataset, IterableDataset, isMapDataset, type MapDataset } from './dataset/dataset.js';
export { randomSplit } from './dataset/random-split.js';
export { Subset } from './dataset/subset.js';
export { TensorDataset } from './dataset/tensor-dataset.js';
export { type CsvOptions, type CsvTable, parseCsv, parseCsvRows } from './io/csv.js';
export { encodeIdx, type IdxArray, type IdxData, parseIdx, readIdxHeader } from './io/idx.js';
export { decodeNpy, encodeNpy, type NpyArray, type NpyData, npyToTensor } from './io/npy.js';
export { DataLoader, type DataLoaderOptions } from './loader/data-loader.js';
export { WorkerError } from './loader/worker-error.js';
export { getWorkerInfo, type WorkerInfo } from './loader/worker-info.js';
export {
  type DatasetSpec,
  isWorkerCapable,
  type WorkerCapable,
  type WorkerCapableDataset,
  type WorkerLoad,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerStream,
  type WorkerStreamOptions,
} from './loader/worker-pool.js';
export { BatchSampler } from './sampler/batch-sampler.js';
export { DistributedSampler, type DistributedSamplerOptions } from './sampler/distributed-sampler.js';
export { RandomSampler, type RandomSamplerOptions } from './sampler/random-sampler.js';
export { type Sampler, SequentialSampler } from './sampler/sampler.js';
export { SubsetRandomSampler } from './sampler/subset-random-sampler.js';
export { WeightedRandomSampler } from './sampler/weighted-random-sampler.js';
export { compose } from './transforms/compose.js';
export { Image } from './transforms/image.js';
export { normalize } from './transforms/normalize.js';
export { type RandomCropOptions, randomCrop } from './transforms/random-crop.js';
export { randomHorizontalFlip } from './transforms/random-horizontal-flip.js';
export { toTensor } from './transforms/to-tensor.js';
export type { BuiltinTransform, ImageOrTensor, Transform } from './transforms/transform.js';
