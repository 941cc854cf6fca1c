export { createWasmBackend, type WasmBackendOptions } from './backend/create-backend.js';
