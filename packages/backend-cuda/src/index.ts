export { type CudaBackend, createCudaBackend, isCudaAvailable } from './cuda-backend.js';
export { type CudaBackendOptions, type ResolvedCudaOptions, resolveCudaOptions } from './options.js';
