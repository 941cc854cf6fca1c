export { type CpuBackendOptions, createCpuBackend } from './cpu-backend.js';
