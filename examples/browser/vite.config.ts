import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) makes SharedArrayBuffer available, which the wasm backend
// needs for threads; without these headers it trains on one thread and says why.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // NOTE: 'source' makes Vite load the workspace's @kiln packages from their TypeScript sources, so
  // the example runs with no build; a copy outside this repository can drop it.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
});
