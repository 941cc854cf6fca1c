import { createCpuBackend } from '@kiln/backend-cpu';
import { hasBackend, registerBackend } from '@kiln/tensor';

/** Registers the cpu backend once per test file. */
export function useCpu(): void {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
}
