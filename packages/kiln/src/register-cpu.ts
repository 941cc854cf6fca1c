import { registerBackend, setAutoRegister } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';

// NOTE: the package's one side effect, kept in this file so that package.json `sideEffects` can
// name it: the cpu backend is created the first time a device is needed and none is registered,
// so importing `kiln` costs nothing until a tensor exists, and a backend registered first wins.
setAutoRegister(() => registerBackend(createCpuBackend()));
