// Test-only: registers the cpu backend once for tests of the tensor core.
import { createCpuBackend } from '@kiln/backend-cpu';
import { hasBackend, registerBackend } from '../index.js';

/** Registers the cpu backend (once) and returns its device name. */
export function useCpu(): 'cpu' {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
  return 'cpu';
}
