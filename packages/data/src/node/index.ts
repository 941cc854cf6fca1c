export { writeFileAtomic } from './atomic.js';
export { readCsvFile } from './csv-file.js';
export { type DownloadOptions, downloadFile, sha256File } from './download.js';
export { readIdxFile } from './idx-file.js';
export { FashionMNIST, MNIST, type MnistOptions } from './mnist.js';
export { loadNpy, readNpyFile, saveNpy } from './npy-file.js';
export {
  iterableWorkerDataset,
  WorkerDataset,
  type WorkerDatasetOptions,
  WorkerIterableDataset,
  workerDataset,
} from './worker-dataset.js';
