import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The budgets, minified + gzip, in bytes (1 KB = 1000 bytes): tensor + cpu doing one add,
// and tensor + autograd + nn + optim + cpu training an MLP.
const ADD_BUDGET = 40_000;
const MLP_BUDGET = 100_000;
// The umbrella always brings autograd along (importing `kiln` installs it), which the add
// budget does not count; its own budget keeps it honest about tree-shaking nn, optim and data.
const KILN_ADD_BUDGET = 45_000;

const KILN = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Strings found only in one package's code (error messages survive minification). */
const MARKERS = {
  nn: 'Error(s) in loading state_dict',
  optim: 'optimizer got an empty parameter',
  data: 'DataLoader:',
  wasm: 'AGFzbQ', // base64 of the WebAssembly magic bytes: the embedded kernel binary
  wasmImport: 'backend-wasm',
} as const;

async function bundle(source: string): Promise<{ code: string; gzip: number }> {
  const result = await build({
    stdin: { contents: source, loader: 'ts', resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, gzip: gzipSync(code, { level: 9 }).length };
}

const ADD_ENTRY = `
import { add, tensor } from ${JSON.stringify(KILN)};
console.log(add(tensor([1, 2]), tensor([3, 4])).toString());
`;

const MLP_ENTRY = `
import { nn, optim, randn, randint } from ${JSON.stringify(KILN)};
const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = randn([128, 784]);
const y = randint(0, 10, [128]);
for (let step = 0; step < 10; step++) {
  opt.zeroGrad();
  const loss = nn.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  console.log(loss.item());
}
`;

describe('kiln bundles (esbuild, minified + gzip)', () => {
  it(`tensor + add from kiln (autograd included): none of nn, optim, data or wasm, ≤ ${KILN_ADD_BUDGET / 1000} KB`, async () => {
    const { code, gzip } = await bundle(ADD_ENTRY);
    for (const marker of Object.values(MARKERS)) expect(code).not.toContain(marker);
    console.log(`kiln bundle, tensor + add on cpu: ${(gzip / 1000).toFixed(1)} KB min+gzip`);
    expect(gzip).toBeLessThanOrEqual(KILN_ADD_BUDGET);
  });

  it(`an MLP trained with Adam: nn and optim but no data or wasm, ≤ ${MLP_BUDGET / 1000} KB`, async () => {
    const { code, gzip } = await bundle(MLP_ENTRY);
    expect(code).toContain(MARKERS.nn);
    expect(code).toContain(MARKERS.optim);
    expect(code).not.toContain(MARKERS.data);
    expect(code).not.toContain(MARKERS.wasm);
    console.log(`kiln bundle, MLP + Adam on cpu: ${(gzip / 1000).toFixed(1)} KB min+gzip`);
    expect(gzip).toBeLessThanOrEqual(MLP_BUDGET);
  });

  it(`@kiln/tensor + @kiln/backend-cpu alone (no autograd), one add: ≤ ${ADD_BUDGET / 1000} KB`, async () => {
    const { gzip } = await bundle(`
      import { add, registerBackend, tensor } from '@kiln/tensor';
      import { createCpuBackend } from '@kiln/backend-cpu';
      registerBackend(createCpuBackend());
      console.log(add(tensor([1, 2]), tensor([3, 4])).toString());
    `);
    console.log(`@kiln/tensor + @kiln/backend-cpu bundle, one add: ${(gzip / 1000).toFixed(1)} KB min+gzip`);
    expect(gzip).toBeLessThanOrEqual(ADD_BUDGET);
  });

  it('useWasm: the wasm backend comes in only with it', async () => {
    const { code } = await bundle(`import { useWasm } from ${JSON.stringify(KILN)}; await useWasm();`);
    expect(code).toContain(MARKERS.wasm);
  });
});
