import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // NOTE: the two configs build at the same time; this one cleans all but the other's output.
    clean: ['!wasm.*'],
    sourcemap: true,
    target: 'es2022',
  },
  {
    // NOTE: `kiln/wasm` awaits at the top level, which only ES modules allow: no CommonJS build.
    entry: ['src/wasm.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
  },
]);
