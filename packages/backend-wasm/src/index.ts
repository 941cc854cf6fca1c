export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backend/create-backend.js';
