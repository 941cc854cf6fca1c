#!/usr/bin/env node
// Builds the CUDA addon with node-gyp when nvcc is available; otherwise says why it skipped and
// exits 0, so installing and building the workspace never fails on machines without CUDA.
// Set KILN_CUDA_REQUIRE_BUILD=1 to turn a skip into a failure (CI on a machine with nvcc).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const require = createRequire(import.meta.url);
const strict = process.env.KILN_CUDA_REQUIRE_BUILD === '1';

function skip(reason) {
  const line = `@kiln/backend-cuda: skipped building the CUDA addon: ${reason}`;
  if (strict) {
    console.error(`${line}\n(KILN_CUDA_REQUIRE_BUILD=1 makes this an error)`);
    process.exit(1);
  }
  console.log(`${line}\nThe package still installs; createCudaBackend() will explain what is missing.`);
  process.exit(0);
}

if (process.platform !== 'linux')
  skip(`CUDA builds are supported on Linux only (this is ${process.platform})`);
const { findCudaHome, nvccOnPath } = require('./cuda-home.cjs');
const cudaHome = findCudaHome();
if (cudaHome === null) {
  skip(
    nvccOnPath() === null
      ? 'nvcc was not found (install the CUDA toolkit, or set CUDA_HOME, and run this again)'
      : 'nvcc was found but not the CUDA headers and static runtime beside it (set CUDA_HOME to the toolkit root)',
  );
}
const nvcc = join(cudaHome, 'bin', 'nvcc');
let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  skip('node-gyp is not installed (run pnpm install in the workspace first)');
}

console.log(`@kiln/backend-cuda: building the CUDA addon with ${nvcc}`);
const started = Date.now();
const jobs = process.env.JOBS ?? 'max';
const args = [nodeGyp, 'rebuild', '--release', `--jobs=${jobs}`];
// NOTE: use the headers installed beside this Node (e.g. /usr/include/node) when present, so the
// build needs no download; node-gyp otherwise fetches them from nodejs.org.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
try {
  execFileSync(process.execPath, args, {
    cwd: join(pkg, 'native'),
    stdio: 'inherit',
    env: { ...process.env, CUDA_HOME: cudaHome, PATH: `${dirname(nvcc)}:${process.env.PATH ?? ''}` },
  });
} catch (error) {
  console.error(`@kiln/backend-cuda: the CUDA addon failed to build (${String(error)})`);
  process.exit(1);
}
mkdirSync(join(pkg, 'build', 'Release'), { recursive: true });
copyFileSync(
  join(pkg, 'native', 'build', 'Release', 'kiln_cuda.node'),
  join(pkg, 'build', 'Release', 'kiln_cuda.node'),
);
console.log(
  `@kiln/backend-cuda: built build/Release/kiln_cuda.node in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
