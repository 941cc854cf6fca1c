// Finds the CUDA toolkit root (the folder holding include/cuda_runtime_api.h, lib64/libcudart_static.a
// and bin/nvcc). binding.gyp runs this file; scripts/build-native.mjs requires it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function isToolkit(dir) {
  return (
    typeof dir === 'string' &&
    dir.length > 0 &&
    fs.existsSync(path.join(dir, 'include', 'cuda_runtime_api.h')) &&
    fs.existsSync(path.join(dir, 'lib64', 'libcudart_static.a')) &&
    fs.existsSync(path.join(dir, 'bin', 'nvcc'))
  );
}

function nvccOnPath() {
  const which = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/** The toolkit root, or null when none is found. */
function findCudaHome() {
  const candidates = [process.env.CUDA_HOME, process.env.CUDA_PATH];
  const nvcc = nvccOnPath();
  if (nvcc !== null) {
    candidates.push(path.resolve(path.dirname(fs.realpathSync(nvcc)), '..'));
    // A wrapper script (`exec /usr/local/cuda-13.0/bin/nvcc "$@"`) names the real one.
    try {
      const text = fs.readFileSync(nvcc, 'utf8');
      const match = /exec\s+(\S+\/bin\/nvcc)\b/.exec(text.slice(0, 4096));
      if (match) candidates.push(path.resolve(path.dirname(match[1]), '..'));
    } catch {}
  }
  candidates.push('/usr/local/cuda', '/opt/cuda');
  try {
    for (const name of fs.readdirSync('/usr/local').sort().reverse()) {
      if (name.startsWith('cuda-')) candidates.push(path.join('/usr/local', name));
    }
  } catch {}
  return candidates.find(isToolkit) ?? null;
}

module.exports = { findCudaHome, nvccOnPath };

if (require.main === module) process.stdout.write(findCudaHome() ?? '/usr/local/cuda');
