import { createCpuBackend } from '@kiln/backend-cpu';
import { hasBackend, registerBackend } from '../index.js';

/** Registers the cpu backend once per test file. */
export function useCpu(): void {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
}
