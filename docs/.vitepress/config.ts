import { defineConfig } from 'vitepress';

const guide = [
  { text: 'Getting started', link: '/guide/getting-started' },
  { text: 'Tensors', link: '/guide/tensors' },
  { text: 'Autograd', link: '/guide/autograd' },
  { text: 'Modules', link: '/guide/modules' },
  { text: 'Optimizers and schedulers', link: '/guide/optimizers' },
  { text: 'Data', link: '/guide/data' },
  { text: 'Backends', link: '/guide/backends' },
  { text: 'Coming from PyTorch', link: '/guide/coming-from-pytorch' },
  { text: 'Write your own backend', link: '/guide/write-your-own-backend' },
  { text: 'Performance', link: '/guide/performance' },
];

const api = [
  { text: 'Overview', link: '/api/' },
  { text: 'kiln', link: '/api/kiln/' },
  { text: '@kiln/tensor', link: '/api/@kiln/tensor/' },
  { text: '@kiln/tensor/testing', link: '/api/@kiln/tensor/testing/' },
  { text: '@kiln/autograd', link: '/api/@kiln/autograd/' },
  { text: '@kiln/nn', link: '/api/@kiln/nn/' },
  { text: '@kiln/optim', link: '/api/@kiln/optim/' },
  { text: '@kiln/data', link: '/api/@kiln/data/' },
  { text: '@kiln/data/node', link: '/api/@kiln/data/node/' },
  { text: '@kiln/backend-cpu', link: '/api/@kiln/backend-cpu/' },
  { text: '@kiln/backend-wasm', link: '/api/@kiln/backend-wasm/' },
  { text: '@kiln/backend-cuda', link: '/api/@kiln/backend-cuda/' },
];

export default defineConfig({
  title: 'Kiln',
  description:
    'PyTorch for TypeScript: tensors, autograd, nn, optim and data on cpu, WebAssembly and CUDA backends.',
  lang: 'en-GB',
  cleanUrls: true,
  lastUpdated: false,
  // NOTE: keeps VitePress's dependency cache out of the source tree (and out of the linter's way).
  cacheDir: 'node_modules/.vitepress-cache',
  srcExclude: ['**/README.md', 'guide/performance-table.md'],
  // NOTE: the local search index of ~600 API pages is one large chunk by design.
  vite: { build: { chunkSizeWarningLimit: 8192 } },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/guide/': [{ text: 'Guide', items: guide }],
      '/api/': [{ text: 'API reference', items: api }],
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
});
